import { describe, expect, it } from 'vitest';
import { THROTTLE_COOL_DOWN_MS, ThrottleCoolDown, type CoolDownChannel } from '../../src/horizon/index.ts';
import { throttleHintMs } from '../../src/horizon/throttle-cool-down.ts';

// The app's pause after Meta throttled it, on a clock the test moves.

function clocked(channel?: CoolDownChannel) {
  const clock = { now: 1_000 };
  const begun: [number, string][] = [];
  const coolDown = new ThrottleCoolDown({
    now: () => clock.now,
    channel,
    hooks: { onBegin: (ms, origin) => begun.push([ms, origin]) },
  });
  return { clock, coolDown, begun };
}

describe('ThrottleCoolDown', () => {
  it('pauses for the time upstream asked, then lets calls through', () => {
    const { clock, coolDown, begun } = clocked();
    expect(coolDown.remainingMs()).toBe(0);
    expect(coolDown.throttled(30_000)).toBe(30_000);
    expect(coolDown.remainingMs()).toBe(30_000);
    clock.now += 29_000;
    expect(coolDown.remainingMs()).toBe(1_000);
    clock.now += 1_000;
    expect(coolDown.remainingMs()).toBe(0);
    expect(begun).toEqual([[30_000, 'local']]);
  });

  it('doubles its own pause while throttling keeps coming without a hint, up to the cap, and starts over after a success', () => {
    const { clock, coolDown } = clocked();
    const pauses: number[] = [];
    for (let i = 0; i < 9; i++) {
      pauses.push(coolDown.throttled(undefined));
      clock.now += pauses.at(-1)!;
    }
    expect(pauses).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(Math.max(...pauses)).toBe(THROTTLE_COOL_DOWN_MS.max);
    coolDown.succeeded();
    expect(coolDown.throttled(undefined)).toBe(THROTTLE_COOL_DOWN_MS.first);
  });

  it('never shortens a pause already running, and caps an absurd hint at an hour', () => {
    const { coolDown, begun } = clocked();
    coolDown.throttled(60_000);
    coolDown.throttled(1_000);
    expect(coolDown.remainingMs()).toBe(60_000);
    coolDown.throttled(10 * 86_400_000);
    expect(coolDown.remainingMs()).toBe(THROTTLE_COOL_DOWN_MS.longest);
    expect(begun.map(([ms]) => ms)).toEqual([60_000, THROTTLE_COOL_DOWN_MS.longest]);
  });

  it('treats the last few milliseconds as over, so a retry woken at the end of a Retry-After is sent', () => {
    const { clock, coolDown } = clocked();
    coolDown.throttled(1_000);
    clock.now += 985;
    expect(coolDown.remainingMs()).toBe(0);
  });

  it('tells its pauses to the other replicas, and pauses for theirs without telling them back', () => {
    let heard: ((ms: number) => void) | undefined;
    const published: number[] = [];
    const channel: CoolDownChannel = {
      publish: (ms) => published.push(ms),
      subscribe: (pause) => (heard = pause),
    };
    const { clock, coolDown, begun } = clocked(channel);
    coolDown.throttled(2_000);
    expect(published).toEqual([2_000]);
    clock.now += 2_000;
    heard!(7_000);
    expect(coolDown.remainingMs()).toBe(7_000);
    expect(published).toEqual([2_000]);
    expect(begun).toEqual([
      [2_000, 'local'],
      [7_000, 'peer'],
    ]);
    // A local throttling inside a longer pause told by a peer is not news to anyone.
    coolDown.throttled(1_000);
    expect(published).toEqual([2_000]);
  });
});

describe('throttleHintMs', () => {
  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(throttleHintMs({ 'retry-after': '30' })).toBe(30_000);
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const fromDate = throttleHintMs({ 'retry-after': inAMinute })!;
    expect(fromDate).toBeGreaterThan(55_000);
    expect(fromDate).toBeLessThanOrEqual(60_000);
  });

  it("reads Facebook's estimated_time_to_regain_access (minutes), the longest of all entries", () => {
    const usage = JSON.stringify({
      '123': [
        { type: 'custom', call_count: 100, estimated_time_to_regain_access: 2 },
        { type: 'other', call_count: 40, estimated_time_to_regain_access: 0 },
      ],
      '456': [{ call_count: 100, estimated_time_to_regain_access: 5 }],
    });
    expect(throttleHintMs({ 'x-business-use-case-usage': usage })).toBe(5 * 60_000);
  });

  it('prefers Retry-After, and gives no hint for headers that say nothing usable', () => {
    const usage = JSON.stringify({ '1': [{ estimated_time_to_regain_access: 3 }] });
    expect(throttleHintMs({ 'retry-after': '2', 'x-business-use-case-usage': usage })).toBe(2_000);
    for (const headers of [
      {},
      { 'retry-after': 'soon' },
      { 'x-business-use-case-usage': 'not json' },
      { 'x-business-use-case-usage': '{"1":[{"call_count":100}]}' },
      { 'x-business-use-case-usage': '"text"' },
      { 'x-app-usage': '{"call_count":100}' },
    ])
      expect(throttleHintMs(headers)).toBeUndefined();
  });
});
