/**
 * Strict mode (`--strict`, `EMULATOR_STRICT=true`, `startEmulator({ strict: true })`): where the
 * lenient default serves what the client guessed, strict mode answers the way public code shows
 * graph.oculus.com (or Facebook Graph, which it is built on) answers. The rules that live outside
 * the handlers are here; `leaderboard_entries` applies its own (page cap, broken `next`, integer
 * `user_ids`) with the constants below.
 */
import { READ_FIELDS, type ReadFields } from '../shared/read-fields.ts';
import { ROUTES, type RouteTemplate } from '../shared/routes.ts';
import { selectedFieldNames } from './fields.ts';
import { nonexistingField } from './graph-errors.ts';

/** The read each route serves: its `optional` fields are the ones strict mode refuses. */
export const STRICT_READS: Readonly<Partial<Record<RouteTemplate, ReadFields>>> = Object.fromEntries(
  Object.values(READ_FIELDS).map((read) => [read.route, read]),
);

/** Rows per page of a whole-board walk (`leaderboard_entries`, `filter=NONE`), whatever `limit` says. */
export const STRICT_FULL_BOARD_PAGE_CAP = 25;

/** DELETEs in flight at once beyond which the next one answers 500 code 2, unapplied. */
export const STRICT_DELETE_CONCURRENCY = 5;

/**
 * The least time a DELETE takes in strict mode. Real deletes are not instant; without a floor,
 * an emulator with no latency would finish each one before the next arrives, and the concurrency
 * limit could never be seen.
 */
export const STRICT_DELETE_MIN_MS = 50;

/** The routes counted against `STRICT_DELETE_CONCURRENCY` (together). */
export const DELETE_ROUTES: ReadonlySet<RouteTemplate> = new Set([
  ROUTES.leaderboardEntryDelete,
  ROUTES.leaderboardDelete,
]);

/**
 * Throws Graph's 400 code 100 "Tried accessing nonexisting field" for the first field of `fields`
 * (top level, in the order written) that the route's read marks optional, i.e. a guess of ours.
 */
export function refuseGuessedFields(route: RouteTemplate, fieldsParam: string | undefined): void {
  const read = STRICT_READS[route];
  if (!read) return;
  for (const name of selectedFieldNames(fieldsParam)) {
    if (Object.hasOwn(read.optional, name)) throw nonexistingField(name, read.nodeType);
  }
}

/** A counter of calls in flight with a ceiling: `tryAcquire` fails at the ceiling. */
export class InFlightLimit {
  private inFlight = 0;

  constructor(private readonly max: number) {}

  /** Takes a slot; `false` when `max` are already taken. */
  tryAcquire(): boolean {
    if (this.inFlight >= this.max) return false;
    this.inFlight++;
    return true;
  }

  release(): void {
    this.inFlight--;
  }
}
