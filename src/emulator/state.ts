/**
 * The emulator's mutable world: records built from a validated fixture, indexed the ways the
 * endpoints look them up. Records keep the API's field names so that `fields` projections read
 * them directly. `POST /__emulator/reset` throws a state away and builds a new one.
 */
import type { ParsedFixture } from './fixture-schema.ts';

type Defined<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> };

/** A user; `friends` holds app-scoped user ids. */
export type UserRecord = Defined<ParsedFixture['users'][number], 'id'>;

/** An achievement definition; `target` is 0 for SIMPLE, `bitfield_length` 0 unless BITFIELD. */
export type DefinitionRecord = Defined<
  ParsedFixture['achievement_definitions'][number],
  'id' | 'target' | 'bitfield_length'
>;

/** One user's progress on one achievement; `unlock_time` 0 means "not unlocked". */
export type ProgressRecord = Defined<ParsedFixture['achievement_progress'][number], 'id'>;

/** A catalog item. */
export type ProductRecord = Defined<ParsedFixture['products'][number], 'id'>;

/** A row of `viewer_purchases`: an entitlement a user holds until it is consumed or refunded. */
export type PurchaseRecord = Defined<ParsedFixture['purchases'][number], 'id'>;

/** A subscription; times are unix seconds, `extended_days` sums every extension (capped). */
export type SubscriptionRecord = Defined<ParsedFixture['subscriptions'][number], 'id'> & {
  extended_days: number;
};

/** A leaderboard with its entries, one per user (keyed by user id). */
export type LeaderboardRecord = Defined<ParsedFixture['leaderboards'][number], 'id'> & {
  entries: EntryMap;
};

/**
 * A leaderboard's entries by user id, with a version that every change bumps: the ranking of a
 * board (sorted once, reused by every page read until the next change) is cached against it.
 */
export class EntryMap extends Map<string, EntryRecord> {
  version = 0;

  override set(key: string, value: EntryRecord): this {
    this.version++;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.version++;
    return super.delete(key);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

/** A leaderboard entry. */
export type EntryRecord = Defined<ParsedFixture['leaderboard_entries'][number], 'id'>;

/** Everything the endpoints read and write. */
export class EmulatorState {
  readonly app: { id: string; secret: string };
  readonly users = new Map<string, UserRecord>();
  readonly usersByToken = new Map<string, UserRecord>();
  readonly usersByOrgScopedId = new Map<string, UserRecord>();
  readonly definitions = new Map<string, DefinitionRecord>();
  /** Progress by user id, then by achievement api_name. */
  readonly progress = new Map<string, Map<string, ProgressRecord>>();
  readonly products = new Map<string, ProductRecord>();
  purchases: PurchaseRecord[] = [];
  readonly subscriptions: SubscriptionRecord[] = [];
  readonly leaderboards = new Map<string, LeaderboardRecord>();
  /** Unused nonces as `user id + "\n" + nonce`; a nonce is deleted by its first check. */
  readonly nonces = new Set<string>();
  private readonly ids: IdAllocator;

  constructor(fixture: ParsedFixture) {
    this.app = { ...fixture.app };
    this.ids = new IdAllocator(collectIds(fixture));
    for (const u of fixture.users) {
      const record = { ...u, id: u.id ?? this.newId() };
      this.users.set(record.id, record);
      if (record.access_token !== undefined) this.usersByToken.set(record.access_token, record);
      if (record.org_scoped_id !== undefined) this.usersByOrgScopedId.set(record.org_scoped_id, record);
    }
    for (const d of fixture.achievement_definitions) {
      this.definitions.set(d.api_name, {
        ...d,
        id: d.id ?? this.newId(),
        target: d.target ?? 0n,
        bitfield_length: d.bitfield_length ?? 0,
      });
    }
    for (const p of fixture.achievement_progress) this.putProgress({ ...p, id: p.id ?? this.newId() });
    for (const p of fixture.products) this.products.set(p.sku, { ...p, id: p.id ?? this.newId() });
    this.purchases = fixture.purchases.map((p) => ({ ...p, id: p.id ?? this.newId() }));
    for (const s of fixture.subscriptions) {
      this.subscriptions.push({ ...s, id: s.id ?? this.newId(), extended_days: 0 });
    }
    for (const l of fixture.leaderboards) {
      this.leaderboards.set(l.api_name, { ...l, id: l.id ?? this.newId(), entries: new EntryMap() });
    }
    for (const e of fixture.leaderboard_entries) {
      this.leaderboards.get(e.api_name)?.entries.set(e.user_id, { ...e, id: e.id ?? this.newId() });
    }
    for (const n of fixture.nonces) this.nonces.add(`${n.user_id}\n${n.nonce}`);
  }

  /** A fresh numeric id that no object in this state uses. */
  newId(): string {
    return this.ids.next();
  }

  putProgress(record: ProgressRecord): void {
    let byApiName = this.progress.get(record.user_id);
    if (!byApiName) this.progress.set(record.user_id, (byApiName = new Map()));
    byApiName.set(record.api_name, record);
  }

  leaderboardById(id: string): LeaderboardRecord | undefined {
    for (const leaderboard of this.leaderboards.values()) if (leaderboard.id === id) return leaderboard;
    return undefined;
  }

  entryById(id: string): { leaderboard: LeaderboardRecord; entry: EntryRecord } | undefined {
    for (const leaderboard of this.leaderboards.values()) {
      for (const entry of leaderboard.entries.values()) if (entry.id === id) return { leaderboard, entry };
    }
    return undefined;
  }
}

/**
 * Hands out ids for objects the fixture or the API did not name. Deterministic for a given fixture
 * (the same fixture yields the same ids after every reset), 16 digits like real ids, and never one
 * the fixture already uses.
 */
class IdAllocator {
  private counter = 7_100_000_000_000_000n;

  constructor(private readonly used: Set<string>) {}

  next(): string {
    let id: string;
    do id = (++this.counter).toString();
    while (this.used.has(id));
    this.used.add(id);
    return id;
  }
}

function collectIds(fixture: ParsedFixture): Set<string> {
  const ids = new Set<string>();
  const lists = [
    fixture.users,
    fixture.achievement_definitions,
    fixture.achievement_progress,
    fixture.products,
    fixture.purchases,
    fixture.subscriptions,
    fixture.leaderboards,
    fixture.leaderboard_entries,
  ];
  for (const list of lists) for (const item of list) if (item.id !== undefined) ids.add(item.id);
  for (const u of fixture.users) if (u.org_scoped_id !== undefined) ids.add(u.org_scoped_id);
  return ids;
}
