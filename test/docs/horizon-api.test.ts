import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { READ_FIELDS, type ReadFields } from '../../src/shared/read-fields.ts';

// docs/horizon-api.md lists our guesses about Meta's API and what protects us if each is wrong.
// The guessed fields of each read live in one place, src/shared/read-fields.ts (the client asks
// for them as optional, the strict emulator refuses them): the page's table must name exactly
// those, each with its protection, and never a field the code counts as confirmed.

const page = readFileSync(new URL('../../docs/horizon-api.md', import.meta.url), 'utf8');
const reads: ReadFields[] = Object.values(READ_FIELDS);

interface GuessRow {
  route: string;
  field: string;
  mark: string;
  ifWrong: string;
}

/** The rows of the page's "Guesses, and what protects us" table. */
function guessRows(): GuessRow[] {
  const start = page.indexOf('\n## Guesses, and what protects us');
  expect(start).toBeGreaterThan(0);
  const section = page.slice(start, page.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [route, field, mark, ifWrong] = line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim());
      // The first backticked name of each cell: `GET /{app_id}/leaderboards`, `title`, ...
      const name = (cell: string) => /`([^`]+)`/.exec(cell)?.[1] ?? '';
      return { route: name(route!), field: name(field!).replace(/=.*$/, ''), mark: mark!, ifWrong: ifWrong! };
    });
}

/** Top-level names of a read's core selection. */
const coreNames = (read: ReadFields) =>
  read.core.flatMap((f) => (typeof f === 'string' ? [f] : Object.keys(f)));

describe('docs/horizon-api.md against src/shared/read-fields.ts', () => {
  const rows = guessRows();

  it('names every optional field of every read, with what protects us if it is refused', () => {
    const optional = reads.flatMap((read) =>
      Object.keys(read.optional).map((field) => `${read.route} ${field}`),
    );
    expect(optional.length).toBeGreaterThan(0);
    for (const entry of optional) {
      const row = rows.find((r) => `${r.route} ${r.field}` === entry);
      expect(row, `no row for ${entry}`).toBeDefined();
      expect(row!.ifWrong.length, `no protection for ${entry}`).toBeGreaterThan(20);
      expect(row!.ifWrong).toMatch(/refused field, left out/i);
    }
  });

  it('lists as a refusable field only what the code asks for as optional, never a core field', () => {
    for (const row of rows.filter((r) => /refused field, left out/i.test(r.ifWrong))) {
      const read = reads.find((r) => r.route === row.route);
      expect(read, `${row.route} is not a read of READ_FIELDS`).toBeDefined();
      expect(Object.keys(read!.optional), `${row.route} ${row.field}`).toContain(row.field);
    }
    for (const read of reads) {
      const listed = rows.filter((r) => r.route === read.route).map((r) => r.field);
      for (const core of coreNames(read)) expect(listed, `${read.route} ${core} is core`).not.toContain(core);
    }
  });

  it('marks each row and says what happens if it is wrong', () => {
    expect(rows.length).toBeGreaterThan(reads.length);
    for (const row of rows) {
      expect(row.mark, `${row.route} ${row.field}`).toMatch(/^(guess|docs|code)\b/);
      expect(row.ifWrong.length, `${row.route} ${row.field}`).toBeGreaterThan(20);
    }
  });
});
