/**
 * Access tokens (reference §1.1–1.2): the app token `OC|<app id>|<secret>` and the fixture users'
 * tokens, taken from `Authorization: Bearer` or the `access_token` parameter (query, form or JSON
 * body). When both are present the header wins.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { invalidApplication, invalidToken } from './graph-errors.ts';
import type { Params } from './params.ts';
import type { EmulatorState, UserRecord } from './state.ts';

/** Who is calling (the app's trusted server, or a user acting for themself), and with which token. */
export type Caller = { kind: 'app'; token: string } | { kind: 'user'; token: string; user: UserRecord };

/** The access token the request carries, if any. */
export function extractToken(headers: IncomingHttpHeaders, params: Params): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1] ?? params.get('access_token');
}

/**
 * Resolves a token to its caller. An app token (`OC|<id>|<secret>`) with a rotated-out secret or
 * for another app is the captured 190 "Error validating application" (`OAuthException`); anything
 * else — no token, an unknown or garbled one — is the 190 "Invalid OAuth 2.0 Access Token" error.
 */
export function authenticate(token: string | undefined, state: EmulatorState): Caller {
  if (token === undefined) throw invalidToken();
  if (token === `OC|${state.app.id}|${state.app.secret}`) return { kind: 'app', token };
  const user = state.usersByToken.get(token);
  if (user) return { kind: 'user', token, user };
  if (APP_TOKEN_SHAPE.test(token)) throw invalidApplication();
  throw invalidToken();
}

/** `OC|<numeric app id>|<secret>`: the shape of an app access token, right or wrong. */
const APP_TOKEN_SHAPE = /^OC\|\d+\|[^|]+$/;
