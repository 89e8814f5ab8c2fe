import pLimit from 'p-limit';
import type { CallBudget, HorizonClient } from '../../horizon/index.ts';
import type { LoaderHooks } from '../loaders/per-key-loader.ts';
import { AchievementsSource } from './achievements.ts';
import { EntitlementsSource } from './entitlements.ts';
import { LeaderboardsSource } from './leaderboards.ts';
import type { SharedLists, SourceScope } from './source-scope.ts';
import { SubscriptionsSource } from './subscriptions.ts';
import { UsersSource } from './users.ts';

export { createSharedLists, type SharedLists } from './source-scope.ts';

/** What lives as long as the server and every operation's data sources use. */
export interface DataSourceDependencies {
  /** The client (only its per-operation view is used; the export passes its own paced view). */
  horizon: Pick<HorizonClient, 'metered'>;
  lists: SharedLists;
  /** Upstream calls of one operation in flight at once. */
  batchConcurrency: number;
  /** Metrics callbacks of the per-request loaders (batch sizes, memo hits). */
  loaderHooks?: LoaderHooks;
}

/**
 * One data source per domain, for one operation: each owns its domain's loaders, its reads of
 * the shared lists, the invalidation after its writes, the mapping of upstream failures, and the
 * declared upstream cost of each method. Built lazily: an operation pays only for the domains it
 * touches. Every upstream call goes through `budget`.
 */
export class DataSources {
  readonly #deps: DataSourceDependencies;
  readonly #budget: CallBudget;
  #scope?: SourceScope;
  #achievements?: AchievementsSource;
  #entitlements?: EntitlementsSource;
  #subscriptions?: SubscriptionsSource;
  #leaderboards?: LeaderboardsSource;
  #users?: UsersSource;

  constructor(deps: DataSourceDependencies, budget: CallBudget) {
    this.#deps = deps;
    this.#budget = budget;
  }

  get achievements(): AchievementsSource {
    return (this.#achievements ??= new AchievementsSource(this.#sourceScope()));
  }

  get entitlements(): EntitlementsSource {
    return (this.#entitlements ??= new EntitlementsSource(this.#sourceScope()));
  }

  get subscriptions(): SubscriptionsSource {
    return (this.#subscriptions ??= new SubscriptionsSource(this.#sourceScope()));
  }

  get leaderboards(): LeaderboardsSource {
    return (this.#leaderboards ??= new LeaderboardsSource(this.#sourceScope()));
  }

  get users(): UsersSource {
    return (this.#users ??= new UsersSource(this.#sourceScope()));
  }

  #sourceScope(): SourceScope {
    return (this.#scope ??= {
      transport: this.#deps.horizon.metered(this.#budget),
      // One limiter per operation: a query touching several loaders still keeps at most
      // `batchConcurrency` of its upstream calls in flight.
      loaders: { limit: pLimit(this.#deps.batchConcurrency), hooks: this.#deps.loaderHooks ?? {} },
      lists: this.#deps.lists,
    });
  }
}
