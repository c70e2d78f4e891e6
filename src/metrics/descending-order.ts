import { HourglassError } from '../core/errors.js';

/**
 * Indices of `scores` ordered by decreasing value, ties in input order: a stable LSD radix
 * sort on the float32 bit patterns (three passes of 11, 11 and 10 bits). The pixel metrics
 * rank millions of values (100 maps of 256 x 256 are 6.5 million); a comparison sort with a
 * JavaScript comparator takes seconds there, this takes a few hundred milliseconds, and
 * every pixel metric then reads the same order once.
 */
export function descendingOrder(scores: Float32Array, what = 'score'): Uint32Array {
  const n = scores.length;
  const bits = new Uint32Array(scores.buffer, scores.byteOffset, n);
  let keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    if (v !== v || v === Infinity || v === -Infinity) throw new HourglassError('BAD_DATA', `${what} ${i} is ${v}; anomaly maps must hold finite numbers`);
    const b = bits[i];
    // Ascending float order as unsigned integers (flip negatives entirely, set the sign bit of
    // positives), then inverted for descending order. -0 and +0 get adjacent keys, so they
    // still form one tie group for the callers, which compare values, not keys.
    const ascending = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[i] = ~ascending >>> 0;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let nextKeys = new Uint32Array(n);
  let nextOrder = new Uint32Array(n);
  const counts = new Uint32Array(2048);
  for (const [shift, width] of [[0, 11], [11, 11], [22, 10]] as const) {
    const mask = (1 << width) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & mask]++;
    let sum = 0;
    for (let d = 0; d <= mask; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const at = counts[(k >>> shift) & mask]++;
      nextKeys[at] = k;
      nextOrder[at] = order[i];
    }
    [keys, nextKeys] = [nextKeys, keys];
    [order, nextOrder] = [nextOrder, order];
  }
  return order;
}
