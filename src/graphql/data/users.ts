import type DataLoader from 'dataloader';
import { getUser, validateUserNonce, type HorizonUser } from '../../horizon/index.ts';
import { mapFailure } from '../errors.ts';
import { perKeyLoader } from '../loaders/per-key-loader.ts';
import { perParent, perPlayer } from './cost.ts';
import type { SourceScope } from './source-scope.ts';
import { READ_FIELDS } from '../../shared/read-fields.ts';

/** Players' profiles and nonce checks. */
export class UsersSource {
  readonly #scope: SourceScope;
  #profiles?: DataLoader<string, HorizonUser>;

  constructor(scope: SourceScope) {
    this.#scope = scope;
  }

  /** One `GET /{user_id}` per distinct player (alias and org-scoped id share it). */
  static readonly profileCost = perPlayer('profile', READ_FIELDS.user);
  /** The player's profile. */
  profile(userId: string): Promise<HorizonUser> {
    this.#profiles ??= perKeyLoader('userById', this.#scope.loaders, (id) =>
      getUser(this.#scope.transport, { userId: id }),
    );
    return this.#profiles.load(userId);
  }

  /** One `POST /user_nonce_validate`. */
  static readonly verifyNonceCost = perParent(1);
  /** Checks (and uses up) a nonce the player's device got from `GetUserProof()`. */
  verifyNonce(userId: string, nonce: string): Promise<boolean> {
    return mapFailure(validateUserNonce(this.#scope.transport, { userId, nonce }));
  }
}
