import { invalid } from '../../core/errors.js';
import { tensor, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';

/**
 * What a denoiser learns to undo. Amounts are in data units for the data range [low, high]:
 * - gaussian: add N(0, sigma^2) to every value, then clip to the range;
 * - salt-pepper: each pixel, with probability `fraction`, becomes `high` or `low` (even odds);
 * - mask: each pixel, with probability `fraction`, is dropped to `low` (zero for images).
 * On images [n, c, h, w] salt-and-pepper and masking hit whole pixels (every channel at
 * once), as a dead or stuck sensor element does.
 */
export type Corruption =
  | { readonly kind: 'gaussian'; readonly sigma: number }
  | { readonly kind: 'salt-pepper'; readonly fraction: number }
  | { readonly kind: 'mask'; readonly fraction: number };

export type CorruptionKind = Corruption['kind'];

/** The range the data lives in; corrupted values are clipped to it. */
export interface DataRange {
  readonly low: number;
  readonly high: number;
}

export const UNIT_RANGE: DataRange = { low: 0, high: 1 };

export const CORRUPTION_HELP = 'gaussian:SIGMA (e.g. gaussian:0.3), salt-pepper:FRACTION (e.g. salt-pepper:0.1) or mask:FRACTION (e.g. mask:0.25)';

/** Parses 'gaussian:0.3', 'salt-pepper:0.1' or 'mask:0.25'. */
export function parseCorruption(spec: string): Corruption {
  const bad = (why: string) => invalid(`bad noise spec '${spec}': ${why}; use ${CORRUPTION_HELP}`);
  const parts = spec.trim().split(':');
  if (parts.length !== 2 || parts[1].trim() === '') throw bad('expected KIND:AMOUNT');
  const kind = parts[0].trim().toLowerCase();
  const amount = Number(parts[1]);
  if (!Number.isFinite(amount)) throw bad(`'${parts[1]}' is not a number`);
  switch (kind) {
    case 'gaussian':
    case 'gauss':
      if (!(amount > 0)) throw bad('the Gaussian sigma must be positive');
      return { kind: 'gaussian', sigma: amount };
    case 'salt-pepper':
    case 'salt-and-pepper':
    case 'sp':
      if (!(amount > 0 && amount <= 1)) throw bad('the salt-and-pepper fraction must be in (0, 1]');
      return { kind: 'salt-pepper', fraction: amount };
    case 'mask':
    case 'dropout':
      if (!(amount > 0 && amount < 1)) throw bad('the masked fraction must be in (0, 1)');
      return { kind: 'mask', fraction: amount };
    default:
      throw bad(`unknown kind '${parts[0]}'`);
  }
}

/** The canonical spec string, which parseCorruption reads back. */
export function formatCorruption(c: Corruption): string {
  return c.kind === 'gaussian' ? `gaussian:${c.sigma}` : `${c.kind}:${c.fraction}`;
}

/** Checks a corruption that did not come from parseCorruption (e.g. read from a model file). */
export function checkCorruption(c: unknown): Corruption {
  const value = c as Corruption | null;
  if (!value || typeof value !== 'object') throw invalid(`a corruption must be an object like { kind: 'gaussian', sigma: 0.3 }, got ${JSON.stringify(c)}`);
  return parseCorruption(formatCorruption(value));
}

/** A corrupted copy of x (any shape, batch first); x is left as it was. */
export function corrupt(x: Tensor, corruption: Corruption, rng: Rng, range: DataRange = UNIT_RANGE, out?: Tensor): Tensor {
  checkRange(range);
  const target = out ?? tensor(x.shape);
  if (target.data.length !== x.data.length) throw invalid(`corrupt: output buffer holds ${target.data.length} values, the input ${x.data.length}`);
  const src = x.data;
  const dst = target.data;
  const { low, high } = range;
  if (corruption.kind === 'gaussian') {
    const sigma = corruption.sigma;
    for (let i = 0; i < src.length; i++) {
      const v = src[i] + sigma * rng.normal();
      dst[i] = v < low ? low : v > high ? high : v;
    }
    return target;
  }
  dst.set(src);
  // Images [n, c, h, w]: one draw per pixel, applied to all of its channels.
  const channels = x.shape.length === 4 ? x.shape[1] : 1;
  const plane = x.shape.length === 4 ? x.shape[2] * x.shape[3] : src.length;
  const samples = x.shape.length === 4 ? x.shape[0] : 1;
  const fraction = corruption.fraction;
  for (let s = 0; s < samples; s++)
    for (let p = 0; p < plane; p++) {
      if (rng.uniform() >= fraction) continue;
      const value = corruption.kind === 'mask' || rng.uniform() < 0.5 ? low : high;
      for (let c = 0; c < channels; c++) dst[(s * channels + c) * plane + p] = value;
    }
  return target;
}

/**
 * fit()'s transformInput hook: a fresh corruption of every training batch, drawn from the
 * fit's seeded generator, so every epoch sees new noise and the same seed gives the same
 * run. The output buffer is reused per batch size (fit consumes it before the next batch).
 */
export function corruptionTransform(corruption: Corruption, range: DataRange = UNIT_RANGE): (batch: Tensor, rng: Rng) => Tensor {
  checkRange(range);
  const buffers = new Map<number, Tensor>();
  return (batch, rng) => {
    let out = buffers.get(batch.data.length);
    if (!out) {
      out = tensor(batch.shape);
      buffers.set(batch.data.length, out);
    }
    return corrupt(batch, corruption, rng, range, { shape: batch.shape, data: out.data });
  };
}

/** The same corruption for the same seed: fixed noisy copies for validation, tests and benchmarks. */
export function corruptWithSeed(x: Tensor, corruption: Corruption, seed: number, range: DataRange = UNIT_RANGE): Tensor {
  return corrupt(x, corruption, new Rng(seed), range);
}

function checkRange({ low, high }: DataRange): void {
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(high > low)) throw invalid(`data range must be finite with low < high, got [${low}, ${high}]`);
}
