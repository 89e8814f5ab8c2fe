/** The emulator's control endpoints (`/__emulator/…`), as the runner uses them. */
import { request } from 'undici';

/** What `GET /__emulator/requests` reports. */
export interface RequestCounts {
  total: number;
  byRoute: Record<string, number>;
  /** The replay upstream only: calls answered from its recording, and calls it forwarded. */
  replayed?: number;
  forwarded?: number;
}

export class EmulatorControl {
  constructor(readonly url: string) {}

  /** API calls served since start (or the last reset), by route template. */
  async counts(): Promise<RequestCounts> {
    return (await this.#call('GET', 'requests')) as RequestCounts;
  }

  /** Rereads the fixture and clears the counters and pending faults. */
  async reset(): Promise<void> {
    await this.#call('POST', 'reset');
  }

  /** Queues a fault (`{ route, delayMs, times, status, … }`). */
  async fault(fault: Record<string, unknown>): Promise<void> {
    await this.#call('POST', 'faults', fault);
  }

  async #call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const res = await request(`${this.url}/__emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`emulator ${path}: HTTP ${res.statusCode} ${text}`);
    return JSON.parse(text);
  }
}

/** Calls per route between two readings. */
export function countsDelta(before: RequestCounts, after: RequestCounts): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [route, n] of Object.entries(after.byRoute)) {
    const d = n - (before.byRoute[route] ?? 0);
    if (d !== 0) delta[route] = d;
  }
  return delta;
}
