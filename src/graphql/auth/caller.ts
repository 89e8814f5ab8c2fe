/** Who is calling, as established from the JWT the gateway forwards in `authorization`. */
export type Caller =
  /** Enforcement is off (`AUTH_DISABLED=true`, or the embedded-emulator default). */
  | { kind: 'unchecked' }
  /** No bearer token was sent. */
  | { kind: 'anonymous' }
  /** A token was sent but failed verification (bad signature, expired, wrong issuer...). */
  | { kind: 'invalid'; reason: string }
  /** A verified token. */
  | { kind: 'authenticated'; subject: string; scopes: ReadonlySet<string> };

/** The caller's name for audit lines: the token subject, or why there is none. */
export function callerName(caller: Caller): string {
  return caller.kind === 'authenticated' ? caller.subject : caller.kind;
}

/**
 * The scope of the caller's idempotency keys: its token subject, or one shared anonymous scope
 * when no caller is authenticated (auth disabled).
 */
export function callerScope(caller: Caller): string {
  return caller.kind === 'authenticated' ? `sub:${caller.subject}` : 'anonymous';
}
