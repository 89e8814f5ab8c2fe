import { READ_FIELDS } from '../../shared/read-fields.ts';
import { ROUTES } from '../../shared/routes.ts';
import type { HorizonTransport } from '../client.ts';
import { HorizonApiError } from '../horizon-api-error.ts';
import { read, seg } from '../read-fields.ts';

/** A Horizon user as the API describes them. Unset (or undisclosed) fields are absent. */
export interface HorizonUser {
  /** App-scoped user id. */
  id: string;
  alias?: string;
  /** Stable across all apps of one developer organisation. */
  orgScopedId?: string;
  displayName?: string;
  profileUrl?: string;
}

/** `GET /{user_id}`: looks a user up by app-scoped (or org-scoped) id. */
export async function getUser(client: HorizonTransport, options: { userId: string }): Promise<HorizonUser> {
  const body = await client.call({
    route: ROUTES.userLookup,
    method: 'GET',
    path: `/${seg(options.userId)}`,
    fields: READ_FIELDS.user,
    retry: 'safe',
  });
  return toUser(body) ?? { id: options.userId };
}

/** `GET /me`: the user a player's token belongs to. */
export async function getMe(client: HorizonTransport, options: { userToken: string }): Promise<HorizonUser> {
  const body = await client.call({
    route: ROUTES.me,
    method: 'GET',
    path: '/me',
    fields: READ_FIELDS.me,
    userToken: options.userToken,
    retry: 'safe',
  });
  const user = toUser(body);
  if (!user) {
    throw new HorizonApiError('GET /me answered without an id', {
      kind: 'invalid_response',
      endpoint: ROUTES.me,
      transient: false,
    });
  }
  return user;
}

/** `POST /user_nonce_validate`: checks (and uses up) a nonce from `GetUserProof()`. */
export async function validateUserNonce(
  client: HorizonTransport,
  options: { userId: string; nonce: string },
): Promise<boolean> {
  const body = await client.call({
    route: ROUTES.userNonceValidate,
    method: 'POST',
    path: '/user_nonce_validate',
    params: { user_id: options.userId, nonce: options.nonce },
    // Validating uses the nonce up: a repeat after a lost "valid" would answer "invalid".
    retry: 'never',
  });
  return read.boolean(body, 'is_valid') ?? false;
}

export function toUser(row: Record<string, unknown>): HorizonUser | undefined {
  const id = read.string(row, 'id');
  if (!id) return undefined;
  return {
    id,
    alias: read.string(row, 'alias'),
    orgScopedId: read.string(row, 'org_scoped_id'),
    displayName: read.string(row, 'display_name'),
    profileUrl: read.string(row, 'profile_url'),
  };
}
