import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { redact } from './horizon/redact.ts';
import type { Logger } from './logger.ts';
import type { Refusal } from './observability/index.ts';
import { receivedAtOf, requestIdOf } from './observability/request-scope.ts';

/**
 * The codes of answers the HTTP layer gives before GraphQL runs. Like every answer of this
 * server, they come as `{"errors":[{"message":…,"extensions":{"code":…}}]}` JSON.
 */
export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** One answer of the HTTP layer: status, code, a fixed message, and the few words logged. */
export interface HttpRefusal {
  status: number;
  code: HttpErrorCode | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'WEBHOOK_SIGNATURE_INVALID';
  message: string;
  /** Why, for the log line's `rejection`. */
  rejection: string;
  headers?: Record<string, string>;
}

/** Told about every refusal (the operation log line and metrics: `Observability.recordRefusal`). */
export type RefusalListener = (refusal: Refusal) => void;

/** Seconds a client should wait before trying again while the server starts (or stops). */
export const STARTING_RETRY_AFTER_SECONDS = 1;

/** Largest request body `/graphql` reads, bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Answers `refusal` as GraphQL-shaped JSON and tells `record` about it. A request body left
 * unread is drained by Node once the answer is sent, so the connection stays usable.
 */
export function refuse(res: ServerResponse, refusal: HttpRefusal, record: RefusalListener): void {
  record({
    requestId: requestIdOf(res),
    startedAt: receivedAtOf(res),
    code: refusal.code,
    status: refusal.status,
    rejection: refusal.rejection,
  });
  if (res.headersSent) {
    // Too late for an answer of our own (a stream broke mid-response): end it.
    res.destroy();
    return;
  }
  sendJson(
    res,
    refusal.status,
    { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] },
    refusal.headers,
  );
}

/** Answers `body` as JSON with `status` (and `headers`), on Express's responses and plain `node:http` ones alike. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** `/graphql` while Apollo is not serving yet (or any more): 503 with `Retry-After`. */
export const NOT_READY: HttpRefusal = {
  status: 503,
  code: 'SERVICE_UNAVAILABLE',
  message: 'Not serving GraphQL right now (starting or stopping): retry shortly',
  rejection: 'not ready',
  headers: { 'retry-after': String(STARTING_RETRY_AFTER_SECONDS) },
};

/** Any path the server does not serve. */
export function notFound(record: RefusalListener): RequestHandler {
  return (_req, res) =>
    refuse(
      res,
      {
        status: 404,
        code: 'NOT_FOUND',
        message: 'Not found: this server answers POST /graphql, and GET /healthz, /readyz and /metrics',
        rejection: 'unknown path',
      },
      record,
    );
}

/**
 * JSON must be UTF-8 (RFC 8259). body-parser would decode any `utf-*` charset and then fail on
 * the result as "invalid JSON"; a charset we do not read is a 415 instead.
 */
export function requireUtf8(record: RefusalListener): RequestHandler {
  return (req, res, next) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset === undefined || /^utf-?8$/i.test(charset)) return next();
    refuse(res, charsetRefusal(), record);
  };
}

/**
 * The last handler: a body-parser failure becomes 400 / 413 / 415 with its code, anything else
 * a masked 500. Never an HTML page, never a stack trace or a file path in the answer; an
 * unexpected error is logged (scrubbed), a caller's mistake is only the refusal line.
 */
export function errorHandler(record: RefusalListener, logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const refusal = bodyRefusal(error);
    if (refusal.status >= 500) {
      logger.error(
        { err: redact(String((error as Error)?.stack ?? error)), method: req.method, path: shortPath(req) },
        'unexpected error in the HTTP layer',
      );
    }
    refuse(res, refusal, record);
  };
}

/**
 * Requests Node's HTTP parser refuses before Express sees them (a bad `content-length`, headers
 * past 16 KB, a malformed request line) get the same JSON as every other refusal instead of
 * Node's bare `400 Bad Request`, then the connection closes.
 */
export function answerClientErrors(server: Server, record: RefusalListener): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const refusal = badRequest(
      status === 431
        ? 'Request headers are too large'
        : status === 408
          ? 'Request not received in time'
          : 'Malformed HTTP request',
      status === 431 ? 'headers too large' : status === 408 ? 'request timeout' : 'malformed HTTP',
    );
    record({ code: refusal.code, status, rejection: refusal.rejection });
    const body = JSON.stringify({
      errors: [{ message: refusal.message, extensions: { code: refusal.code } }],
    });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

/** What a body-parser (or other HTTP-layer) error means for the caller. */
export function bodyRefusal(error: unknown): HttpRefusal {
  const { type, status, statusCode, code } = (error ?? {}) as {
    type?: string;
    status?: number;
    statusCode?: number;
    code?: string;
  };
  switch (type) {
    case 'entity.too.large':
      return {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        message: `Request body is larger than ${MAX_BODY_BYTES} bytes`,
        rejection: 'body too large',
      };
    case 'entity.parse.failed':
      return badRequest(
        'Request body is not a JSON object: send {"query": "…", "variables": {…}} as application/json',
        'body is not a JSON object',
      );
    case 'charset.unsupported':
      return charsetRefusal();
    case 'encoding.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Unsupported content-encoding: send the body as identity, gzip, deflate or br',
        rejection: 'unsupported content-encoding',
      };
    case 'request.aborted':
    case 'request.size.invalid':
      return badRequest('Request body ended before its content-length', 'body incomplete');
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return badRequest(
      'Request body could not be decompressed: it does not match its content-encoding',
      'body does not match content-encoding',
    );
  }
  const given = status ?? statusCode;
  if (typeof given === 'number' && given >= 400 && given < 500) {
    return {
      ...badRequest('Malformed request', 'malformed request'),
      status: given,
      ...(given === 413
        ? { code: 'PAYLOAD_TOO_LARGE' }
        : given === 415
          ? { code: 'UNSUPPORTED_MEDIA_TYPE' }
          : {}),
    };
  }
  return {
    status: 500,
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Internal server error',
    rejection: 'internal error',
  };
}

function badRequest(message: string, rejection: string): HttpRefusal {
  return { status: 400, code: 'BAD_REQUEST', message, rejection };
}

function charsetRefusal(): HttpRefusal {
  return {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported charset: send the JSON body as UTF-8 (application/json; charset=utf-8)',
    rejection: 'unsupported charset',
  };
}

/** The path without its query string, cut to 100 characters, for a log line. */
function shortPath(req: Request): string {
  return req.path.slice(0, 100);
}
