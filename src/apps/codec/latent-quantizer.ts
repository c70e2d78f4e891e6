import { HourglassError, invalid } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';

/** Bit depths a codec accepts. */
export const MIN_BITS = 1;
export const MAX_BITS = 12;
/**
 * Resolution of the stored per-dimension histograms. Levels at a coarser bit depth are unions
 * of these bins (see quantize), so one histogram serves every depth up to this one exactly,
 * and finer depths by splitting each bin evenly.
 */
export const HISTOGRAM_BITS = 8;

/**
 * How the quantisation step is chosen at a bit depth b:
 * - 'per-dimension': each dimension's range [lo, hi] is cut into 2^b equal levels, so every
 *   dimension gets the same resolution relative to its own spread;
 * - 'shared': one step for every dimension, the widest range divided by 2^b. Narrower
 *   dimensions get fewer levels (a dimension half as wide, half as many), which spends bits
 *   where the codes vary most, as transform coders do.
 * In both, no dimension has more than 2^b levels, so a level always fits in b bits.
 */
export type StepMode = 'per-dimension' | 'shared';
export const STEP_MODES: readonly StepMode[] = ['per-dimension', 'shared'];

/**
 * What a codec learns from the training codes: for every latent dimension the range
 * [lo, hi] that quantisation covers, and a histogram of the training codes in that range
 * at HISTOGRAM_BITS (from which the entropy coder's static probabilities are derived).
 */
export interface LatentCalibration {
  /** Format of this record, for files written by later versions. */
  version: 1;
  latentSize: number;
  step: StepMode;
  lo: number[];
  hi: number[];
  /** Fraction of the training codes left outside [lo, hi] at each end (they are clamped). */
  clip: number;
  histogramBits: number;
  /** histograms[d][k]: training codes of dimension d in level k at histogramBits. */
  histograms: number[][];
  samples: number;
}

export function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS)
    throw invalid(`bit depth must be an integer from ${MIN_BITS} to ${MAX_BITS}, got ${bits}`);
  return bits;
}

export function checkStepMode(step: string): StepMode {
  if (!(STEP_MODES as readonly string[]).includes(step)) throw invalid(`step must be one of ${STEP_MODES.join(', ')}, got '${step}'`);
  return step as StepMode;
}

/**
 * Learns the ranges and histograms from codes [n, latentSize] of the training data. Each
 * range spans the codes between the `clip` and 1 - `clip` quantiles, so a few extreme codes
 * do not stretch the quantisation step of all the others.
 */
export function calibrateLatent(codes: Tensor, { clip = 0.001, step = 'per-dimension' }: { clip?: number; step?: StepMode } = {}): LatentCalibration {
  if (codes.shape.length < 2 || codes.shape[0] < 1) throw invalid('calibration needs at least one code [n, latentSize]');
  if (!(clip >= 0 && clip < 0.5)) throw invalid(`clip must be in [0, 0.5), got ${clip}`);
  checkStepMode(step);
  const n = codes.shape[0];
  const size = codes.data.length / n;
  const lo: number[] = [];
  const hi: number[] = [];
  const column = new Float64Array(n);
  for (let d = 0; d < size; d++) {
    for (let i = 0; i < n; i++) {
      const v = codes.data[i * size + d];
      if (!Number.isFinite(v)) throw new HourglassError('BAD_DATA', `the encoder produced ${v} for sample ${i}, latent value ${d}: the model or the data is broken`);
      column[i] = v;
    }
    column.sort();
    // Float32 values, so ranges round-trip exactly through JSON.
    lo.push(Math.fround(quantile(column, clip)));
    hi.push(Math.fround(quantile(column, 1 - clip)));
  }
  const calibration: LatentCalibration = { version: 1, latentSize: size, step, lo, hi, clip, histogramBits: HISTOGRAM_BITS, histograms: [], samples: n };
  const symbols = quantize(codes, calibration, HISTOGRAM_BITS);
  for (let d = 0; d < size; d++) {
    const h = new Array<number>(levelCount(calibration, d, HISTOGRAM_BITS)).fill(0);
    for (let i = 0; i < n; i++) h[symbols[i * size + d]]++;
    calibration.histograms.push(h);
  }
  return calibration;
}

/** The span cut into 2^bits levels for dimension d: its own width, or the widest one's. */
function span(calibration: LatentCalibration, d: number): number {
  if (calibration.step === 'per-dimension') return calibration.hi[d] - calibration.lo[d];
  let widest = 0;
  for (let j = 0; j < calibration.latentSize; j++) widest = Math.max(widest, calibration.hi[j] - calibration.lo[j]);
  return widest;
}

/** Levels of dimension d at `bits`: 2^bits per dimension, or as many steps as its range needs with a shared step (at least 1). */
export function levelCount(calibration: LatentCalibration, d: number, bits: number): number {
  const width = calibration.hi[d] - calibration.lo[d];
  const s = span(calibration, d);
  if (!(width > 0) || !(s > 0)) return 1;
  if (calibration.step === 'per-dimension') return 2 ** bits;
  return Math.max(1, Math.min(2 ** bits, Math.ceil((width / s) * 2 ** bits)));
}

/**
 * Uniform scalar quantisation of codes [n, latentSize]: value v of dimension d becomes the
 * level floor((v - lo) / step), clamped to the dimension's levels (values outside the range
 * land in the end levels). The step at depth b is twice the step at b + 1 and levels are
 * anchored at lo, so levels of depth b are unions of levels of depth b + 1: that is what
 * lets one stored histogram serve every depth.
 */
export function quantize(codes: Tensor, calibration: LatentCalibration, bits: number): Uint16Array {
  checkBits(bits);
  const size = calibration.latentSize;
  if (codes.data.length % size !== 0) throw invalid(`codes hold ${codes.data.length} values, not a whole number of ${size}-value latents`);
  const scale = new Float64Array(size);
  const levels = new Uint32Array(size);
  for (let d = 0; d < size; d++) {
    levels[d] = levelCount(calibration, d, bits);
    const s = span(calibration, d);
    scale[d] = levels[d] > 1 ? 2 ** bits / s : 0;
  }
  const out = new Uint16Array(codes.data.length);
  for (let i = 0; i < codes.data.length; i++) {
    const d = i % size;
    if (levels[d] === 1) continue; // a constant dimension carries no information: always level 0
    const k = Math.floor((codes.data[i] - calibration.lo[d]) * scale[d]);
    out[i] = k < 0 ? 0 : k >= levels[d] ? levels[d] - 1 : k;
  }
  return out;
}

/** Each level back to the centre of its interval (the last level ends at hi): within half a step of any value that was inside the range. */
export function dequantize(symbols: Uint16Array, calibration: LatentCalibration, bits: number, shape: readonly number[]): Tensor {
  checkBits(bits);
  const size = calibration.latentSize;
  const step = new Float64Array(size);
  const levels = new Uint32Array(size);
  for (let d = 0; d < size; d++) {
    levels[d] = levelCount(calibration, d, bits);
    step[d] = levels[d] > 1 ? span(calibration, d) / 2 ** bits : 0;
  }
  const data = new Float32Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const d = i % size;
    const lo = calibration.lo[d];
    if (levels[d] === 1) {
      data[i] = lo + (calibration.hi[d] - lo) / 2;
      continue;
    }
    const start = lo + symbols[i] * step[d];
    const end = Math.min(calibration.hi[d], start + step[d]);
    data[i] = (start + end) / 2;
  }
  return { shape: [...shape], data };
}

/**
 * Symbol counts of dimension d at `bits`, from the stored histogram: summed over the bins a
 * coarser level covers, or repeated over the levels a finer depth splits a bin into (equal
 * counts, hence the same proportions as spreading the bin evenly).
 */
export function levelCounts(calibration: LatentCalibration, d: number, bits: number): number[] {
  checkBits(bits);
  const hist = calibration.histograms[d];
  const histBits = calibration.histogramBits;
  const levels = levelCount(calibration, d, bits);
  const counts = new Array<number>(levels).fill(0);
  if (levels === 1) {
    counts[0] = calibration.samples;
  } else if (bits <= histBits) {
    const shift = histBits - bits;
    for (let k = 0; k < hist.length; k++) counts[k >> shift] += hist[k];
  } else {
    const shift = bits - histBits;
    for (let k = 0; k < levels; k++) counts[k] = hist[k >> shift];
  }
  return counts;
}

/** Checks a calibration read from a file before anything trusts it. */
export function checkCalibration(value: unknown, latentSize: number, source: string): LatentCalibration {
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: codec calibration ${what}; recalibrate with 'hourglass codec calibrate'`);
  const c = value as LatentCalibration;
  if (!c || typeof c !== 'object') throw bad('is missing');
  if (c.version !== 1) throw bad(`has version ${String(c.version)}, this hourglass reads version 1`);
  if (c.latentSize !== latentSize)
    throw new HourglassError('MODEL_MISMATCH', `${source}: the codec calibration is for ${c.latentSize} latent values but the model's bottleneck has ${latentSize}`);
  if (!(STEP_MODES as readonly unknown[]).includes(c.step)) throw bad(`has an unknown step mode ${JSON.stringify(c.step)}`);
  const finiteList = (a: unknown): a is number[] => Array.isArray(a) && a.length === latentSize && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!finiteList(c.lo) || !finiteList(c.hi)) throw bad(`needs ${latentSize} finite lo and hi values`);
  if (c.lo.some((v, d) => v > c.hi[d])) throw bad('has a range with lo > hi');
  if (c.histogramBits !== HISTOGRAM_BITS) throw bad(`has histograms at ${String(c.histogramBits)} bits; this hourglass uses ${HISTOGRAM_BITS}`);
  if (!Number.isInteger(c.samples) || c.samples < 1) throw bad('has no sample count');
  if (
    !Array.isArray(c.histograms) ||
    c.histograms.length !== latentSize ||
    c.histograms.some((h, d) => !Array.isArray(h) || h.length !== levelCount(c, d, c.histogramBits) || h.some((v) => !Number.isInteger(v) || v < 0))
  )
    throw bad(`needs ${latentSize} histograms of non-negative integer counts, one per level at ${HISTOGRAM_BITS} bits`);
  return c;
}

/** Linear interpolation between order statistics of sorted values (numpy's default quantile). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
}
