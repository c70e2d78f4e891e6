/**
 * Runs `work` over `items` with at most `limit` calls in flight, results in item order. Image
 * decoding goes through it so that a folder of 100,000 files neither opens them all at once
 * nor waits for each one in turn (sharp decodes on its own threads; a few calls in flight
 * keep those threads busy while JavaScript copies the previous result).
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: unknown = null;
  let failedAt = Infinity;
  const runner = async (): Promise<void> => {
    while (failedAt === Infinity && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i], i);
      } catch (e) {
        // The earliest item's failure is reported (the same file on every run); the runners stop taking new items.
        if (i < failedAt) {
          failedAt = i;
          failure = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  if (failedAt !== Infinity) throw failure;
  return results;
}
