/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [top]`: where a V8 CPU
 * profile (from `npm run bench -- --profile`) spent its time: self time by area (our folders,
 * each package, Node internals, GC), then the top functions by self time and by total time (self
 * + callees). For a sampling heap profile, the same for the bytes still alive.
 */
import { readFileSync } from 'node:fs';

interface Frame {
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface ProfileNode extends Frame {
  id: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface HeapNode extends Frame {
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile|file.heapprofile> [top]');
  process.exit(2);
}
const raw = JSON.parse(readFileSync(file, 'utf8')) as Profile | HeapProfile;
const top = Number(topArg ?? 40);
const byArea = new Map<string, number>();
const bySelf = new Map<string, number>();
const byTotal = new Map<string, number>();
let total = 0;
let busy = 0;
const heap = 'head' in raw;
if (heap) readHeapProfile(raw);
else readCpuProfile(raw);

/** CPU: self time per sampled node; total time over each sample's stack. */
function readCpuProfile(profile: Profile): void {
  const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  for (const [id, t] of selfMicros) {
    total += t;
    if (nodeById.get(id)?.callFrame.functionName === '(idle)') continue;
    busy += t;
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      stack.push(nodeById.get(at)!);
    count(stack, t);
  }
}

/** Heap: bytes still alive by allocation site (self) and by every function on the allocating stack. */
function readHeapProfile(profile: HeapProfile): void {
  const walk = (node: HeapNode, stack: Frame[]) => {
    const here = [node, ...stack];
    if (node.selfSize > 0) {
      total += node.selfSize;
      busy += node.selfSize;
      count(here, node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
}

/** Adds `t` to the innermost frame's area and function, and once to every distinct function. */
function count(stack: Frame[], t: number): void {
  add(byArea, areaOf(stack[0]!), t);
  add(bySelf, keyOf(stack[0]!), t);
  const seen = new Set<string>();
  for (const frame of stack) {
    const key = keyOf(frame);
    if (!seen.has(key)) add(byTotal, key, t);
    seen.add(key);
  }
}

const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title}:`);
  for (const [name, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`  ${pct(t)}  ${name}`);
};
if (heap) {
  console.log(`${file}: ${(total / 1024 / 1024).toFixed(1)} MB alive when sampling stopped (% of it)`);
  print('Bytes by area of the allocating function', byArea, 25);
  print(`Top ${top} allocation sites`, bySelf, top);
  print(`Top ${top} functions on the allocating stacks`, byTotal, top);
} else {
  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (% of busy time)`,
  );
  print('Self time by area', byArea, 25);
  print(`Top ${top} functions by self time`, bySelf, top);
  print(`Top ${top} functions by total time (self + callees)`, byTotal, top);
}

function add(map: Map<string, number>, key: string, t: number): void {
  map.set(key, (map.get(key) ?? 0) + t);
}

/** `name file:line`, with paths shortened to the package or our folder. */
function keyOf(node: Frame): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

/** Our folders by name, packages by name, Node internals, V8 pseudo-frames. */
function areaOf(node: Frame): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(src|bench)\/(.*)$/.exec(url);
  if (ours) {
    const parts = ours[2]!.split('/');
    return `${ours[1]}/${parts.length > 1 ? parts.slice(0, -1).join('/') : parts[0]}`;
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return url;
}
