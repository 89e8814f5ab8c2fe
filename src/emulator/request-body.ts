/**
 * Reads a request body into string parameters. The API takes form-urlencoded bodies (curl -d),
 * multipart bodies for achievement images (curl -F; file parts are accepted and ignored) and, as
 * some community clients send, JSON objects. Node's `Request` parses both form kinds, so no
 * multipart library is needed.
 */
import type { IncomingMessage } from 'node:http';
import { GraphError, invalidParam } from './graph-errors.ts';
import { parseJson, stringifyJson } from './json.ts';

/** Bodies above this are refused; generous enough for a few 256x256 PNG uploads. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The body's parameters by name (empty for a body-less request). */
export async function readBodyParams(req: IncomingMessage): Promise<Map<string, string>> {
  const body = await readBody(req);
  const params = new Map<string, string>();
  if (body.length === 0) return params;
  const contentType = req.headers['content-type'] ?? 'application/x-www-form-urlencoded';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();

  if (mediaType === 'application/json') {
    for (const [name, value] of Object.entries(parseJsonObject(body))) {
      // Nested values keep their JSON text, which is how list params (api_names) travel anyway.
      if (value === null) continue;
      params.set(
        name,
        typeof value === 'object' ? stringifyJson(value, { int64AsString: false }) : String(value),
      );
    }
    return params;
  }
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await new Request('http://emulator.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        // A copy on a plain ArrayBuffer: what fetch's BodyInit accepts under every lib's types.
        body: new Uint8Array(body),
      }).formData();
    } catch {
      throw invalidParam('Could not parse the request body');
    }
    for (const [name, value] of form) if (typeof value === 'string') params.set(name, value);
  }
  // Other media types carry nothing the API reads; their parameters must be in the query string.
  return params;
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJson(body.toString('utf8'));
  } catch (error) {
    throw invalidParam(`Could not parse the JSON body: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParam('A JSON body must be an object of parameters');
  }
  return parsed as Record<string, unknown>;
}

/** The raw body, refused above the size cap. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new GraphError(413, 100, '(#100) The request body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
