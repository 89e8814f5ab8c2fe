/**
 * What an endpoint handler receives, and the checks many handlers share: whose data a call is
 * about (app token + `user_id`, or the user token's own user) and what time it is.
 */
import { invalidUserParam, permissionDenied, unknownObject } from './graph-errors.ts';
import type { JsonWriteOptions } from './json.ts';
import type { PageRequest } from './paging.ts';
import type { Params } from './params.ts';
import type { EmulatorState, UserRecord } from './state.ts';
import type { Caller } from './tokens.ts';
import type { WebhookSender } from './webhooks.ts';

/** One authenticated API request. */
export interface RequestContext extends PageRequest {
  method: string;
  /** Decoded path segments (`/123/achievements` → `['123', 'achievements']`). */
  segments: string[];
  params: Params;
  caller: Caller;
  state: EmulatorState;
  output: JsonWriteOptions;
  /** Strict mode: answer the way public evidence says the real API does (see `strict.ts`). */
  strict: boolean;
  /** Meta's IAP webhook, told of refunds, consumptions and cancellations (`--webhook-url`). */
  webhooks?: WebhookSender;
}

/** The current time in unix seconds, the unit of every API timestamp. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The user a call is about when it takes a `user_id` parameter: required with the app token; with a
 * user token it may be left out and, if given, must be that token's own user.
 */
export function subjectUser(ctx: RequestContext, param = 'user_id'): UserRecord {
  const { caller, state, params } = ctx;
  const userId = params.get(param);
  if (caller.kind === 'user') {
    if (userId !== undefined && userId !== caller.user.id) {
      throw permissionDenied(`A user access token can only act for its own user, not ${userId}`);
    }
    return caller.user;
  }
  const user = state.users.get(params.required(param));
  if (!user) throw invalidUserParam(param, params.required(param));
  return user;
}

/** The user named by the first path segment (`/{user_id}/achievements`); user tokens only reach themselves. */
export function pathUser(ctx: RequestContext): UserRecord {
  const id = ctx.segments[0] as string;
  const user = ctx.state.users.get(id);
  if (!user) throw unknownObject(ctx.method, id);
  if (ctx.caller.kind === 'user' && ctx.caller.user.id !== user.id) {
    throw permissionDenied(`A user access token can only act for its own user, not ${id}`);
  }
  return user;
}
