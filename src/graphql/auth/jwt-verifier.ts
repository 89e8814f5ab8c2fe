import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Caller } from './caller.ts';

/** How to verify the caller's JWT. */
export interface AuthOptions {
  /** HS256 shared key (`AUTH_JWT_SECRET`). */
  jwtSecret?: string;
  /** URL of a JWKS with RS256/ES256 keys (`AUTH_JWKS_URL`). */
  jwksUrl?: string;
  /** Expected `iss` claim (`AUTH_ISSUER`). */
  issuer?: string;
  /** Expected `aud` claim (`AUTH_AUDIENCE`). */
  audience?: string;
  /** Longest life a token may claim, from `iat` (or now) to `exp` (`AUTH_MAX_TOKEN_AGE_SECONDS`). Default 1 h. */
  maxTokenAgeSeconds?: number;
}

/** Default of `AUTH_MAX_TOKEN_AGE_SECONDS`. */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 3600;

/** Clock skew allowed between the token issuer and us when checking `iat`. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** Turns the `authorization` header into a `Caller`; never throws. */
export type CallerResolver = (authorization: string | undefined) => Promise<Caller>;

/** Enforcement off: every caller passes (local runs only). */
export const uncheckedCaller: CallerResolver = async () => ({ kind: 'unchecked' });

/**
 * Verifies `Authorization: Bearer <jwt>` with jose: HS256 against a shared key, or RS256/ES256
 * against a JWKS (fetched and cached by jose). A token must carry `exp`, no further than the
 * maximum token age after its `iat` (or after now), and no `iat` in the future. Scopes come from
 * `scope` or `scp`, each either a space-separated string or an array of strings.
 */
export function jwtCallerResolver(options: AuthOptions): CallerResolver {
  const verify = verifierFor(options);
  const verified = new VerifiedTokens();
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!authorization) return { kind: 'anonymous' };
    if (!match) return { kind: 'invalid', reason: 'authorization header is not "Bearer <token>"' };
    const token = match[1]!;
    const known = verified.get(token);
    if (known) return known;
    try {
      const payload = await verify(token);
      const caller: Caller = {
        kind: 'authenticated',
        subject: payload.sub ?? 'unknown',
        scopes: scopesOf(payload),
      };
      verified.set(token, caller, payload.exp);
      return caller;
    } catch (error) {
      return { kind: 'invalid', reason: describe(error) };
    }
  };
}

/**
 * Callers whose token verified recently. A gateway sends the same token with every request of a
 * session; verifying its signature each time was 5-7% of CPU in the benchmark. An entry lives at
 * most 60 s and never past the token's `exp`; at most 1,000 are kept (least recently used evicted).
 */
class VerifiedTokens {
  // On the wall clock, as `exp` is, read on every lookup (ttlResolution 0).
  readonly #callers = new LRUCache<string, Caller>({
    max: 1000,
    ttlResolution: 0,
    perf: { now: () => Date.now() },
  });

  get(token: string): Caller | undefined {
    return this.#callers.get(token);
  }

  set(token: string, caller: Caller, exp: number | undefined): void {
    const now = Date.now();
    const until = Math.min(now + 60_000, exp === undefined ? Infinity : exp * 1000);
    // lru-cache keeps an entry while its age is <= ttl, and the token is valid while now < until.
    const ttl = Math.ceil(until - now) - 1;
    if (ttl >= 1) this.#callers.set(token, caller, { ttl, start: now });
  }
}

function verifierFor(options: AuthOptions): (token: string) => Promise<JWTPayload> {
  const claims = { issuer: options.issuer, audience: options.audience, requiredClaims: ['exp'] };
  const bounded = lifetimeCheck(options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS);
  if (options.jwtSecret) {
    const key = new TextEncoder().encode(options.jwtSecret);
    return async (token) =>
      bounded((await jwtVerify(token, key, { ...claims, algorithms: ['HS256'] })).payload);
  }
  if (options.jwksUrl) {
    const jwks = createRemoteJWKSet(new URL(options.jwksUrl));
    return async (token) =>
      bounded((await jwtVerify(token, jwks, { ...claims, algorithms: ['RS256', 'ES256'] })).payload);
  }
  throw new TypeError('jwtCallerResolver: set jwtSecret (HS256) or jwksUrl (RS256/ES256)');
}

/** Refuses a verified token that claims an `iat` in the future or a life longer than `maxAge`. */
function lifetimeCheck(maxAge: number): (payload: JWTPayload) => JWTPayload {
  return (payload) => {
    const now = Math.floor(Date.now() / 1000);
    if (payload.iat !== undefined && payload.iat > now + CLOCK_TOLERANCE_SECONDS) {
      throw new joseErrors.JWTClaimValidationFailed(
        '"iat" claim is in the future',
        payload,
        'iat',
        'check_failed',
      );
    }
    if (payload.exp! - (payload.iat ?? now) > maxAge) {
      throw new joseErrors.JWTClaimValidationFailed(
        '"exp" claim is too far ahead',
        payload,
        'exp',
        'check_failed',
      );
    }
    return payload;
  };
}

/** Scopes from `scope` and `scp`, each a space-separated string or an array of strings. */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const listed = (claim: unknown): string[] =>
    typeof claim === 'string'
      ? claim.split(' ')
      : Array.isArray(claim)
        ? claim.filter((s): s is string => typeof s === 'string')
        : [];
  return new Set([...listed(payload.scope), ...listed(payload.scp)].filter(Boolean));
}

/** A reason safe to show: jose's error code, never the token. */
function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} is not accepted`;
  if (error instanceof joseErrors.JOSEError) return `token rejected (${error.code})`;
  return 'token rejected';
}
