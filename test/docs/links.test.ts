import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README and the docs it links: every relative link resolves to a file of the repository (and
// an anchor to a heading of it), the README stays short enough to read in five minutes, and no page
// sends readers to notes that are not part of the repository.

const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = [
  'README.md',
  'bench/README.md',
  'fixtures/README.md',
  'examples/supergraph/router.yaml',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#+ (.+)$/gm)].map((match) => slug(match[1]!)));
}

describe('the documentation', () => {
  it.each(PAGES)('%s links only to files and headings that exist', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path ? resolve(dirname(join(ROOT, page)), path) : join(ROOT, page);
      if (!file.startsWith(ROOT) || !existsSync(file)) broken.push(`${target} (no such file)`);
      else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) {
        broken.push(`${target} (no heading #${anchor} in ${relative(ROOT, file)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(PAGES)('%s points to no notes outside the repository', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8');
    expect(text).not.toMatch(/horizon-s2s-api\.md|\.\.\/shared\//);
  });

  it('keeps the README under 15 KB, with a table of contents', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(Buffer.byteLength(readme)).toBeLessThan(15 * 1024);
    expect(readme).toMatch(/^## Contents$/m);
    const contents = readme.slice(
      readme.indexOf('## Contents'),
      readme.indexOf('\n## ', readme.indexOf('## Contents') + 1),
    );
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]!).filter((h) => h !== 'Contents');
    for (const section of sections) expect(contents).toContain(`(#${slug(section)})`);
  });
});
