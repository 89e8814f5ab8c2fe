/**
 * Control endpoints under `/__emulator/` for tests and benchmarks: request counters by route
 * template, fault injection, and reset. They need no token, are not counted, and are not delayed
 * by the global latency.
 */
import { z } from 'zod';
import { ALL_ROUTES, type RouteTemplate } from '../shared/routes.ts';
import { applicationRequestLimit, defaultErrorForStatus } from './graph-errors.ts';
import { parseJson, stringifyJson } from './json.ts';

const FaultSchema = z
  .object({
    route: z.string().refine((route) => (ALL_ROUTES as readonly string[]).includes(route), {
      error: (issue) =>
        `unknown route ${JSON.stringify(issue.input)}; expected one of: ${ALL_ROUTES.join(', ')}`,
    }),
    status: z.int().min(200).max(599).optional(),
    /** A throttling answer in the mode's shape (429 code 4 by default; 403 `(#4) …` in strict mode). */
    throttle: z.boolean().default(false),
    /** A JSON value to send, or a string sent as-is (to simulate a malformed body). */
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    times: z.int().positive().default(1),
    delayMs: z.int().nonnegative().max(600_000).default(0),
    reset: z.boolean().default(false),
  })
  .refine((f) => f.status !== undefined || f.throttle || f.delayMs > 0 || f.reset, {
    error: 'a fault needs a status, throttle: true, a delayMs or reset: true',
  })
  .refine((f) => !(f.throttle && (f.status !== undefined || f.body !== undefined)), {
    error: 'throttle: true picks its own status and body; give headers only',
  })
  .refine((f) => f.status !== undefined || f.throttle || (f.body === undefined && f.headers === undefined), {
    error: 'body and headers need a status (or throttle: true for headers)',
  });

/** How many call arrival times `GET /__emulator/request-times` keeps. */
const MAX_TIMES = 100_000;

/** An injected fault, as accepted by `POST /__emulator/faults`. */
export type Fault = Omit<z.output<typeof FaultSchema>, 'route'> & { route: RouteTemplate };

/** A control endpoint's answer. */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

/** A faulted API response, ready to write. */
export interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Counters and pending faults of one emulator. */
export class Control {
  private readonly counts = new Map<RouteTemplate, number>();
  /** When the latest API calls arrived (`Date.now()`), oldest first, at most `MAX_TIMES`. */
  private times: number[] = [];
  private faults: Fault[] = [];

  constructor(private readonly reloadFixture: () => void) {}

  /** Counts one API call (faulted ones included). */
  count(route: RouteTemplate): void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
    this.times.push(Date.now());
    if (this.times.length > 2 * MAX_TIMES) this.times = this.times.slice(-MAX_TIMES);
  }

  /** Takes one use of the oldest pending fault for `route`, if any. */
  takeFault(route: RouteTemplate): Fault | undefined {
    const fault = this.faults.find((f) => f.route === route);
    if (fault && --fault.times === 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  /** Serves `/__emulator/…`. */
  handle(method: string, path: string, body: string): ControlAnswer {
    const endpoint = `${method} ${path.replace(/\/+$/, '')}`;
    if (endpoint === 'GET /__emulator/requests') {
      let total = 0;
      for (const n of this.counts.values()) total += n;
      return { status: 200, body: { total, byRoute: Object.fromEntries(this.counts) } };
    }
    if (endpoint === 'GET /__emulator/request-times') {
      // For rate checks: the arrival times of the latest calls (faulted ones included).
      return { status: 200, body: { times: this.times.slice(-MAX_TIMES) } };
    }
    if (endpoint === 'POST /__emulator/reset') {
      try {
        this.reloadFixture();
      } catch (error) {
        return controlError(500, `Could not reload the fixture: ${(error as Error).message}`);
      }
      this.counts.clear();
      this.times = [];
      this.faults = [];
      return { status: 200, body: { success: true } };
    }
    if (endpoint === 'POST /__emulator/faults') return this.addFault(body);
    return controlError(404, `No control endpoint ${endpoint}`);
  }

  private addFault(body: string): ControlAnswer {
    let json: unknown;
    try {
      json = parseJson(body);
    } catch (error) {
      return controlError(400, `The fault must be a JSON object: ${(error as Error).message}`);
    }
    const result = FaultSchema.safeParse(json);
    if (!result.success) return controlError(400, result.error.issues.map((i) => i.message).join('; '));
    this.faults.push(result.data as Fault);
    return { status: 200, body: { success: true } };
  }
}

/**
 * The response a fault answers with, or undefined when it only stalls or resets. Without a body,
 * a `status` gets the Graph error for that status; a `throttle` gets the lenient 429 code 4, or in
 * strict mode Facebook Graph's 403 `(#4) Application request limit reached`.
 */
export function faultResponse(fault: Fault, strict: boolean): FaultResponse | undefined {
  let status: number;
  let body: unknown;
  if (fault.throttle) {
    const error = strict ? applicationRequestLimit() : defaultErrorForStatus(429);
    status = error.status;
    body = error.toBody();
  } else if (fault.status !== undefined) {
    status = fault.status;
    body = fault.body ?? defaultErrorForStatus(fault.status).toBody();
  } else {
    return undefined;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
  for (const [name, value] of Object.entries(fault.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    status,
    headers,
    body: typeof body === 'string' ? body : stringifyJson(body, { int64AsString: false }),
  };
}

function controlError(status: number, message: string): ControlAnswer {
  return { status, body: { error: { message, type: 'EmulatorControlError' } } };
}
