import { pino, type Logger } from 'pino';

/**
 * The process logger: JSON lines, with credentials redacted wherever they might sit in a
 * logged object (headers, config, errors).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'appSecret',
          '*.appSecret',
          'credentials.appSecret',
          'req.headers.authorization',
          'req.headers["x-horizon-user-token"]',
          'req.headers["router-authorization"]',
          'headers.authorization',
          'headers["x-horizon-user-token"]',
        ],
        censor: '[REDACTED]',
      },
    },
    destination,
  );
}

export type { Logger };
