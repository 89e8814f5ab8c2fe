/**
 * Event ids are Redis stream ids (`<ms>-<seq>`), in memory too: a cursor means the same thing
 * whichever log wrote it, and ids order events by arrival.
 */

const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

/** Whether `text` is an event id (`1780420524000-0`): GraphQL and exports validate cursors with it. */
export function isPurchaseEventId(text: string): boolean {
  return EVENT_ID.test(text);
}

function parts(id: string): [number, number] {
  const match = EVENT_ID.exec(id);
  if (!match) throw new RangeError(`not a purchase event id: ${JSON.stringify(id.slice(0, 40))}`);
  return [Number(match[1]), Number(match[2])];
}

/** Negative when `a` was recorded before `b`, positive after, 0 for the same event. */
export function comparePurchaseEventIds(a: string, b: string): number {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  return am - bm || as - bs;
}

/** Gives increasing ids the way Redis does: the clock's ms, and a sequence within one ms. */
export class EventIdClock {
  private lastMs = 0;
  private seq = 0;

  next(now = Date.now()): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else {
      this.seq += 1;
    }
    return `${this.lastMs}-${this.seq}`;
  }
}
