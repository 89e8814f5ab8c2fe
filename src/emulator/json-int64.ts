/**
 * JSON with exact 64-bit integers.
 *
 * Scores, counts and targets are int64 upstream. `JSON.parse` and `JSON.stringify` route every number
 * through a double, which silently corrupts values above 2^53, and Node 20 has neither
 * `JSON.rawJSON` nor reviver source text. So the emulator carries int64 values as `bigint` and uses
 * this small reader and writer at its edges (fixture files, JSON request bodies, every response).
 */

/** The signed 64-bit range that every int64 value of the API lives in. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** How `bigint` values are written: as JSON strings (`"12"`) or as bare digits (`12`). */
export interface JsonWriteOptions {
  int64AsString: boolean;
}

/**
 * Serializes `value` like `JSON.stringify`, except that `bigint` values are written exactly, as a
 * string or as raw digits. Keys whose value is `undefined` are omitted (the API omits unset keys).
 */
export function stringifyJson(value: unknown, options: JsonWriteOptions): string {
  const out: string[] = [];
  write(value, options, out);
  return out.join('');
}

/**
 * Parses JSON text like `JSON.parse`, except that integers outside the safe range come back as
 * `bigint` so that no digit is lost. Throws a `SyntaxError` naming the offset of the first problem.
 */
export function parseJson(text: string): unknown {
  const reader = new JsonReader(text);
  reader.skipWhitespace();
  const value = reader.readValue();
  reader.skipWhitespace();
  if (!reader.atEnd()) reader.fail('unexpected trailing characters');
  return value;
}

function write(value: unknown, options: JsonWriteOptions, out: string[]): void {
  if (typeof value === 'bigint') {
    out.push(options.int64AsString ? `"${value}"` : value.toString());
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, index) => {
      if (index > 0) out.push(',');
      // Like JSON.stringify, a hole or undefined inside an array becomes null.
      write(item === undefined ? null : item, options, out);
    });
    out.push(']');
  } else if (value !== null && typeof value === 'object') {
    out.push('{');
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, options, out);
    }
    out.push('}');
  } else {
    out.push(JSON.stringify(value ?? null));
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class JsonReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(reason: string): never {
    throw new SyntaxError(`Invalid JSON at offset ${this.pos}: ${reason}`);
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] as string)) this.pos++;
  }

  readValue(): unknown {
    const char = this.text[this.pos];
    if (char === '{') return this.readObject();
    if (char === '[') return this.readArray();
    if (char === '"') return this.readString();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.readNumber();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(char === undefined ? 'unexpected end of input' : `unexpected character '${char}'`);
  }

  private readObject(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.readString();
      this.skipWhitespace();
      this.expect(':');
      this.skipWhitespace();
      // defineProperty, so that a "__proto__" key is data and not a prototype change.
      Object.defineProperty(result, key, {
        value: this.readValue(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWhitespace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return result;
      }
      this.expect(',');
    }
  }

  private readArray(): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.readValue());
      this.skipWhitespace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return result;
      }
      this.expect(',');
    }
  }

  private readString(): string {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length) {
      const char = this.text[this.pos];
      if (char === '\\') this.pos += 2;
      else if (char === '"') {
        this.pos++;
        // The escapes of a string literal are exactly JSON.parse's job.
        try {
          return JSON.parse(this.text.slice(start, this.pos)) as string;
        } catch {
          this.pos = start;
          return this.fail('invalid string literal');
        }
      } else this.pos++;
    }
    return this.fail('unterminated string');
  }

  private readNumber(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) return this.fail('invalid number');
    this.pos += match[0].length;
    const isInteger = match[1] === undefined && match[2] === undefined;
    const asNumber = Number(match[0]);
    return isInteger && !Number.isSafeInteger(asNumber) ? BigInt(match[0]) : asNumber;
  }

  private expect(char: string): void {
    if (this.text[this.pos] !== char) this.fail(`expected '${char}'`);
    this.pos++;
  }
}
