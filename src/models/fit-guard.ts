import { invalid } from '../core/errors.js';

const fitting = new WeakSet<object>();

/**
 * Runs one fit of `model` at a time: fit() yields to the event loop between batches, so a
 * second fit() started meanwhile would interleave its updates with the first one's on the
 * same weights and optimizer state. The second call rejects instead, while the first runs.
 */
export async function exclusiveFit<T>(model: object, what: string, body: () => Promise<T>): Promise<T> {
  if (fitting.has(model))
    throw invalid(`${what}.fit() is already running on this model; wait for it (await the first call) before fitting again, or fit another model`);
  fitting.add(model);
  try {
    return await body();
  } finally {
    fitting.delete(model);
  }
}

/** Whether fit() is running on this model (applications refuse to fit around a busy model). */
export function isFitting(model: object): boolean {
  return fitting.has(model);
}
