/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile (from
 * `npm run bench -- --profile`) spent its time: self time by area (our folders, each package,
 * Node internals, GC), then the top functions by self time and by total time (self + callees).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 40);
const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) =>
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const isIdle = (id: number) => nodeById.get(id)?.callFrame.functionName === '(idle)';

const byArea = new Map<string, number>();
const bySelf = new Map<string, number>();
const byTotal = new Map<string, number>();
let total = 0;
let busy = 0;
for (const [id, t] of selfMicros) {
  total += t;
  if (isIdle(id)) continue;
  busy += t;
  const node = nodeById.get(id)!;
  add(byArea, areaOf(node), t);
  add(bySelf, keyOf(node), t);
  // Every sample counts once for each distinct function on its stack.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = keyOf(nodeById.get(at)!);
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
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (% of busy time)`,
);
print('Self time by area', byArea, 25);
print(`Top ${top} functions by self time`, bySelf, top);
print(`Top ${top} functions by total time (self + callees)`, byTotal, top);

function add(map: Map<string, number>, key: string, t: number): void {
  map.set(key, (map.get(key) ?? 0) + t);
}

/** `name file:line`, with paths shortened to the package or our folder. */
function keyOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

/** Our folders by name, packages by name, Node internals, V8 pseudo-frames. */
function areaOf(node: ProfileNode): string {
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
