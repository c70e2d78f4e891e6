import { invalid } from '../core/errors.js';

/**
 * The largest model hourglass builds: 2^28 parameters (268 million). Its float32 weights take
 * 1 GiB, and training holds four such arrays (weights, gradients, Adam's two moments): 4 GiB,
 * the order of a machine's memory. Beyond it a typo (--bottleneck 1e9) would fail deep in an
 * allocation (RangeError) or swap the machine; the presets refuse it before allocating.
 */
export const MAX_PARAMETERS = 2 ** 28;

/** Weights and biases of a chain of dense layers of these widths (input first). */
export function denseParameterCount(widths: readonly number[]): number {
  let n = 0;
  for (let i = 1; i < widths.length; i++) n += widths[i - 1] * widths[i] + widths[i];
  return n;
}

/** Throws before anything is allocated when a model would exceed MAX_PARAMETERS. */
export function checkParameterCount(what: string, parameters: number, hint: string): void {
  if (!(parameters <= MAX_PARAMETERS))
    throw invalid(
      `${what} would have ${parameters.toExponential(2)} parameters; hourglass builds models of at most ${MAX_PARAMETERS.toLocaleString('en-US')} (2^28, 4 GiB while training): ${hint}`,
    );
}
