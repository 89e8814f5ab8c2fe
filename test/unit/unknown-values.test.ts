import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { Metrics } from '../../src/observability/index.ts';
import { createUnknownValueReporter, UNKNOWN_VALUE_MESSAGE } from '../../src/observability/unknown-values.ts';
import { parseMetrics, valueOf } from '../ops/prometheus-text.ts';

const METRIC = 'horizon_upstream_unknown_enum_values_total';

function setup(maxLogged?: number) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const metrics = new Metrics({ defaultMetrics: false });
  const report = createUnknownValueReporter({ metrics, logger: createLogger('info', sink), maxLogged });
  const count = async (labels: Record<string, string>) =>
    valueOf(parseMetrics((await metrics.render()).body), METRIC, labels);
  return { lines, report, count };
}

describe('createUnknownValueReporter', () => {
  it('warns once per field and value, and counts every report', async () => {
    const { lines, report, count } = setup();
    report('leaderboard.sort_order', 'MOST_LAPS');
    report('leaderboard.sort_order', 'MOST_LAPS');
    report('product.type', 'MOST_LAPS');
    expect(lines.map((l) => [l.level, l.msg, l.field, l.value])).toEqual([
      [40, UNKNOWN_VALUE_MESSAGE, 'leaderboard.sort_order', 'MOST_LAPS'],
      [40, UNKNOWN_VALUE_MESSAGE, 'product.type', 'MOST_LAPS'],
    ]);
    expect(await count({ field: 'leaderboard.sort_order', value: 'MOST_LAPS' })).toBe(2);
    expect(await count({ field: 'product.type', value: 'MOST_LAPS' })).toBe(1);
  });

  it('stops logging new pairs past maxLogged, says so once, and still counts them', async () => {
    const { lines, report, count } = setup(2);
    for (const value of ['A', 'B', 'C', 'D']) report('product.type', value);
    expect(lines.filter((l) => l.msg === UNKNOWN_VALUE_MESSAGE).map((l) => l.value)).toEqual(['A', 'B']);
    expect(lines.filter((l) => l.msg !== UNKNOWN_VALUE_MESSAGE)).toHaveLength(1);
    expect(await count({ field: 'product.type', value: 'D' })).toBe(1);
  });

  it('keeps at most 50 distinct values as labels; later ones and odd ones count as other', async () => {
    const { report, count } = setup();
    for (let i = 0; i < 55; i++) report('product.type', `VALUE_${i}`);
    report('product.type', 'has spaces "and quotes"');
    report('product.type', 'VALUE_3');
    expect(await count({ field: 'product.type', value: 'VALUE_49' })).toBe(1);
    expect(await count({ field: 'product.type', value: 'VALUE_3' })).toBe(2);
    expect(await count({ field: 'product.type', value: 'VALUE_50' })).toBeUndefined();
    expect(await count({ field: 'product.type', value: 'other' })).toBe(6);
  });
});
