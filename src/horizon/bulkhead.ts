import { callAsPromise } from './call-as-promise.ts';

/** Settled bulkhead settings (see `BulkheadOptions` in `resilience.ts` for their meaning and defaults). */
export interface BulkheadSettings {
  maxConcurrent: number;
  maxQueued: number;
}

/**
 * The bulkhead's refusal: the call was not run, every slot and queue place being taken. Not a
 * `HorizonApiError`, so that the retry policy does not retry it; `Resilience` turns it into one
 * (kind `overloaded`).
 */
export class BulkheadFull extends Error {
  override readonly name = 'BulkheadFull';
  constructor() {
    super('too many calls are running and queued');
  }
}

/**
 * At most `maxConcurrent` calls running at once and `maxQueued` waiting for a slot, first come
 * first served; a call beyond them fails at once with `BulkheadFull`. A call holds its slot only
 * while it runs, and gives it up however it ends; a freed slot goes straight to the longest
 * waiting call, so that a newcomer cannot overtake the queue.
 */
export class Bulkhead {
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  #running = 0;
  /** Each waiting call's wake-up, oldest first; it is woken with the slot already its own. */
  readonly #queue: (() => void)[] = [];

  constructor(settings: BulkheadSettings) {
    this.#maxConcurrent = settings.maxConcurrent;
    this.#maxQueued = settings.maxQueued;
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting for a slot now. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Runs `fn(arg)` in a slot, after waiting for one if need be, or refuses it (a rejection with
   * `BulkheadFull`). With a slot free (nearly always), no async function: one `then` with the
   * handlers below, built once, is all a call adds.
   */
  execute<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    if (this.#running < this.#maxConcurrent) {
      this.#running += 1;
      return this.#run(fn, arg);
    }
    if (this.#queue.length < this.#maxQueued) return this.#queued(fn, arg);
    return Promise.reject(new BulkheadFull());
  }

  async #queued<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    await new Promise<void>((wake) => this.#queue.push(wake));
    return this.#run(fn, arg);
  }

  /** Runs `fn(arg)` in the slot the caller holds, and gives the slot up when it ends. */
  #run<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
    return callAsPromise(fn, arg).then(this.#released, this.#releasedFailing);
  }

  readonly #released = <T>(value: T): T => {
    this.#release();
    return value;
  };

  readonly #releasedFailing = (error: unknown): never => {
    this.#release();
    throw error;
  };

  /** Hands the slot to the longest waiting call, or frees it. */
  #release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#running -= 1;
  }
}
