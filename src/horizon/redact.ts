/**
 * Removes credentials from text that may leave the process (error messages, URLs we print).
 *
 * Two layers: any `access_token=` parameter and any `OC|id|secret` / Bearer token pattern is
 * masked, and the configured secrets are replaced wherever they appear verbatim, because an
 * upstream error message may echo them in a shape no pattern foresees.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(/(access_token=)[^&\s"']+/gi, '$1[REDACTED]')
    .replace(/\bOC\|(\d+)\|[^\s"'&,)]+/g, 'OC|$1|[REDACTED]')
    .replace(/(Bearer\s+)[^\s"',]+/gi, '$1[REDACTED]');
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out;
}
