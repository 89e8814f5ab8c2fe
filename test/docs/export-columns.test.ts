import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXPORT_KINDS } from '../../src/export/columns.ts';

// docs/export.md lists each export kind's columns; they are declared once, in src/export/columns.ts.
// The tables must say what the code writes: same columns, same order, same types and meanings.

const doc = readFileSync(new URL('../../docs/export.md', import.meta.url), 'utf8');

/** The cells of the first table under the heading `### name`. */
function table(name: string): string[][] {
  const start = doc.indexOf(`\n### ${name}\n`);
  expect(start, `docs/export.md has no "### ${name}" section`).toBeGreaterThan(-1);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('docs/export.md', () => {
  it.each(Object.values(EXPORT_KINDS))('documents the columns of $name as the code declares them', (kind) => {
    expect(table(kind.name)).toEqual(kind.columns.map((c) => [`\`${c.name}\``, c.type, c.description]));
  });
});
