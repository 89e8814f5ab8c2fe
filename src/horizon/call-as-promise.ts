/**
 * `fn(arg)` as a promise, also when `fn` throws before returning one: a guard (breaker, bulkhead)
 * then settles its books in one `then`, however the call ends. `fn` and `arg` rather than a
 * closure, so that a caller on the hot path can pass a function it built once.
 */
export function callAsPromise<T, A>(fn: (arg: A) => Promise<T>, arg: A): Promise<T> {
  try {
    return fn(arg);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
