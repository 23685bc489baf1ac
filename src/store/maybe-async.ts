/**
 * Values that are ready now or later. The store runs one write algorithm on both dialects:
 * SQLite's session answers synchronously, so a whole SQLite transaction runs from BEGIN to
 * COMMIT without yielding (nothing else in the process can interleave); PostgreSQL's session
 * answers with promises. These helpers chain steps without turning the synchronous case into
 * promises.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Runs `next` on `value` now if it is ready, else when it resolves. */
export function then<T, U>(value: MaybePromise<T>, next: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Runs `step` on each item in order, each after the previous one finished. */
export function inOrder<T>(items: readonly T[], step: (item: T) => MaybePromise<void>, from = 0): MaybePromise<void> {
  for (let i = from; i < items.length; i++) {
    const done = step(items[i]!);
    if (done instanceof Promise) return done.then(() => inOrder(items, step, i + 1));
  }
}
