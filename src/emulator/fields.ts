/**
 * The `fields` parameter: parsing `a,b{c,d{e}}` (whitespace tolerated, as doc examples contain it)
 * and projecting records onto the selection. Each object type declares its fields and its default
 * selection; `id` is always returned for types that have one, and unset values are omitted.
 */
import { invalidParam, nonexistingField } from './graph-errors.ts';

/** A parsed selection: field name → nested selection (undefined when the field had no braces). */
export type Selection = Map<string, Selection | undefined>;

/** An object type that `fields` can select from. */
export interface NodeType<T> {
  /** The name Graph errors use, e.g. `LeaderboardEntry`. */
  name: string;
  /** What is returned when `fields` is absent (or when the type is nested without braces). */
  defaults: readonly string[];
  fields: Readonly<Record<string, FieldDef<T>>>;
}

/** One selectable field: how to read it and, for object values, the type to project them with. */
export interface FieldDef<T> {
  // Method syntax on purpose: it lets a NodeType<User> be used where a NodeType<unknown> is expected.
  get(record: T): unknown;
  type?: NodeType<unknown>;
}

/** Turns a record into the response object for one selection. */
export type Projection<T> = (record: T) => Record<string, unknown>;

/** A scalar field read from the record's property of the same name. */
export function own<T>(key: keyof T & string): FieldDef<T> {
  return { get: (record) => record[key] };
}

/** An object (or list of objects) field projected with `type`. */
export function nested<T, U>(
  type: NodeType<U>,
  get: (record: T) => U | readonly U[] | undefined,
): FieldDef<T> {
  return { get, type: type as NodeType<unknown> };
}

/**
 * Validates the `fields` parameter against `type` up front (so an unknown field fails even for an
 * empty list) and returns the projection.
 */
export function compileProjection<T>(type: NodeType<T>, fieldsParam: string | undefined): Projection<T> {
  return compile(type, fieldsParam === undefined ? undefined : parseSelection(fieldsParam));
}

/** The top-level field names a `fields` parameter selects, in the order written (syntax-checked). */
export function selectedFieldNames(fieldsParam: string | undefined): string[] {
  return fieldsParam === undefined ? [] : [...parseSelection(fieldsParam).keys()];
}

function compile<T>(type: NodeType<T>, selection: Selection | undefined): Projection<T> {
  const names = selection && selection.size > 0 ? [...selection.keys()] : [...type.defaults];
  if (Object.hasOwn(type.fields, 'id') && !names.includes('id')) names.unshift('id');
  const parts = names.map((name) => {
    const def = Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
    if (!def) throw nonexistingField(name, type.name);
    const sub = selection?.get(name);
    if (sub && !def.type)
      throw invalidParam(`Field ${name} on node type (${type.name}) has no subfields to select`);
    return { name, def, child: def.type ? compile(def.type, sub) : undefined };
  });
  return (record) => {
    const out: Record<string, unknown> = {};
    for (const { name, def, child } of parts) {
      const value = def.get(record);
      if (value === undefined) continue;
      out[name] = child && value !== null ? (Array.isArray(value) ? value.map(child) : child(value)) : value;
    }
    return out;
  };
}

/** Parses `a, b{c,d{e}}` into a selection; throws code 100 on a syntax error. */
function parseSelection(text: string): Selection {
  let pos = 0;
  const fail = (): never => {
    throw invalidParam(`Syntax error in fields at position ${pos}: ${JSON.stringify(text)}`);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };
  const readList = (depth: number): Selection => {
    const selection: Selection = new Map();
    for (;;) {
      skipSpace();
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos));
      if (match) {
        pos += match[0].length;
        skipSpace();
        let sub: Selection | undefined;
        if (text[pos] === '{') {
          pos++;
          sub = readList(depth + 1);
          if (text[pos] !== '}') fail();
          pos++;
          skipSpace();
        }
        selection.set(match[0], mergeSelections(selection.get(match[0]), sub));
      }
      // Empty items (`a,,b`, a trailing comma) are tolerated.
      if (text[pos] === ',') pos++;
      else if (pos >= text.length ? depth === 0 : text[pos] === '}' && depth > 0) return selection;
      else fail();
    }
  };
  return readList(0);
}

/** `a{b},a{c}` selects `a{b,c}`. */
function mergeSelections(a: Selection | undefined, b: Selection | undefined): Selection | undefined {
  if (!a || !b) return a ?? b;
  const merged: Selection = new Map(a);
  for (const [name, sub] of b) merged.set(name, mergeSelections(merged.get(name), sub));
  return merged;
}
