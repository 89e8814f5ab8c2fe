import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import { redact, REDACTED } from './horizon/redact.ts';
import { requestSecrets } from './observability/request-scope.ts';

/** Options of `createLogger`. */
export interface LoggerOptions {
  /**
   * Literal values that must never reach a log line (the app secret, the router secret): every
   * occurrence in the written line is replaced, whatever field or message it hides in, plain,
   * percent-encoded or JSON-escaped (`redact` in src/horizon/redact.ts). The credentials of the
   * request being served (`requestSecrets()`: user token, bearer token) are scrubbed the same way.
   * A second net behind the `redact` paths, for secrets that end up inside strings.
   */
  secrets?: readonly (string | undefined)[];
  /**
   * Human-readable lines through `pino-pretty`, only when writing to stdout and stdout is a
   * terminal (`LOG_PRETTY=true`); JSON otherwise, and when pino-pretty is not installed (it is a
   * dev dependency).
   */
  pretty?: boolean;
}

/** Replaces a redacted value. */
export { REDACTED };

/**
 * Where credentials may sit in a logged object: the app secret and token, user access tokens
 * (`x-horizon-user-token`, `userToken`), bearer tokens and the router secret, in headers of a
 * request or of an upstream call, at the top level or one object down.
 */
const REDACT_PATHS = [
  'appSecret',
  '*.appSecret',
  'credentials.appSecret',
  'appToken',
  '*.appToken',
  'userToken',
  '*.userToken',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'routerSecret',
  '*.routerSecret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-horizon-user-token"]',
  'req.headers["router-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-horizon-user-token"]',
  'headers["router-authorization"]',
  '*.headers.authorization',
  '*.headers["x-horizon-user-token"]',
  '*.headers["router-authorization"]',
];

/**
 * The process logger: JSON lines, with credentials redacted wherever they might sit in a
 * logged object (headers, config, errors) and known secret values scrubbed from every line.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: LoggerOptions = {},
): Logger {
  const secrets = [...new Set(options.secrets ?? [])].filter((v): v is string => !!v && v.length >= 4);
  const scrub = (line: string) => {
    const current = requestSecrets();
    return redact(line, current.length > 0 ? [...secrets, ...current] : secrets);
  };
  const pretty = options.pretty && !destination && process.stdout.isTTY && prettyAvailable();
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: scrub },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
    },
    pretty ? undefined : destination,
  );
}

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export type { Logger };
