import { HourglassError, invalid } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';

/** Bit depths a codec accepts: 2^bits quantisation levels per latent value. */
export const MIN_BITS = 1;
export const MAX_BITS = 12;
/**
 * Resolution of the stored per-dimension histograms. Levels at a coarser bit depth are unions
 * of these bins (see quantize), so one histogram serves every depth up to 8 bits exactly and
 * finer depths by splitting each bin evenly.
 */
export const HISTOGRAM_BITS = 8;

/**
 * What a codec learns from the training codes: for every latent dimension the range
 * [lo, hi] that quantisation covers, and a histogram of the training codes in that range
 * (from which the entropy coder's static probabilities are derived).
 */
export interface LatentCalibration {
  /** Format of this record, for files written by later versions. */
  version: 1;
  latentSize: number;
  lo: number[];
  hi: number[];
  /** Fraction of the training codes left outside [lo, hi] at each end (they are clamped). */
  clip: number;
  histogramBits: number;
  /** histograms[d][k]: training codes of dimension d in bin k of 2^histogramBits. */
  histograms: number[][];
  samples: number;
}

export function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS)
    throw invalid(`bit depth must be an integer from ${MIN_BITS} to ${MAX_BITS}, got ${bits}`);
  return bits;
}

/**
 * Learns the ranges and histograms from codes [n, latentSize] of the training data. Each
 * range spans the codes between the `clip` and 1 - `clip` quantiles, so a few extreme codes
 * do not stretch the quantisation step of all the others.
 */
export function calibrateLatent(codes: Tensor, clip = 0.001): LatentCalibration {
  if (codes.shape.length < 2 || codes.shape[0] < 1) throw invalid('calibration needs at least one code [n, latentSize]');
  if (!(clip >= 0 && clip < 0.5)) throw invalid(`clip must be in [0, 0.5), got ${clip}`);
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
    // Float32 values, so ranges round-trip exactly through JSON and the float32 codes.
    lo.push(Math.fround(quantile(column, clip)));
    hi.push(Math.fround(quantile(column, 1 - clip)));
  }
  const calibration: LatentCalibration = { version: 1, latentSize: size, lo, hi, clip, histogramBits: HISTOGRAM_BITS, histograms: [], samples: n };
  const symbols = quantize(codes, calibration, HISTOGRAM_BITS);
  const bins = 1 << HISTOGRAM_BITS;
  for (let d = 0; d < size; d++) {
    const h = new Array<number>(bins).fill(0);
    for (let i = 0; i < n; i++) h[symbols[i * size + d]]++;
    calibration.histograms.push(h);
  }
  return calibration;
}

/**
 * Uniform scalar quantisation of codes [n, latentSize]: dimension d's range [lo, hi] is cut
 * into 2^bits equal bins and each value becomes the index of its bin (values outside the
 * range are clamped to the end bins). Bins of depth b are unions of bins of depth b + 1,
 * which is what lets one stored histogram serve every depth.
 */
export function quantize(codes: Tensor, calibration: LatentCalibration, bits: number): Uint16Array {
  checkBits(bits);
  const size = calibration.latentSize;
  if (codes.data.length % size !== 0) throw invalid(`codes hold ${codes.data.length} values, not a whole number of ${size}-value latents`);
  const levels = 2 ** bits;
  const out = new Uint16Array(codes.data.length);
  for (let i = 0; i < codes.data.length; i++) {
    const d = i % size;
    const width = calibration.hi[d] - calibration.lo[d];
    if (!(width > 0)) continue; // a constant dimension carries no information: always bin 0
    const k = Math.floor(((codes.data[i] - calibration.lo[d]) / width) * levels);
    out[i] = k < 0 ? 0 : k >= levels ? levels - 1 : k;
  }
  return out;
}

/** Each bin index back to its bin's centre: within half a bin of the original value when that was inside the range. */
export function dequantize(symbols: Uint16Array, calibration: LatentCalibration, bits: number, shape: readonly number[]): Tensor {
  checkBits(bits);
  const size = calibration.latentSize;
  const levels = 2 ** bits;
  const data = new Float32Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const d = i % size;
    const width = calibration.hi[d] - calibration.lo[d];
    data[i] = width > 0 ? calibration.lo[d] + ((symbols[i] + 0.5) / levels) * width : calibration.lo[d];
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
  const levels = 2 ** bits;
  const counts = new Array<number>(levels).fill(0);
  if (bits <= histBits) {
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
  if (c.latentSize !== latentSize) throw new HourglassError('MODEL_MISMATCH', `${source}: the codec calibration is for ${c.latentSize} latent values but the model's bottleneck has ${latentSize}`);
  const finiteList = (a: unknown): a is number[] => Array.isArray(a) && a.length === latentSize && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!finiteList(c.lo) || !finiteList(c.hi)) throw bad(`needs ${latentSize} finite lo and hi values`);
  if (c.lo.some((v, d) => v > c.hi[d])) throw bad('has a range with lo > hi');
  if (!Number.isInteger(c.histogramBits) || c.histogramBits < 1 || c.histogramBits > 12) throw bad(`has an invalid histogram resolution ${String(c.histogramBits)}`);
  const bins = 2 ** c.histogramBits;
  if (!Array.isArray(c.histograms) || c.histograms.length !== latentSize || c.histograms.some((h) => !Array.isArray(h) || h.length !== bins || h.some((v) => !Number.isInteger(v) || v < 0)))
    throw bad(`needs ${latentSize} histograms of ${bins} non-negative integer counts`);
  return c;
}

/** Linear interpolation between order statistics of sorted values (numpy's default quantile). */
function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
}
