/**
 * Format writers: rows of an export kind → bytes in a sink. NDJSON and CSV are written batch by
 * batch (every batch is durable at once); Parquet buffers rows into row groups of
 * `PARQUET_ROW_GROUP_ROWS` and writes each group whole. Each writer can report its state after a
 * commit and be rebuilt from that state over a sink truncated to the committed length, which is
 * how an interrupted export continues exactly where it stopped.
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Column, ExportKind, Row } from './columns.ts';

export const FORMATS = ['ndjson', 'csv', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

/** Rows per Parquet row group (the unit an interrupted Parquet export resumes from). */
export const PARQUET_ROW_GROUP_ROWS = 10_000;

/** The MIME type of each format (HTTP answers). */
export const CONTENT_TYPES: Record<Format, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/** Where the bytes go: a file, stdout, an HTTP response. `write` resolves once the sink can take more. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written since the sink was opened, plus the length it was opened at. */
  readonly length: number;
  /** Makes what was written durable (a file's fsync); a stream has nothing to do. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A file opened for an export: new (truncated) or continued at `length` bytes (the rest cut off). */
export async function fileSink(path: string, continueAt?: number): Promise<ByteSink> {
  const handle: FileHandle = await open(path, continueAt === undefined ? 'w' : 'r+');
  let length = 0;
  if (continueAt !== undefined) {
    const size = (await handle.stat()).size;
    if (size < continueAt) {
      await handle.close();
      throw new Error(`${path} holds ${size} bytes, fewer than the ${continueAt} its checkpoint recorded`);
    }
    await handle.truncate(continueAt);
    length = continueAt;
  }
  return {
    async write(bytes) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, length + done);
        done += bytesWritten;
      }
      length += bytes.length;
    },
    get length() {
      return length;
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

/**
 * A writable stream (stdout, an HTTP response) as a sink, with backpressure: `write` waits for
 * `drain` when the stream's buffer is full, and fails once the stream is closed or errored.
 */
export function streamSink(stream: Writable, options: { end?: boolean } = {}): ByteSink {
  let length = 0;
  return {
    async write(bytes) {
      if (stream.destroyed || stream.writableEnded) throw new Error('the output stream is closed');
      length += bytes.length;
      if (!stream.write(bytes)) {
        const closed = once(stream, 'close').then(() => {
          throw new Error('the output stream closed');
        });
        await Promise.race([once(stream, 'drain'), closed]);
      }
    },
    get length() {
      return length;
    },
    sync: async () => {},
    close: async () => {
      if (options.end === false || stream.writableEnded) return;
      stream.end();
      await once(stream, 'finish').catch(() => {});
    },
  };
}

/** What a writer records at a commit, to be rebuilt from later (JSON-safe). */
export type WriterState = unknown;

/** Writes rows of one kind in one format to a sink. */
export interface FormatWriter {
  /** Encodes `rows` (NDJSON/CSV: written at once; Parquet: buffered until a row group is full). */
  write(rows: readonly Row[]): Promise<void>;
  /** Whether `commit` would make progress durable now (NDJSON/CSV: always; Parquet: a full group). */
  readonly wantsCommit: boolean;
  /** Writes what is due and returns the state to record with the sink's length. */
  commit(): Promise<WriterState>;
  /** Writes whatever is left (Parquet: the last group and the footer). */
  finish(): Promise<void>;
}

/**
 * A writer for `format`. `resume` is the state a commit returned, the sink continued at the length
 * recorded with it; without it the writer starts a new output (CSV: with the header line).
 */
export function formatWriter(
  format: Format,
  kind: ExportKind,
  sink: ByteSink,
  resume?: WriterState,
): FormatWriter {
  switch (format) {
    case 'ndjson':
      return textWriter(sink, (rows) => ndjsonLines(kind.columns, rows));
    case 'csv': {
      let header = resume === undefined;
      return textWriter(sink, (rows) => {
        const text = csvLines(kind.columns, rows, header);
        header = false;
        return text;
      });
    }
    case 'parquet':
      return new ParquetFormatWriter(kind, sink, resume as ParquetState | undefined);
  }
}

function textWriter(sink: ByteSink, encode: (rows: readonly Row[]) => string): FormatWriter {
  return {
    wantsCommit: true,
    async write(rows) {
      const text = encode(rows);
      if (text.length > 0) await sink.write(Buffer.from(text, 'utf8'));
    },
    commit: async () => null,
    finish: async () => {},
  };
}

/** One JSON object per line, keys in column order; `int64` as strings, absent values as null. */
export function ndjsonLines(columns: readonly Column[], rows: readonly Row[]): string {
  let text = '';
  for (const row of rows) {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c.name] = jsonValue(c, row[c.name]);
    text += JSON.stringify(out) + '\n';
  }
  return text;
}

function jsonValue(c: Column, value: Row[string]): unknown {
  if (value === undefined || value === null) return null;
  if (c.type === 'int64') return String(value);
  return value;
}

/** RFC 4180 CSV by csv-stringify (header line first when asked), `\n` line ends. */
export function csvLines(columns: readonly Column[], rows: readonly Row[], header: boolean): string {
  if (rows.length === 0 && !header) return '';
  return stringify(
    rows.map((row) => columns.map((c) => csvValue(row[c.name]))),
    { header, columns: columns.map((c) => c.name), record_delimiter: '\n' },
  );
}

function csvValue(value: Row[string]): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** The Parquet schema of a kind: every column optional; `int64` and `integer` are `INT64`. */
export function parquetSchema(kind: ExportKind) {
  return [
    { name: 'root', num_children: kind.columns.length },
    ...kind.columns.map((c) => ({
      name: c.name,
      repetition_type: 'OPTIONAL' as const,
      ...(c.type === 'string'
        ? { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const }
        : c.type === 'boolean'
          ? { type: 'BOOLEAN' as const }
          : { type: 'INT64' as const }),
    })),
  ];
}

/** What a Parquet export records: the row groups already in the file (their metadata). */
interface ParquetState {
  rowGroups: string;
  numRows: string;
}

/**
 * Parquet through hyparquet-writer's `ParquetWriter`, one row group per `PARQUET_ROW_GROUP_ROWS`
 * rows, each flushed to the sink as soon as it is encoded. The footer (schema and row group
 * metadata) is written by `finish`; until then the file is only a prefix, so a CLI export writes
 * it to `FILE.partial` and renames it when complete. The row groups' metadata goes into the
 * checkpoint, so a rerun rebuilds the writer over the same prefix and finishes the same file.
 */
class ParquetFormatWriter implements FormatWriter {
  readonly #kind: ExportKind;
  readonly #sink: ByteSink;
  readonly #bytes: SinkByteWriter;
  readonly #writer: ParquetWriter;
  #buffer: Row[] = [];

  constructor(kind: ExportKind, sink: ByteSink, resume?: ParquetState) {
    this.#kind = kind;
    this.#sink = sink;
    this.#bytes = new SinkByteWriter(sink);
    this.#writer = new ParquetWriter({
      writer: this.#bytes,
      // hyparquet-writer's SchemaElement type is wider than what we build; the shape is the same.
      schema: parquetSchema(kind) as ConstructorParameters<typeof ParquetWriter>[0]['schema'],
      createdBy: 'horizon-player-state-subgraph export',
    });
    if (resume) {
      // The constructor wrote the `PAR1` magic again: the file already starts with it.
      this.#bytes.index = 0;
      this.#bytes.offset = sink.length;
      this.#writer.row_groups = parseTagged(resume.rowGroups) as ParquetWriter['row_groups'];
      this.#writer.num_rows = BigInt(resume.numRows);
    }
  }

  get wantsCommit(): boolean {
    return this.#buffer.length >= PARQUET_ROW_GROUP_ROWS;
  }

  async write(rows: readonly Row[]): Promise<void> {
    for (const row of rows) this.#buffer.push(row);
  }

  async commit(): Promise<WriterState> {
    await this.#writeGroup();
    await this.#bytes.flush();
    const state: ParquetState = {
      rowGroups: stringifyTagged(this.#writer.row_groups),
      numRows: this.#writer.num_rows.toString(),
    };
    return state;
  }

  async finish(): Promise<void> {
    await this.#writeGroup();
    await this.#writer.finish();
    void this.#sink;
  }

  async #writeGroup(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const rows = this.#buffer;
    this.#buffer = [];
    const columnData = this.#kind.columns.map((c) => ({
      name: c.name,
      data: rows.map((row) => parquetValue(c, row[c.name])),
      // Page indexes and bloom filters are written after the row groups, from state kept in
      // memory until the footer: left out so that the row groups' metadata is the whole state.
      offsetIndex: false,
      columnIndex: false,
    }));
    await this.#writer.write({ columnData, rowGroupSize: rows.length });
    await this.#bytes.flush();
  }
}

function parquetValue(c: Column, value: Row[string]): unknown {
  if (value === undefined || value === null) return null;
  if (c.type === 'int64' || c.type === 'integer') return BigInt(value as string | number);
  return value;
}

/** hyparquet-writer's byte buffer, emptied into the sink by `flush` (after each row group, and at the end). */
class SinkByteWriter extends ByteWriter {
  readonly #sink: ByteSink;

  constructor(sink: ByteSink) {
    super(1 << 20);
    this.#sink = sink;
  }

  flush(): Promise<void> {
    if (this.index === 0) return Promise.resolve();
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.#sink.write(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/** JSON with bigints and byte arrays kept (`{"$bigint":"…"}`, `{"$bytes":"<base64>"}`). */
function stringifyTagged(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
    return v;
  });
}

function parseTagged(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
    }
    return v;
  });
}
