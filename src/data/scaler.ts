import { HourglassError, invalid } from '../core/errors.js';
import { sizeOf, tensor, type Tensor } from '../core/tensor.js';
import type { AffineForm } from '../core/types.js';

/**
 * Per-feature scalers with scikit-learn's semantics. A feature is one position of a sample:
 * a column of a [n, features] table, or a pixel of [n, 1, 28, 28] images. The absence of
 * scaling is `null` wherever a scaler is expected; there is no identity scaler.
 */

export interface MinMaxScalerJSON {
  kind: 'minmax';
  featureRange: [number, number];
  /** transform(x) = x * scale + min, per feature. */
  min: number[];
  scale: number[];
  dataMin: number[];
  dataMax: number[];
}

export interface StandardScalerJSON {
  kind: 'standard';
  withMean: boolean;
  withStd: boolean;
  /** Learned per feature; transform(x) = (x - mean) / std, skipping the mean without withMean and the std without withStd. */
  mean: number[];
  std: number[];
}

export type ScalerJSON = MinMaxScalerJSON | StandardScalerJSON;
export type Scaler = MinMaxScaler | StandardScaler;


/** scikit-learn treats a float32 range below 10 machine epsilons as a constant feature. */
const FLOAT32_EPSILON = 2 ** -23;

/** Rows and per-sample size of a batch-first tensor. */
function layoutOf(x: Tensor, what: string): { rows: number; features: number } {
  if (x.shape.length < 1) throw invalid(`${what}: expected a batch-first tensor [samples, ...], got a scalar`);
  return { rows: x.shape[0], features: sizeOf(x.shape.slice(1)) };
}

function notFinite(what: string, row: number, column: number, v: number): HourglassError {
  return new HourglassError(
    'BAD_DATA',
    `${what}: row ${row}, column ${column} is ${v}; scalers need finite numbers (fill in or drop missing values first)`,
  );
}

/**
 * Hot loops add v * 0 into a per-row probe instead of branching on every value: the probe
 * becomes NaN exactly when the row holds a NaN or an infinity, and only then is the row
 * searched for the culprit.
 */
function checkRow(probe: number, data: Float32Array, row: number, features: number, what: string): void {
  if (probe === 0) return;
  for (let j = 0; j < features; j++) {
    const v = data[row * features + j];
    if (v - v !== 0) throw notFinite(what, row, j, v);
  }
}

/** Output tensor: `out` when given (may be `x` itself, to scale in place), else a new one. */
function outputFor(x: Tensor, out: Tensor | undefined, what: string): Tensor {
  if (out === undefined) return tensor(x.shape);
  if (out.data.length !== x.data.length)
    throw invalid(`${what}: out holds ${out.data.length} values, the input ${x.data.length}`);
  return out;
}

/**
 * The two per-feature affine maps the scalers are made of, written the way scikit-learn
 * computes them (so results agree to the last float32 bit in most cases):
 * 'multiplyAdd' y = x * m[j] + a[j], 'subtractDivide' y = (x - a[j]) / m[j].
 */
function affine(
  x: Tensor,
  form: 'multiplyAdd' | 'subtractDivide',
  a: Float64Array,
  m: Float64Array,
  what: string,
  out?: Tensor,
): Tensor {
  const { rows, features } = layoutOf(x, what);
  if (features !== a.length)
    throw new HourglassError(
      'SHAPE_MISMATCH',
      `${what}: the scaler was fitted on ${a.length} features per sample, this input has ${features} (shape [${x.shape.join(', ')}])`,
    );
  const result = outputFor(x, out, what);
  const src = x.data;
  const dst = result.data;
  for (let r = 0; r < rows; r++) {
    const base = r * features;
    let probe = 0;
    if (form === 'multiplyAdd') {
      for (let j = 0; j < features; j++) {
        const v = src[base + j];
        probe += v * 0;
        dst[base + j] = v * m[j] + a[j];
      }
    } else {
      for (let j = 0; j < features; j++) {
        const v = src[base + j];
        probe += v * 0;
        dst[base + j] = (v - a[j]) / m[j];
      }
    }
    checkRow(probe, src, r, features, what);
  }
  return result;
}

/** Scales each feature to featureRange (default [0, 1]) using the training minimum and maximum. */
export class MinMaxScaler {
  readonly kind = 'minmax' as const;
  readonly featureRange: readonly [number, number];
  /** Learned: transform(x) = x * scale + min. Null until fitted. */
  min: Float64Array | null = null;
  scale: Float64Array | null = null;
  dataMin: Float64Array | null = null;
  dataMax: Float64Array | null = null;

  constructor({ featureRange = [0, 1] as readonly [number, number] } = {}) {
    const [lo, hi] = featureRange;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo >= hi)
      throw invalid(`MinMaxScaler: featureRange must be [min, max] with min < max, got [${featureRange.join(', ')}]`);
    this.featureRange = [lo, hi];
  }

  get fitted(): boolean {
    return this.min !== null && this.scale !== null;
  }

  /** Values per sample seen by fit() (0 before fitting). */
  get features(): number {
    return this.min?.length ?? 0;
  }

  fit(x: Tensor): this {
    const what = 'MinMaxScaler.fit';
    const { rows, features } = layoutOf(x, what);
    if (rows === 0) throw invalid(`${what}: cannot fit on 0 samples`);
    const lo = new Float64Array(features).fill(Infinity);
    const hi = new Float64Array(features).fill(-Infinity);
    const d = x.data;
    for (let r = 0; r < rows; r++) {
      const base = r * features;
      let probe = 0;
      for (let j = 0; j < features; j++) {
        const v = d[base + j];
        probe += v * 0;
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
      checkRow(probe, d, r, features, what);
    }
    const [fmin, fmax] = this.featureRange;
    const scale = new Float64Array(features);
    const min = new Float64Array(features);
    for (let j = 0; j < features; j++) {
      const range = hi[j] - lo[j];
      // A constant feature gets range 1, as in scikit-learn: it maps to featureRange[0].
      scale[j] = (fmax - fmin) / (range < 10 * FLOAT32_EPSILON ? 1 : range);
      min[j] = fmin - lo[j] * scale[j];
    }
    this.dataMin = lo;
    this.dataMax = hi;
    this.scale = scale;
    this.min = min;
    return this;
  }

  transform(x: Tensor, out?: Tensor): Tensor {
    const what = 'MinMaxScaler.transform';
    const { min, scale } = this.learned(what);
    return affine(x, 'multiplyAdd', min, scale, what, out);
  }

  inverseTransform(x: Tensor, out?: Tensor): Tensor {
    const what = 'MinMaxScaler.inverseTransform';
    const { min, scale } = this.learned(what);
    return affine(x, 'subtractDivide', min, scale, what, out);
  }

  /** What transform computes, for kernels that scale on the fly: x * factor + offset per feature. */
  affineForm(): AffineForm {
    const { min, scale } = this.learned('MinMaxScaler.affineForm');
    return { kind: 'multiply-add', factor: scale, offset: min };
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  private learned(what: string): { min: Float64Array; scale: Float64Array } {
    if (!this.min || !this.scale) throw invalid(`${what}: the scaler is not fitted; call fit() first`);
    return { min: this.min, scale: this.scale };
  }

  toJSON(): MinMaxScalerJSON {
    if (!this.min || !this.scale || !this.dataMin || !this.dataMax)
      throw invalid('MinMaxScaler.toJSON: the scaler is not fitted; call fit() first');
    return {
      kind: 'minmax',
      featureRange: [this.featureRange[0], this.featureRange[1]],
      min: Array.from(this.min),
      scale: Array.from(this.scale),
      dataMin: Array.from(this.dataMin),
      dataMax: Array.from(this.dataMax),
    };
  }
}

/** Centres each feature on its training mean and divides by its (population) standard deviation. */
export class StandardScaler {
  readonly kind = 'standard' as const;
  readonly withMean: boolean;
  readonly withStd: boolean;
  /** Learned. The transform subtracts mean only with withMean and divides by std only with withStd. */
  mean: Float64Array | null = null;
  std: Float64Array | null = null;

  constructor({ withMean = true, withStd = true } = {}) {
    this.withMean = withMean;
    this.withStd = withStd;
  }

  get fitted(): boolean {
    return this.mean !== null && this.std !== null;
  }

  /** Values per sample seen by fit() (0 before fitting). */
  get features(): number {
    return this.mean?.length ?? 0;
  }

  fit(x: Tensor): this {
    const what = 'StandardScaler.fit';
    const { rows, features } = layoutOf(x, what);
    if (rows === 0) throw invalid(`${what}: cannot fit on 0 samples`);
    const d = x.data;
    const mean = new Float64Array(features);
    for (let r = 0; r < rows; r++) {
      const base = r * features;
      let probe = 0;
      for (let j = 0; j < features; j++) {
        const v = d[base + j];
        probe += v * 0;
        mean[j] += v;
      }
      checkRow(probe, d, r, features, what);
    }
    for (let j = 0; j < features; j++) mean[j] /= rows;
    // Two passes: the sum of squared deviations is accurate where E[x^2] - E[x]^2 is not.
    const variance = new Float64Array(features);
    for (let r = 0; r < rows; r++) {
      const base = r * features;
      for (let j = 0; j < features; j++) {
        const dev = d[base + j] - mean[j];
        variance[j] += dev * dev;
      }
    }
    const std = new Float64Array(features);
    for (let j = 0; j < features; j++) {
      const v = variance[j] / rows;
      // scikit-learn's test for a feature indistinguishable from a constant, from the error
      // bound of the two-pass variance; such a feature keeps scale 1.
      const bound = rows * Number.EPSILON * v + (rows * mean[j] * Number.EPSILON) ** 2;
      std[j] = v <= bound ? 1 : Math.sqrt(v);
    }
    this.mean = mean;
    this.std = std;
    return this;
  }

  transform(x: Tensor, out?: Tensor): Tensor {
    const what = 'StandardScaler.transform';
    const { mean, std } = this.effective(what);
    return affine(x, 'subtractDivide', mean, std, what, out);
  }

  inverseTransform(x: Tensor, out?: Tensor): Tensor {
    const what = 'StandardScaler.inverseTransform';
    const { mean, std } = this.effective(what);
    return affine(x, 'multiplyAdd', mean, std, what, out);
  }

  /** What transform computes, for kernels that scale on the fly: (x - offset) / factor per feature. */
  affineForm(): AffineForm {
    const { mean, std } = this.effective('StandardScaler.affineForm');
    return { kind: 'subtract-divide', factor: std, offset: mean };
  }

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }

  /** The mean and std the transform uses: 0 and 1 where withMean / withStd turn them off. */
  private effective(what: string): { mean: Float64Array; std: Float64Array } {
    if (!this.mean || !this.std) throw invalid(`${what}: the scaler is not fitted; call fit() first`);
    return {
      mean: this.withMean ? this.mean : new Float64Array(this.mean.length),
      std: this.withStd ? this.std : new Float64Array(this.std.length).fill(1),
    };
  }

  toJSON(): StandardScalerJSON {
    if (!this.mean || !this.std) throw invalid('StandardScaler.toJSON: the scaler is not fitted; call fit() first');
    return {
      kind: 'standard',
      withMean: this.withMean,
      withStd: this.withStd,
      mean: Array.from(this.mean),
      std: Array.from(this.std),
    };
  }
}

/** Rebuilds a fitted scaler from toJSON() output (e.g. from a model file's metadata); null stays null. */
export function scalerFromJSON(json: ScalerJSON): Scaler;
export function scalerFromJSON(json: ScalerJSON | null): Scaler | null;
export function scalerFromJSON(json: unknown): Scaler | null;
export function scalerFromJSON(json: unknown): Scaler | null {
  if (json === null) return null;
  const bad = (why: string) => new HourglassError('BAD_FILE', `invalid scaler description: ${why}`);
  if (typeof json !== 'object' || Array.isArray(json)) throw bad('expected an object or null');
  const o = json as Record<string, unknown>;
  const numbers = (key: string, length?: number): Float64Array => {
    const v = o[key];
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'number' && Number.isFinite(e)))
      throw bad(`'${key}' must be an array of finite numbers`);
    if (length !== undefined && v.length !== length)
      throw bad(`'${key}' has ${v.length} values, expected ${length} (one per feature)`);
    return Float64Array.from(v as number[]);
  };
  if (o.kind === 'minmax') {
    const range = o.featureRange;
    if (!Array.isArray(range) || range.length !== 2 || !range.every((e) => typeof e === 'number'))
      throw bad("'featureRange' must be [min, max]");
    const scaler = new MinMaxScaler({ featureRange: [range[0], range[1]] });
    const min = numbers('min');
    const scale = numbers('scale', min.length);
    if (scale.some((s) => s === 0)) throw bad("'scale' contains 0, which cannot be inverted");
    scaler.min = min;
    scaler.scale = scale;
    scaler.dataMin = numbers('dataMin', min.length);
    scaler.dataMax = numbers('dataMax', min.length);
    return scaler;
  }
  if (o.kind === 'standard') {
    if (typeof o.withMean !== 'boolean' || typeof o.withStd !== 'boolean')
      throw bad("'withMean' and 'withStd' must be booleans");
    const scaler = new StandardScaler({ withMean: o.withMean, withStd: o.withStd });
    const mean = numbers('mean');
    const std = numbers('std', mean.length);
    if (std.some((s) => s <= 0)) throw bad("'std' must be positive");
    scaler.mean = mean;
    scaler.std = std;
    return scaler;
  }
  throw bad(`unknown kind ${JSON.stringify(o.kind)} (expected 'minmax' or 'standard')`);
}

export const SCALER_NAMES = ['none', 'minmax', 'standard'] as const;

/** The scaler a command-line name stands for: null for 'none', else a new, unfitted scaler. */
export function scalerByName(name: string): Scaler | null {
  switch (name) {
    case 'none':
      return null;
    case 'minmax':
      return new MinMaxScaler();
    case 'standard':
      return new StandardScaler();
    default:
      throw new HourglassError('INVALID_ARGUMENT', `--scaler must be none, minmax or standard, got '${name}'`);
  }
}
