import { describe, expect, it, vi } from 'vitest';
import { INT64_MAX, INT64_MIN, parseInt64, toInt64 } from '../../src/shared/int64.ts';

describe('parseInt64', () => {
  it('reads decimal strings exactly up to both ends of the 64-bit range', () => {
    expect(parseInt64('9223372036854775807')).toBe(INT64_MAX);
    expect(parseInt64('-9223372036854775808')).toBe(INT64_MIN);
    expect(parseInt64('9007199254740993')).toBe(9007199254740993n);
    expect(parseInt64('-0')).toBe(0n);
    expect(parseInt64('0000000000000000000000042')).toBe(42n);
  });

  it('refuses values just outside the range and anything that is not a decimal integer', () => {
    for (const text of [
      '9223372036854775808',
      '-9223372036854775809',
      '',
      '-',
      '1.0',
      '+1',
      ' 1',
      '0x1',
      '1e3',
    ]) {
      expect(parseInt64(text), text).toBeUndefined();
    }
  });

  it('refuses a million digits without handing them to BigInt', () => {
    const bigInt = vi.spyOn(globalThis, 'BigInt');
    try {
      expect(parseInt64('9'.repeat(1_000_000))).toBeUndefined();
      expect(parseInt64(`-${'0'.repeat(1_000_000)}x`)).toBeUndefined();
      expect(bigInt).not.toHaveBeenCalled();
      expect(parseInt64(`${'0'.repeat(1_000_000)}7`)).toBe(7n);
      expect(bigInt).toHaveBeenCalledOnce();
    } finally {
      bigInt.mockRestore();
    }
  });
});

describe('toInt64', () => {
  it('takes bigints in range, safe-integer numbers and decimal strings', () => {
    expect(toInt64(INT64_MIN)).toBe(INT64_MIN);
    expect(toInt64(INT64_MAX + 1n)).toBeUndefined();
    expect(toInt64(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
    expect(toInt64('12')).toBe(12n);
  });

  it('refuses numbers that may have lost digits, fractions and other types', () => {
    for (const value of [2 ** 53, 1.5, Number.NaN, Infinity, null, undefined, true, {}]) {
      expect(toInt64(value), String(value)).toBeUndefined();
    }
  });
});
