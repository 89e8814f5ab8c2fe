/**
 * `--checkpoint FILE`: what an export has done, written after each commit point (each page of
 * NDJSON/CSV, each Parquet row group) by writing a temporary file and renaming it over the old
 * one, so the file is always whole. It names the export it belongs to (what, its arguments, the
 * format and the output), and a rerun with other arguments is refused rather than mixing outputs.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { CommitPoint } from './run.ts';

/** The checkpoint file's content. */
export interface Checkpoint {
  version: 1;
  /** What the export is: the source's identity, the format and the output path. */
  export: Record<string, string | number>;
  /** The last commit point. */
  point: CommitPoint;
  /** The output is complete (and, for Parquet, renamed to its final path). */
  complete: boolean;
}

/** Reads a checkpoint; undefined when the file does not exist. Throws when it is not one. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<Checkpoint>;
  if (parsed.version !== 1 || typeof parsed.export !== 'object' || typeof parsed.point !== 'object') {
    throw new Error(`${path} is not an export checkpoint`);
  }
  return parsed as Checkpoint;
}

/** Writes a checkpoint whole (a temporary file renamed over the old one). */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify(checkpoint) + '\n');
  await rename(temporary, path);
}

/** Whether two exports are the same (same keys, same values). */
export function sameExport(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) if (a[key] !== b[key]) return false;
  return true;
}
