/**
 * Users and identity (reference §5.1–5.2): `GET /{user_id}` (by app-scoped or org-scoped id),
 * `GET /me`, and single-use nonce validation.
 */
import { ROUTES } from '../../shared/routes.ts';
import { compileProjection, own } from '../fields.ts';
import type { NodeType } from '../fields.ts';
import { GraphError, permissionDenied, unknownObject } from '../graph-errors.ts';
import type { Endpoint } from '../router.ts';
import type { UserRecord } from '../state.ts';

/** A user, also nested as `user{…}` in leaderboard entries and `owner{…}` in subscriptions. */
export const userType: NodeType<UserRecord> = {
  name: 'User',
  defaults: ['id'],
  fields: {
    id: own('id'),
    alias: own('alias'),
    org_scoped_id: own('org_scoped_id'),
    display_name: own('display_name'),
    profile_url: own('profile_url'),
  },
};

export const userEndpoints: Endpoint[] = [
  {
    route: ROUTES.userLookup,
    auth: 'any',
    handle(ctx) {
      const id = ctx.segments[0] as string;
      const user = ctx.state.users.get(id) ?? ctx.state.usersByOrgScopedId.get(id);
      if (!user) throw unknownObject(ctx.method, id);
      if (ctx.caller.kind === 'user' && ctx.caller.user !== user) {
        throw permissionDenied('A user access token can only look up its own user');
      }
      return compileProjection(userType, ctx.params.get('fields'))(user);
    },
  },
  {
    route: ROUTES.me,
    auth: 'any',
    handle(ctx) {
      if (ctx.caller.kind !== 'user') {
        // Graph's wording for /me without a user behind the token.
        throw new GraphError(
          400,
          2500,
          'An active access token must be used to query information about the current user.',
          { type: 'OAuthException' },
        );
      }
      return compileProjection(userType, ctx.params.get('fields'))(ctx.caller.user);
    },
  },
  {
    route: ROUTES.userNonceValidate,
    auth: 'app',
    handle(ctx) {
      const nonce = ctx.params.required('nonce');
      const userId = ctx.params.required('user_id');
      // Unknown, already used, or issued to someone else: all just "not valid", never an error.
      return { is_valid: ctx.state.nonces.delete(`${userId}\n${nonce}`) };
    },
  },
];
