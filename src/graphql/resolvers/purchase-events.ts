import { isPurchaseEventId } from '../../events/event-ids.ts';
import type {
  PurchaseEvent,
  PurchaseEventLog,
  PurchaseEventPageQuery,
} from '../../events/purchase-event-log.ts';
import { purchaseEventStream } from '../../events/purchase-event-stream.ts';
import type { Resolvers, ResolversTypes } from '../../generated/resolvers-types.ts';
import { costs } from '../data/cost.ts';
import { badUserInput } from '../errors.ts';
import { DEFAULT_PAGE_SIZE, LIST_LIMITS } from '../limits/list-limits.ts';
import { checkId, checkRange } from '../validate.ts';

// Purchase and subscription events from Meta's webhooks: read from the event history
// (`ctx.purchaseEvents`), never from upstream, so every field here costs no upstream call. Only
// the `User` fields selected below an event cost what they declare, once per event.

/** How many events a page stands for: the children of one connection (the cost guard's fan-out). */
const pageFanOut = (args: Record<string, unknown>) =>
  typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;

interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** The page query of a `purchaseEvents` connection, its arguments checked. */
function pageQuery({ first, after }: PageArgs): PurchaseEventPageQuery {
  const size = first == null ? DEFAULT_PAGE_SIZE : checkRange(first, 1, LIST_LIMITS.eventPageSize, 'first');
  if (after != null && !isPurchaseEventId(after))
    throw badUserInput('after must be a cursor of a previous page of purchaseEvents', 'after');
  return { first: size, after: after ?? undefined };
}

/** One page of the history as a Relay connection; each event's id is its cursor. */
async function connection(
  log: PurchaseEventLog,
  query: PurchaseEventPageQuery,
): Promise<ResolversTypes['PurchaseEventConnection']> {
  const { events, hasNextPage } = await log.page(query);
  return {
    edges: events.map((event) => ({ cursor: event.id, node: event })),
    pageInfo: { hasNextPage, endCursor: events.at(-1)?.id ?? null },
  };
}

export const purchaseEventResolvers: Resolvers = {
  Query: {
    purchaseEvents: costs(
      { upstream: [], fanOut: pageFanOut },
      (_root, { first, after, userId, types, since }, ctx) =>
        connection(ctx.purchaseEvents, {
          ...pageQuery({ first, after }),
          userId: userId == null ? undefined : checkId(userId, 'userId'),
          types: types ?? undefined,
          since: since ?? undefined,
        }),
    ),
  },
  User: {
    purchaseEvents: costs({ upstream: [], fanOut: pageFanOut }, (user, { first, after }, ctx) =>
      connection(ctx.purchaseEvents, { ...pageQuery({ first, after }), userId: user.id }),
    ),
  },
  Subscription: {
    purchaseEvents: {
      // One event per published payload; the payload is the event itself.
      subscribe: (_root, { userId, types }, ctx) =>
        purchaseEventStream(ctx.purchaseEvents, {
          userId: userId == null ? undefined : checkId(userId, 'userId'),
          types: types ?? undefined,
        }),
      resolve: (event: PurchaseEvent) => event,
    },
  },
  PurchaseEvent: {
    user: (event) => (event.userId ? { id: event.userId } : null),
    occurredAt: (event) => event.occurredAt,
    receivedAt: (event) => event.receivedAt,
  },
};
