// Polling for tests: a condition that another process, replica or socket makes true in its own
// time. Timeouts are generous; no test asserts how long it took.

/** Polls `check` every 10 ms until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  await eventually(async () => ((await check()) ? true : undefined), what, timeoutMs);
}
