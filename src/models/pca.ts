import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { checkTensor, shapeToString, tensor, type Shape, type Tensor } from '../core/tensor.js';
import { exclusiveFit } from './fit-guard.js';
import { centeredProject, columnMeans } from '../core/native/linalg.js';
import { gemm } from '../core/native/gemm.js';
import type { ModelFileContents } from '../io/model-file.js';
import type { Scaler } from '../data/scaler.js';
import { scalerFromFile } from './restore.js';
import type { FitOptions } from '../train/fit.js';
import { reconstructionMetrics, type ErrorMetric, type ReconstructionMetrics, type Reconstructor } from './contract.js';
import { SavedModel, wrongKind } from './saved-model.js';
import { fitFull, fitRandomized, type PcaDecomposition } from './pca-solvers.js';

export type PcaSolver = 'full' | 'randomized' | 'auto';

export interface PcaOptions {
  /** An integer >= 1 (that many components), or a fraction in (0, 1): keep that much of the variance ('full' solver). */
  nComponents: number;
  /** Scale the projections to unit variance (transform divides by sqrt(explained variance)). */
  whiten?: boolean;
  /** 'auto' (default) chooses as scikit-learn does: 'randomized' for large data and k < 80% of min(n, d). */
  solver?: PcaSolver;
  /** Seed of the randomized solver's Gaussian sketch. */
  seed?: number;
  /** Extra sketch columns of the randomized solver (default 10). */
  oversamples?: number;
  /**
   * Power iterations of the randomized solver. Default: scikit-learn's (7 when k < 10% of
   * min(n, d), else 4) when it streams the data; twice that when it works on the covariance
   * matrix (many samples, moderate d), where an iteration no longer touches the data.
   */
  powerIterations?: number;
  /**
   * Maps data units into the space the components are computed in (e.g. a StandardScaler, so
   * that a column measured in thousands does not take the first component by itself); fitted
   * by fit() when not fitted yet, and saved with the model. Default: none.
   */
  scaler?: Scaler | null;
}

export interface PcaArchitecture {
  features: number;
  components: number;
  whiten: boolean;
}

/** What a fit records besides the tensors, stored under the model file's 'pca_fit' key. */
interface PcaFitRecord {
  totalVariance: number;
  samples: number;
  sampleShape: number[];
  solver: 'full' | 'randomized';
}

/**
 * Components whose variance is below this fraction of the first one's are numerically
 * zero for float32 data (constant columns, rank-deficient data): whitening leaves them
 * unscaled instead of dividing by ~0, so transform and inverseTransform stay finite and
 * inverse to each other.
 */
const WHITEN_ZERO_VARIANCE = 1e-6;

/** Rows handled at once by reconstructionError, bounding its temporary memory. */
const ROW_BLOCK = 4096;

/**
 * Principal component analysis with scikit-learn's semantics: components sorted by
 * explained variance, explained variance computed with n - 1, transform = (x - mean)
 * components^T (divided by sqrt(explained variance) when whitening). Samples are the
 * first axis of a Tensor; each sample is flattened, so images [n, c, h, w] work as is.
 *
 * Signs: in each component the entry of largest magnitude is positive (scikit-learn's
 * svd_flip on the components, its rule from release 1.5 on).
 *
 * Solvers: 'full' is exact (centred covariance, or the n x n Gram matrix when features
 * outnumber samples, then LAPACK's symmetric eigensolver); 'randomized' is a seeded
 * randomized range finder, see pca-solvers.ts. A fraction nComponents picks the smallest k
 * whose cumulative explained variance ratio exceeds it, as scikit-learn does.
 *
 * Zero variance (constant columns, rank-deficient data) is fine: such components get
 * explained variance 0, and whitening leaves them unscaled rather than dividing by zero.
 */
export class PCA extends SavedModel implements Reconstructor {
  readonly kind = 'pca' as const;
  /** PCA is solved in closed form: there is no training history. */
  readonly history = null;
  /** Maps data units to the space the components live in; null: the data as it is. */
  readonly scaler: Scaler | null;
  readonly whiten: boolean;
  readonly solver: PcaSolver;
  readonly seed: number;
  readonly oversamples: number;
  readonly powerIterations: number | undefined;
  private readonly requested: number;
  private state: {
    components: Tensor;
    mean: Float32Array;
    explainedVariance: Float64Array;
    totalVariance: number;
    samples: number;
    sampleShape: number[];
    solver: 'full' | 'randomized';
  } | null = null;

  constructor(options: PcaOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw invalid('PCA needs options, e.g. new PCA({ nComponents: 32 })');
    const { nComponents, whiten = false, solver = 'auto', seed = 0, oversamples = 10, powerIterations, scaler = null } = options;
    if (typeof nComponents !== 'number' || !Number.isFinite(nComponents) || nComponents <= 0 || (nComponents >= 1 && !Number.isInteger(nComponents)))
      throw invalid(
        `nComponents must be an integer >= 1 (number of components) or a fraction in (0, 1) (variance to keep), got ${String(nComponents)}`,
      );
    if (solver !== 'full' && solver !== 'randomized' && solver !== 'auto')
      throw invalid(`solver must be 'full', 'randomized' or 'auto', got '${String(solver)}'`);
    if (typeof whiten !== 'boolean') throw invalid(`whiten must be true or false, got ${String(whiten)}`);
    if (!Number.isSafeInteger(seed)) throw invalid(`seed must be an integer, got ${String(seed)}`);
    if (!Number.isInteger(oversamples) || oversamples < 0) throw invalid(`oversamples must be an integer >= 0, got ${String(oversamples)}`);
    if (powerIterations !== undefined && (!Number.isInteger(powerIterations) || powerIterations < 0 || powerIterations > 100))
      throw invalid(`powerIterations must be an integer between 0 and 100, got ${String(powerIterations)}`);
    if (solver === 'randomized' && nComponents < 1)
      throw invalid(
        `nComponents = ${nComponents} is a fraction of the variance, which needs every eigenvalue: use solver 'full' or 'auto', or give a number of components`,
      );
    this.requested = nComponents;
    this.whiten = whiten;
    this.solver = solver;
    this.seed = seed;
    this.oversamples = oversamples;
    this.powerIterations = powerIterations;
    this.scaler = scaler;
  }

  /**
   * Finds the components of x (data units; scaled first when the PCA has a scaler, which is
   * fitted on x if it is not fitted yet) and resolves to the PCA itself. The gradient-descent
   * options of the Reconstructor contract (epochs, learning rate, ...) do not apply and are ignored.
   */
  async fit(x: Tensor, _options: FitOptions = {}): Promise<this> {
    // Closed-form and synchronous today, so calls cannot interleave; guarded like every model's fit all the same.
    return exclusiveFit(this, 'PCA', async () => {
      samplesAndFeatures(x, 'fit');
      if (this.scaler && !this.scaler.fitted) this.scaler.fit(x);
      this.fitScaled(this.toModelSpace(x));
      return this;
    });
  }

  /** fit(x), then transform(x). */
  async fitTransform(x: Tensor): Promise<Tensor> {
    return (await this.fit(x)).transform(x);
  }

  private fitScaled(x: Tensor): void {
    const { n, d } = samplesAndFeatures(x, 'fit');
    if (n < 2) throw invalid(`PCA needs at least 2 samples to estimate a variance, got ${n}`);
    const m = Math.min(n, d);
    const fraction = this.requested < 1;
    if (!fraction && this.requested > m)
      throw invalid(
        `nComponents = ${this.requested} exceeds min(samples, features) = min(${n}, ${d}) = ${m}; ask for at most ${m} components`,
      );

    const mean = new Float64Array(d);
    const bad = columnMeans(x.data, n, d, mean);
    if (bad >= 0) {
      const row = Math.floor(bad / d);
      const column = bad % d;
      throw new HourglassError(
        'BAD_DATA',
        `x holds ${x.data[bad]} at row ${row}, column ${column} (counting from 0): PCA needs finite numbers; remove or impute missing values first`,
      );
    }

    const solver = this.resolveSolver(n, d, fraction);
    const data = { x: x.data, n, d, mean };
    let result: PcaDecomposition;
    if (solver === 'full') {
      result = fitFull(data, fraction ? { fraction: this.requested } : { count: this.requested });
    } else {
      result = fitRandomized(data, { k: this.requested, oversamples: this.oversamples, powerIterations: this.powerIterations, seed: this.seed });
    }

    const explainedVariance = new Float64Array(result.k);
    for (let i = 0; i < result.k; i++) explainedVariance[i] = result.eigenvalues[i] / (n - 1);
    this.state = {
      components: tensor([result.k, d], Float32Array.from(result.components)),
      mean: Float32Array.from(mean),
      explainedVariance,
      totalVariance: result.totalSumOfSquares / (n - 1),
      samples: n,
      sampleShape: x.shape.slice(1),
      solver,
    };
  }

  /** Projections [n, k] of the samples (data units) on the components (whitened when `whiten`); scikit-learn's name for encode. */
  transform(x: Tensor): Tensor {
    samplesAndFeatures(x, 'transform');
    return this.project(this.toModelSpace(x));
  }

  /** Samples (data units) from projections [n, k], shaped like the samples given to fit; scikit-learn's name for decode. */
  inverseTransform(z: Tensor): Tensor {
    const out = this.unproject(z);
    return this.scaler ? this.scaler.inverseTransform(out) : out;
  }

  /** Codes [n, k]: the same as transform. */
  encode(x: Tensor): Tensor {
    return this.transform(x);
  }

  /** Samples from codes: the same as inverseTransform. */
  decode(z: Tensor): Tensor {
    return this.inverseTransform(z);
  }

  /** The projection of x on the components' span, in data units. */
  reconstruct(x: Tensor): Tensor {
    return this.inverseTransform(this.transform(x));
  }

  /** Mean squared and absolute reconstruction errors over a data set, in the scaled space. */
  evaluate(x: Tensor): ReconstructionMetrics {
    return reconstructionMetrics(this.reconstructionError(x, 'mse'), this.reconstructionError(x, 'mae'));
  }

  /** @internal See Reconstructor.reconstructScaled. */
  reconstructScaled(batch: Tensor, wantCodes: boolean): { reconstruction: Float32Array; codes: Float32Array | null } {
    const flat: Tensor = { shape: [batch.shape[0], batch.data.length / Math.max(1, batch.shape[0])], data: batch.data };
    const codes = this.project(flat);
    return { reconstruction: this.unproject(codes).data, codes: wantCodes ? codes.data : null };
  }

  /** The shape of one sample as fitted; null before fit (a PCA takes samples of any shape). */
  get sampleShape(): Shape | null {
    return this.state ? [...this.state.sampleShape] : null;
  }
  get latentSize(): number {
    return this.nComponents;
  }

  /**
   * What transform and inverseTransform compute, in the scaled space: codes = ((x - mean)
   * components^T) / whitening, x = (codes * whitening) components + mean (whitening null
   * when off); for exporters.
   * @internal
   */
  linearMap(): { components: Tensor; mean: Float32Array; sampleShape: Shape; whitening: Float64Array | null } {
    const s = this.fitted('export');
    return { components: s.components, mean: s.mean, sampleShape: [...s.sampleShape], whitening: this.whiten ? this.whiteningScale() : null };
  }

  private toModelSpace(x: Tensor): Tensor {
    return this.scaler ? this.scaler.transform(x) : x;
  }

  /** transform in the scaled space. */
  private project(x: Tensor): Tensor {
    const s = this.fitted('transform');
    const { n, d } = samplesAndFeatures(x, 'transform');
    this.checkFeatures(d, 'transform');
    const k = s.components.shape[0];
    const out = tensor([n, k]);
    if (n === 0) return out;
    centeredProject(x.data, n, d, s.mean, s.components.data, k, out.data);
    if (this.whiten) {
      const scale = this.whiteningScale();
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out.data[i * k + c] /= scale[c];
    }
    return out;
  }

  /** inverseTransform in the scaled space. */
  private unproject(z: Tensor): Tensor {
    const s = this.fitted('inverseTransform');
    const k = s.components.shape[0];
    const d = s.components.shape[1];
    if (z.shape.length !== 2 || z.shape[1] !== k)
      throw shapeMismatch(`inverseTransform expects projections [n, ${k}], got ${shapeToString(z.shape)}`);
    const n = z.shape[0];
    let codes = z.data;
    if (this.whiten) {
      const scale = this.whiteningScale();
      codes = new Float32Array(z.data);
      for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) codes[i * k + c] *= scale[c];
    }
    const out = tensor([n, ...s.sampleShape]);
    reconstruct(codes, n, s.components.data, k, d, s.mean, out.data);
    return out;
  }

  /**
   * Per-sample reconstruction error through k components, the mean over the sample's
   * features of the squared ('mse', default) or absolute ('mae') difference, in the scaled space.
   */
  reconstructionError(x: Tensor, metric: ErrorMetric = 'mse'): Float32Array {
    if (metric !== 'mse' && metric !== 'mae')
      throw invalid(`PCA measures reconstruction errors as 'mse' or 'mae'; '${String(metric)}' needs outputs in [0, 1], which a projection does not give`);
    const s = this.fitted('reconstructionError');
    samplesAndFeatures(x, 'reconstructionError');
    x = this.toModelSpace(x);
    const { n, d } = samplesAndFeatures(x, 'reconstructionError');
    this.checkFeatures(d, 'reconstructionError');
    const k = s.components.shape[0];
    const errors = new Float32Array(n);
    const rows = Math.min(ROW_BLOCK, n);
    const codes = new Float32Array(rows * k);
    const rebuilt = new Float32Array(rows * d);
    for (let start = 0; start < n; start += rows) {
      const count = Math.min(rows, n - start);
      const block = x.data.subarray(start * d, (start + count) * d);
      centeredProject(block, count, d, s.mean, s.components.data, k, codes);
      reconstruct(codes, count, s.components.data, k, d, s.mean, rebuilt);
      for (let i = 0; i < count; i++) {
        let sum = 0;
        for (let j = 0; j < d; j++) {
          const e = block[i * d + j] - rebuilt[i * d + j];
          sum += metric === 'mse' ? e * e : Math.abs(e);
        }
        errors[start + i] = sum / d;
      }
    }
    return errors;
  }

  get isFitted(): boolean {
    return this.state !== null;
  }
  /** [k, d], one unit vector per row, largest variance first (a copy). */
  get components(): Tensor {
    const c = this.fitted('components').components;
    return tensor(c.shape, c.data.slice());
  }
  /** Variance of the data along each component (n - 1 in the denominator). */
  get explainedVariance(): Float64Array {
    return this.fitted('explainedVariance').explainedVariance.slice();
  }
  /** Explained variance divided by the total variance of the data. */
  get explainedVarianceRatio(): Float64Array {
    const s = this.fitted('explainedVarianceRatio');
    return s.explainedVariance.map((v) => (s.totalVariance > 0 ? v / s.totalVariance : 0));
  }
  /** Per-feature mean of the training data. */
  get mean(): Float32Array {
    return this.fitted('mean').mean.slice();
  }
  /** Total variance of the training data (sum over features), the denominator of the ratios. */
  get totalVariance(): number {
    return this.fitted('totalVariance').totalVariance;
  }
  /** The number of components kept (resolved from a fraction after fit). */
  get nComponents(): number {
    return this.state ? this.state.components.shape[0] : this.requested;
  }
  get nFeatures(): number {
    return this.fitted('nFeatures').components.shape[1];
  }
  /** The solver that ran ('auto' resolved). */
  get fittedSolver(): 'full' | 'randomized' {
    return this.fitted('fittedSolver').solver;
  }

  toModelFile(): ModelFileContents {
    const s = this.fitted('toModelFile');
    const [k, d] = s.components.shape;
    const architecture: PcaArchitecture = { features: d, components: k, whiten: this.whiten };
    const record: PcaFitRecord = { totalVariance: s.totalVariance, samples: s.samples, sampleShape: s.sampleShape, solver: s.solver };
    return {
      kind: 'pca',
      architecture,
      tensors: new Map<string, Tensor>([
        ['components', s.components],
        ['mean', tensor([d], s.mean)],
        ['explained_variance', tensor([k], Float32Array.from(s.explainedVariance))],
      ]),
      extra: { pca_fit: record, scaler: this.scaler?.toJSON() ?? null },
    };
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file'): PCA {
    if (contents.kind !== 'pca') throw wrongKind(source, contents.kind, 'a PCA');
    const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${what}`);
    const a = contents.architecture as Partial<PcaArchitecture> | null;
    if (typeof a !== 'object' || a === null) throw bad('the PCA architecture is missing');
    const { features: d, components: k, whiten } = a;
    if (!Number.isInteger(d) || (d as number) < 1) throw bad(`architecture.features must be a positive integer, got ${String(d)}`);
    if (!Number.isInteger(k) || (k as number) < 1 || (k as number) > (d as number))
      throw bad(`architecture.components must be an integer between 1 and ${d}, got ${String(k)}`);
    if (typeof whiten !== 'boolean') throw bad(`architecture.whiten must be true or false, got ${String(whiten)}`);
    const K = k as number;
    const D = d as number;
    const take = (name: string, shape: Shape): Float32Array => {
      const t = contents.tensors.get(name);
      if (!t) throw bad(`tensor '${name}' is missing`);
      if (t.shape.length !== shape.length || t.shape.some((v, i) => v !== shape[i]))
        throw new HourglassError('MODEL_MISMATCH', `${source}: tensor '${name}' has shape ${shapeToString(t.shape)}, the architecture needs ${shapeToString(shape)}`);
      for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) throw bad(`tensor '${name}' holds ${t.data[i]} at index ${i}`);
      return t.data;
    };
    const components = take('components', [K, D]);
    const mean = take('mean', [D]);
    const variance = Float64Array.from(take('explained_variance', [K]));

    const record = (contents.extra?.pca_fit ?? {}) as Partial<PcaFitRecord>;
    const sampleShape =
      Array.isArray(record.sampleShape) && record.sampleShape.every((v) => Number.isInteger(v) && v > 0) && record.sampleShape.reduce((p, v) => p * v, 1) === D
        ? [...record.sampleShape]
        : [D];
    // Files without the record still load; their ratios are relative to the kept variance.
    const totalVariance =
      typeof record.totalVariance === 'number' && Number.isFinite(record.totalVariance) ? record.totalVariance : variance.reduce((p, v) => p + v, 0);
    const solver = record.solver === 'randomized' ? 'randomized' : 'full';
    const scaler = contents.extra?.scaler ? scalerFromFile(contents.extra.scaler, source) : null;
    const pca = new PCA({ nComponents: K, whiten, solver, scaler });
    pca.state = {
      components: tensor([K, D], new Float32Array(components)),
      mean: new Float32Array(mean),
      explainedVariance: variance,
      totalVariance,
      samples: Number.isInteger(record.samples) ? (record.samples as number) : 0,
      sampleShape,
      solver,
    };
    return pca;
  }


  private resolveSolver(n: number, d: number, fraction: boolean): 'full' | 'randomized' {
    if (this.solver !== 'auto') return this.solver;
    // scikit-learn's 'auto': small data or a variance fraction -> exact; otherwise
    // randomized when k is well below the rank.
    if (Math.max(n, d) <= 500 || fraction) return 'full';
    return this.requested < 0.8 * Math.min(n, d) ? 'randomized' : 'full';
  }

  private whiteningScale(): Float64Array {
    const v = this.fitted('transform').explainedVariance;
    const floor = (v[0] ?? 0) * WHITEN_ZERO_VARIANCE;
    return v.map((e) => (e > floor && e > 0 ? Math.sqrt(e) : 1));
  }

  private checkFeatures(d: number, what: string): void {
    const s = this.fitted(what);
    const expected = s.components.shape[1];
    if (d !== expected)
      throw shapeMismatch(
        `${what}: this PCA was fitted on ${expected} features per sample (shape ${shapeToString(s.sampleShape)}), got ${d}`,
      );
  }

  private fitted(what: string) {
    if (!this.state) throw invalid(`PCA.${what}: the PCA is not fitted yet; call fit(x) first`);
    return this.state;
  }
}

function samplesAndFeatures(x: Tensor, what: string): { n: number; d: number } {
  checkTensor(x, what);
  if (x.shape.length < 2)
    throw shapeMismatch(`${what} expects samples along the first axis, [n, features...], got shape ${shapeToString(x.shape)}`);
  const n = x.shape[0];
  let d = 1;
  for (const v of x.shape.slice(1)) d *= v;
  if (n * d !== x.data.length) throw shapeMismatch(`${what}: shape ${shapeToString(x.shape)} needs ${n * d} values, got ${x.data.length}`);
  if (d < 1) throw shapeMismatch(`${what}: samples have no features (shape ${shapeToString(x.shape)})`);
  return { n, d };
}

/** out [n, d] = codes [n, k] components [k, d] + mean. */
function reconstruct(codes: Float32Array, n: number, components: Float32Array, k: number, d: number, mean: Float32Array, out: Float32Array): void {
  for (let i = 0; i < n; i++) out.set(mean, i * d);
  gemm({ a: codes, b: components, c: out, m: n, n: d, k, beta: 1 });
}
