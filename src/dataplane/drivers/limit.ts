/**
 * Runs `fn` for every item with at most `limit` running at once. Drivers use it for work per
 * namespace: each is a few short processes, mostly waiting, so a handful in flight makes a full
 * pass over a hundred routers several times faster without loading the host.
 */
export async function eachLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const list = [...items];
  let next = 0;
  const worker = async () => {
    while (next < list.length) await fn(list[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
}

/** How many namespaces drivers work on at once. */
export const NAMESPACE_CONCURRENCY = 4;

/**
 * Like eachLimit, but one item's failure does not stop the others: returns the failures by
 * `key` (a namespace), so the caller retries only those.
 */
export async function eachSettled<T>(
  items: Iterable<T>,
  limit: number,
  key: (item: T) => string,
  fn: (item: T) => Promise<void>,
): Promise<Map<string, unknown>> {
  const failed = new Map<string, unknown>();
  await eachLimit(items, limit, async (item) => {
    try {
      await fn(item);
    } catch (e) {
      failed.set(key(item), e);
    }
  });
  return failed;
}
