import { describe, expect, it } from 'vitest';
import { HorizonClient } from '../../src/horizon/index.ts';
import { read } from '../../src/horizon/read-fields.ts';

const KNOWN = ['HIGHER_IS_BETTER', 'LOWER_IS_BETTER'] as const;

function recorder() {
  const reports: [string, string][] = [];
  return { reports, reportUnknownValue: (field: string, value: string) => void reports.push([field, value]) };
}

describe('read.enumOf', () => {
  it('returns a known value as is, without a report', () => {
    const r = recorder();
    expect(
      read.enumOf({ sort_order: 'LOWER_IS_BETTER' }, 'sort_order', KNOWN, 'leaderboard.sort_order', r),
    ).toBe('LOWER_IS_BETTER');
    expect(r.reports).toEqual([]);
  });

  it('reads an unknown value as undefined and reports it once with its field name and raw text', () => {
    const r = recorder();
    expect(
      read.enumOf({ sort_order: 'MOST_LAPS' }, 'sort_order', KNOWN, 'leaderboard.sort_order', r),
    ).toBeUndefined();
    expect(r.reports).toEqual([['leaderboard.sort_order', 'MOST_LAPS']]);
  });

  it('matches case-sensitively unless told to normalise, and reports the raw text', () => {
    const r = recorder();
    expect(read.enumOf({ t: 'lower_is_better' }, 't', KNOWN, 'f', r)).toBeUndefined();
    expect(
      read.enumOf({ t: 'lower_is_better' }, 't', KNOWN, 'f', r, { normalise: (v) => v.toUpperCase() }),
    ).toBe('LOWER_IS_BETTER');
    expect(
      read.enumOf({ t: 'weird' }, 't', KNOWN, 'f', r, { normalise: (v) => v.toUpperCase() }),
    ).toBeUndefined();
    expect(r.reports).toEqual([
      ['f', 'lower_is_better'],
      ['f', 'weird'],
    ]);
  });

  it('reads absent, empty and non-text values as undefined without a report; numbers are text', () => {
    const r = recorder();
    for (const row of [
      {},
      { t: '' },
      { t: null },
      { t: { a: 1 } },
      { t: ['HIGHER_IS_BETTER'] },
      { t: true },
    ]) {
      expect(read.enumOf(row, 't', KNOWN, 'f', r)).toBeUndefined();
    }
    expect(r.reports).toEqual([]);
    expect(read.enumOf({ t: 3 }, 't', KNOWN, 'f', r)).toBeUndefined();
    expect(r.reports).toEqual([['f', '3']]);
  });

  it('does not take inherited names (toString, constructor) for known values', () => {
    const r = recorder();
    expect(read.enumOf({ t: 'toString' }, 't', KNOWN, 'f', r)).toBeUndefined();
    expect(r.reports).toEqual([['f', 'toString']]);
  });
});

describe('HorizonClient.reportUnknownValue', () => {
  const base = { appId: '1234', appSecret: 'not-a-real-secret', baseUrl: 'http://127.0.0.1:1' };

  it('passes the report to onUnknownValue, also through a metered view', async () => {
    const reports: [string, string][] = [];
    const client = new HorizonClient({ ...base, onUnknownValue: (f, v) => void reports.push([f, v]) });
    client.reportUnknownValue('product.type', 'BUNDLE');
    client.metered({ take: () => {} }).reportUnknownValue('subscription.trial_type', 'PAY_WHAT_YOU_WANT');
    expect(reports).toEqual([
      ['product.type', 'BUNDLE'],
      ['subscription.trial_type', 'PAY_WHAT_YOU_WANT'],
    ]);
    await client.close();
  });

  it('never throws, with no callback or with one that throws', async () => {
    const silent = new HorizonClient(base);
    expect(() => silent.reportUnknownValue('product.type', 'BUNDLE')).not.toThrow();
    const failing = new HorizonClient({
      ...base,
      onUnknownValue: () => {
        throw new Error('logger broke');
      },
    });
    expect(() => failing.reportUnknownValue('product.type', 'BUNDLE')).not.toThrow();
    await Promise.all([silent.close(), failing.close()]);
  });

  it('refuses an onUnknownValue that is not a function', () => {
    expect(() => new HorizonClient({ ...base, onUnknownValue: 'log' as never })).toThrow(
      /onUnknownValue must be a function/,
    );
  });
});
