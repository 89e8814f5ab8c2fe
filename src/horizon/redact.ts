/** What every scrubbed credential is replaced with. */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not scrubbed by value: they would eat ordinary words. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Removes credentials from text that may leave the process: error messages and upstream details
 * in responses, log lines, span attributes, metric labels.
 *
 * By value, which is what matters: each of `secrets` (the app secret, the app token, the user
 * tokens a request carried, the router secret) is replaced wherever it appears, plain,
 * percent-encoded (`OC%7C…`, either hex case, `+` for a space), JSON-escaped (`\"`, `\u00XX`), or
 * any mix of those, because an upstream error may echo a credential in a shape no one foresaw.
 * By shape, for credentials we were never told about: an `access_token=` parameter and an
 * `OC|app_id|secret` app token of any app. Words are never touched, so our own texts ("needs a
 * bearer token in the authorization header") come out as they went in.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Encoded forms need a `%`, a `\` or a `+` in the text; without them a plain search suffices.
  const encoded = /[%\\+]/.test(out);
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    if (encoded) out = out.replace(anyEncoding(secret), REDACTED);
  }
  return out
    .replace(/(access_token(?:=|%3D))[^&\s"'\\]+/gi, `$1${REDACTED}`)
    .replace(/\b(OC(?:\||%7C)\d+(?:\||%7C))[^\s"'&,)\\]+/gi, `$1${REDACTED}`);
}

/** `scrub` applied to every string inside a JSON-like value (plain objects, arrays); the rest as it is. */
export function redactDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, scrub)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, scrub);
    return out as T;
  }
  return value;
}

/** Patterns already built, by secret; bounded so that per-request tokens cannot grow it forever. */
const patterns = new Map<string, RegExp>();
const MAX_PATTERNS = 1000;

/** A global regexp matching `secret` with each character plain, percent-encoded or JSON-escaped. */
function anyEncoding(secret: string): RegExp {
  let pattern = patterns.get(secret);
  if (!pattern) {
    if (patterns.size >= MAX_PATTERNS) patterns.clear();
    pattern = new RegExp(Array.from(secret, charForms).join(''), 'g');
    patterns.set(secret, pattern);
  }
  pattern.lastIndex = 0;
  return pattern;
}

/** The ways one character may be written: itself, `%XX` per UTF-8 byte, `\uXXXX`, short JSON escapes. */
function charForms(char: string): string {
  const forms = [char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')];
  forms.push(
    Array.from(Buffer.from(char, 'utf8'), (byte) => `%${caseless(byte.toString(16).padStart(2, '0'))}`).join(
      '',
    ),
  );
  // (A code point above U+FFFF would be two escaped UTF-16 units; secrets are ASCII in practice.)
  if (char.length === 1) forms.push(`\\\\+u${caseless(char.charCodeAt(0).toString(16).padStart(4, '0'))}`);
  const short = JSON.stringify(char).slice(1, -1);
  // One or more backslashes: JSON inside JSON (a logged body) escapes the escape again.
  if (char === '\\') forms.push('\\\\{2,}');
  else if (short !== char && short.length === 2) forms.push(`\\\\+${short[1]}`);
  if (char === '/') forms.push('\\\\+/');
  if (char === ' ') forms.push('\\+');
  return `(?:${forms.join('|')})`;
}

/** A hex string as a pattern matching either case: `7c` → `7[cC]`. */
function caseless(hex: string): string {
  return hex.replace(/[a-f]/gi, (d) => `[${d.toLowerCase()}${d.toUpperCase()}]`);
}
