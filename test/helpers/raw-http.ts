import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** An answer as the edge tests read it: status, headers and the body as text. */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request through `node:http`, which (unlike fetch) sends the headers exactly as given:
 * a false `content-encoding`, an odd charset, any method. `agent` keeps connections alive.
 */
export function send(
  base: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
  agent?: Agent,
): Promise<RawAnswer> {
  const url = new URL(options.path ?? '/graphql', base);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        agent,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes `bytes` on a fresh connection and returns everything read until the server closes it. */
export function sendBytes(base: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.on('data', (chunk) => (got += String(chunk)));
    socket.on('end', () => socket.end());
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

/** Stack frames or source paths, which must never leave the process. */
export const STACK_TEXT = /\n\s+at |\bat [\w.<>]+ \(|node_modules|\.(?:ts|js|mjs|cjs):\d+|\/work\/|\/home\//;

/** The GraphQL error shape every refusal uses; throws (failing the test) when `text` is not it. */
export function errorsOf(text: string): { message: string; extensions: { code: string } }[] {
  const body = JSON.parse(text) as { errors?: { message: string; extensions: { code: string } }[] };
  if (!Array.isArray(body.errors)) throw new Error(`no errors array in ${text}`);
  return body.errors;
}
