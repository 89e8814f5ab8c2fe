import type { Dispatcher } from 'undici';

/** How long the app pauses after a throttling answer that says nothing of when to come back, ms; it doubles on each throttling in a row. */
export const THROTTLE_COOL_DOWN_MS = { first: 5_000, max: 300_000, longest: 3_600_000 } as const;

/**
 * A cool-down shorter than this is over: the one retry a request may make after a `Retry-After`
 * wakes up right at its end, and timers may fire a millisecond early.
 */
const SLACK_MS = 20;

/** Where the app's cool-downs are told to and heard from other replicas (Redis pub/sub). */
export interface CoolDownChannel {
  /** Tells the other replicas: pause for `ms` from now. Must not throw. */
  publish(ms: number): void;
  /** Calls `pause(ms)` for each cool-down another replica started. */
  subscribe(pause: (ms: number) => void): void;
}

/** Optional callback for logs and metrics; it must be cheap and must not throw. */
export interface CoolDownHooks {
  /** A cool-down of `ms` began, here (`local`) or told by another replica. */
  onBegin?(ms: number, origin: 'local' | 'peer'): void;
}

/**
 * The app's pause after Meta throttled it (HTTP 429 or Graph codes 4/17/32/613). Meta's limits
 * are per app, so while one call is throttled every call of the app would be: until the pause
 * ends, attempts are not sent (they fail at once as throttled, with the time left), instead of
 * adding load that only prolongs the throttling. The length is upstream's own hint when it gave
 * one (`Retry-After`, or `estimated_time_to_regain_access` in the usage headers), else 5 s,
 * doubling while throttling answers keep coming, to 5 min; a success resets the doubling. With a
 * channel, a pause begun on one replica pauses the whole fleet.
 */
export class ThrottleCoolDown {
  readonly #now: () => number;
  readonly #hooks: CoolDownHooks;
  readonly #channel?: CoolDownChannel;
  #until = 0;
  #streak = 0;

  constructor(options: { now?: () => number; hooks?: CoolDownHooks; channel?: CoolDownChannel } = {}) {
    this.#now = options.now ?? (() => performance.now());
    this.#hooks = options.hooks ?? {};
    this.#channel = options.channel;
    this.#channel?.subscribe((ms) => this.#pause(ms, 'peer'));
  }

  /** Time left in the current pause, ms; 0 when calls may be sent. */
  remainingMs(): number {
    if (this.#until === 0) return 0;
    const left = this.#until - this.#now();
    return left > SLACK_MS ? Math.ceil(left) : 0;
  }

  /**
   * Upstream throttled a call: pause the app for `hintMs` when upstream said how long, else for
   * the next step of the doubling. Returns the pause, ms.
   */
  throttled(hintMs: number | undefined): number {
    const doubling = Math.min(THROTTLE_COOL_DOWN_MS.first * 2 ** this.#streak, THROTTLE_COOL_DOWN_MS.max);
    this.#streak = Math.min(this.#streak + 1, 30);
    const ms = Math.min(Math.max(hintMs ?? doubling, 0), THROTTLE_COOL_DOWN_MS.longest);
    if (this.#pause(ms, 'local')) this.#channel?.publish(ms);
    return ms;
  }

  /** An answer that was not throttling: the next throttling starts the doubling again. */
  succeeded(): void {
    this.#streak = 0;
  }

  /** Extends the pause to `ms` from now; false when the current one already lasts longer. */
  #pause(ms: number, origin: 'local' | 'peer'): boolean {
    const until = this.#now() + ms;
    if (ms <= 0 || until <= this.#until) return false;
    this.#until = until;
    try {
      this.#hooks.onBegin?.(ms, origin);
    } catch {
      // Reporting must never fail a call.
    }
    return true;
  }
}

/**
 * How long upstream asked us to stay away, ms: `Retry-After` (seconds or an HTTP date), else the
 * longest `estimated_time_to_regain_access` (minutes) in Facebook's business use case usage
 * header. `undefined` when neither says.
 */
export function throttleHintMs(headers: Dispatcher.ResponseData['headers']): number | undefined {
  return retryAfterMs(headers['retry-after']) ?? regainAccessMs(headers['x-business-use-case-usage']);
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** `{"<id>":[{"estimated_time_to_regain_access":N,…}]}`, N in minutes; anything else is no hint. */
function regainAccessMs(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  let minutes: number | undefined;
  for (const entries of Object.values(parsed)) {
    for (const entry of Array.isArray(entries) ? entries : []) {
      const n = (entry as { estimated_time_to_regain_access?: unknown })?.estimated_time_to_regain_access;
      if (typeof n === 'number' && Number.isFinite(n) && n > 0) minutes = Math.max(minutes ?? 0, n);
    }
  }
  return minutes === undefined ? undefined : minutes * 60_000;
}
