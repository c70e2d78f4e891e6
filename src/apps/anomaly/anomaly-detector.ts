import { HourglassError, invalid, shapeMismatch } from '../../core/errors.js';
import { sameShape, shapeToString, sizeOf, sliceRows, tensor, type Shape, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import { Autoencoder } from '../../models/autoencoder.js';
import type { PCA } from '../../models/pca.js';
import type { FitOptions, TrainingRecord } from '../../train/fit.js';
import { scalerFromJSON, type Scaler } from '../../data/scaler.js';
import { splitValidation } from '../../data/dataset.js';
import { loadModelFile, saveModelFile, type ModelFileContents } from '../../io/model-file.js';
import { auroc } from '../../metrics/auroc.js';
import { averagePrecision } from '../../metrics/average-precision.js';
import { flagAbove, metricsAtThreshold, type ThresholdMetrics } from '../../metrics/threshold-metrics.js';
import { ErrorMap } from './error-map.js';
import { LatentGaussian, MAX_LATENT_DIMS } from './latent-gaussian.js';
import { maxF1Threshold } from './max-f1-threshold.js';
import { checkScoreKind, needsImages, type ScoreKind } from './score-kind.js';
import { normalizedScore, scoreStatistics, scoreStatisticsFromJSON, type ScoreStatistics } from './score-statistics.js';
import { checkThresholdRule, DEFAULT_THRESHOLD_RULE, thresholdFromNormalScores, type ThresholdRule } from './threshold-rule.js';
import { chainMse } from '../../layers/dense-chain.js';
import { WRAPPED_TENSOR_PREFIX, WrappedModel, type WrappedModelDescription } from './wrapped-model.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export const DETECTOR_KIND = 'detector';
const LATENT_TENSOR_PREFIX = 'latent.';
/**
 * Values (rows x features) pushed through the model at once: at least 1024 rows (matrix
 * products stay efficient), more for narrow tables, at most 32,768; the memory of scoring
 * stays bounded however much data is scored.
 */
const SCORING_BATCH_VALUES = 1 << 16;

/** Rows per scoring batch for samples of `features` values. */
export function scoringBatchRows(features: number): number {
  return Math.max(1024, Math.min(32768, Math.floor(SCORING_BATCH_VALUES / Math.max(1, features))));
}

/** Gaussian sigma (pixels) of the 'smoothed-mse' score: wide enough to merge a stroke's error, narrow enough to keep a missing part local. */
export const DEFAULT_SMOOTHING_SIGMA = 1.5;

export interface AnomalyDetectorOptions {
  /** The scorer: an autoencoder (dense or convolutional), or PCA as the baseline. */
  model: Autoencoder | PCA;
  /**
   * How a reconstruction becomes a score (default 'mse'). Several kinds (e.g. ['smoothed-mse',
   * 'ssim']) are each standardised by their normal scores and summed: they fail on different
   * anomalies, so the sum ranks better than either.
   */
  score?: ScoreKind | readonly ScoreKind[];
  /** Gaussian sigma in pixels for 'smoothed-mse' (default 1.5). */
  smoothingSigma?: number;
  /**
   * Weight of the latent term. 0 (default): no latent term. Above 0, the score becomes
   * sum of z(reconstruction scores) + latentWeight * z(Mahalanobis distance of the bottleneck
   * code to the normal codes), each z standardised by the normal scores' mean and std.
   */
  latentWeight?: number;
  /** How the decision threshold is set (default: contamination 0.1, as PyOD). */
  threshold?: ThresholdRule;
  /**
   * Applied to inputs before the model; fitted on the normal data if not fitted yet. Defaults
   * to the autoencoder's own scaler (an autoencoder built with a scaler keeps it).
   */
  scaler?: Scaler | null;
  /** Column names of tabular data, used in messages and explanations. */
  featureNames?: readonly string[] | null;
}

export interface DetectorFitOptions extends FitOptions {
  /** Train the wrapped model on the normal data (default true); false keeps an autoencoder already trained on normal data. */
  trainModel?: boolean;
  /**
   * Fraction of the normal data held out from training and used only to summarise normal
   * scores (threshold, normalisation). Default 0: the training scores are used, as PyOD does,
   * which sets thresholds slightly low when the model fits its training data closely.
   */
  calibrationFraction?: number;
}

/** The per-sample numbers behind a score. */
export interface ScoreParts {
  /** The detector's score (higher = more anomalous). */
  score: Float32Array;
  /** Each raw term by name: the score kinds, and 'latent' (squared Mahalanobis distance of the code) when on. */
  components: Record<string, Float32Array>;
}

export interface Explanation {
  /**
   * Contribution of every value to the reconstruction score, shaped like the input: its mean
   * is the reconstruction score (with several score kinds, the sum of each kind's map divided
   * by that kind's normal std, so its mean is the reconstruction part of the score up to a constant).
   */
  map: Tensor;
  /** Reconstructions, in data units. */
  reconstruction: Tensor;
  scores: Float32Array;
}

export interface DetectorEvaluation {
  samples: number;
  anomalies: number;
  auroc: number;
  averagePrecision: number;
  atThreshold: ThresholdMetrics;
}

interface NormalStatistics {
  score: ScoreStatistics;
  /** By component name, as in ScoreParts. */
  components: Record<string, ScoreStatistics>;
}

/** The name of the latent term among the score components. */
export const LATENT_COMPONENT = 'latent';

interface DetectorArchitecture {
  model: WrappedModelDescription;
  sampleShape: number[];
  score: ScoreKind[];
  smoothingSigma: number;
  dynamicRange: number;
  latentWeight: number;
}

interface DetectorRecord {
  threshold: number;
  rule: ThresholdRule;
  featureNames: string[] | null;
  statistics: NormalStatistics;
  normalSamples: number;
  calibrationSamples: number;
  provenance?: Record<string, unknown> | null;
}

/**
 * Anomaly detection by reconstruction error, with a scikit-learn / PyOD feel: fit on normal
 * data only; score (higher = more anomalous), predict (1 = anomaly, score above the
 * threshold), explain (where the reconstruction failed). Saved as one model file of kind
 * 'detector' holding the wrapped model, the scaler, the threshold and the normal scores'
 * statistics.
 */
export class AnomalyDetector {
  /** The reconstruction score kinds, in order. */
  readonly scoreKinds: readonly ScoreKind[];
  readonly smoothingSigma: number;
  readonly latentWeight: number;
  private readonly wrapped: WrappedModel;
  private scaler: Scaler | null;
  private rule: ThresholdRule;
  private featureNames: string[] | null;
  /** Free-form facts about the normal data (e.g. { data: 'fashion-mnist', normalClass: 3 }), saved with the detector for reports. */
  provenance: Record<string, unknown> | null = null;
  private state: {
    sampleShape: Shape;
    errorMaps: ErrorMap[];
    dynamicRange: number;
    latent: LatentGaussian | null;
    statistics: NormalStatistics;
    threshold: number;
    normalSamples: number;
    calibrationSamples: number;
  } | null = null;

  constructor(options: AnomalyDetectorOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('AnomalyDetector needs options, e.g. new AnomalyDetector({ model })');
    this.wrapped = new WrappedModel(options.model);
    const kinds = Array.isArray(options.score) ? options.score : [options.score ?? 'mse'];
    if (kinds.length === 0) throw invalid('score needs at least one score kind');
    this.scoreKinds = kinds.map(checkScoreKind);
    if (new Set(this.scoreKinds).size !== kinds.length) throw invalid(`score kinds must differ, got ${kinds.join(', ')}`);
    this.smoothingSigma = options.smoothingSigma ?? DEFAULT_SMOOTHING_SIGMA;
    if (!(this.smoothingSigma > 0 && this.smoothingSigma <= 64)) throw invalid(`smoothingSigma must be in (0, 64] pixels, got ${options.smoothingSigma}`);
    this.latentWeight = options.latentWeight ?? 0;
    if (!(this.latentWeight >= 0) || !Number.isFinite(this.latentWeight)) throw invalid(`latentWeight must be a number >= 0, got ${options.latentWeight}`);
    this.rule = checkThresholdRule(options.threshold ?? DEFAULT_THRESHOLD_RULE);
    const own = options.model instanceof Autoencoder ? options.model.scaler : null;
    if (options.scaler && own && options.scaler !== own)
      throw invalid('the autoencoder already has a scaler; pass scaler to the detector only for a model without one');
    this.scaler = options.scaler ?? own;
    if (options.model instanceof Autoencoder && this.scaler) options.model.scaler = this.scaler;
    this.featureNames = options.featureNames ? [...options.featureNames] : null;
  }

  /** The wrapped autoencoder or PCA. */
  get model(): Autoencoder | PCA {
    return this.wrapped.model;
  }
  /** 'autoencoder' or 'pca'. */
  get modelKind(): 'autoencoder' | 'pca' {
    return this.wrapped.kind;
  }
  get isFitted(): boolean {
    return this.state !== null;
  }
  /** Samples with a score above it are flagged. */
  get threshold(): number {
    return this.fitted('threshold').threshold;
  }
  get thresholdRule(): ThresholdRule {
    return { ...this.rule };
  }
  /** Statistics of the normal scores (training data, or the held-out calibration part). */
  get normalScores(): ScoreStatistics {
    return this.fitted('normalScores').statistics.score;
  }
  get sampleShape(): Shape {
    return this.fitted('sampleShape').sampleShape;
  }
  /** [c, h, w] for image detectors, null for tables. */
  get imageShape(): number[] | null {
    const shape = this.sampleShape;
    return shape.length === 3 ? [...shape] : null;
  }
  get columns(): string[] | null {
    return this.featureNames ? [...this.featureNames] : null;
  }
  get inputScaler(): Scaler | null {
    return this.scaler;
  }
  get training(): TrainingRecord | null {
    return this.model instanceof Autoencoder ? this.model.history : null;
  }

  /** Fits the scaler and the model on normal data, then summarises normal scores and sets the threshold. */
  async fit(normal: Tensor, options: DetectorFitOptions = {}): Promise<this> {
    const { trainModel = true, calibrationFraction = 0, ...fitOptions } = options;
    const sampleShape = this.expectedShape(normal);
    if (normal.shape[0] < 2) throw invalid(`normal data holds ${normal.shape[0]} sample${normal.shape[0] === 1 ? '' : 's'}; a detector needs at least 2 normal samples to learn from`);
    const x = this.checkSamples(normal, 'normal data', sampleShape);
    if (!(calibrationFraction >= 0 && calibrationFraction < 1)) throw invalid(`calibrationFraction must be in [0, 1), got ${calibrationFraction}`);
    for (const kind of this.scoreKinds)
      if (needsImages(kind) && sampleShape.length !== 3)
        throw invalid(`score '${kind}' needs images [channels, height, width]; this data has samples of shape ${shapeToString(sampleShape)}: use 'mse' or 'mae'`);

    // Before any training: a code too wide for the latent Gaussian would fail only after it.
    if (this.latentWeight > 0 && this.wrapped.kind === 'autoencoder' && this.wrapped.latentSize > MAX_LATENT_DIMS)
      throw invalid(
        `the latent term models codes of at most ${MAX_LATENT_DIMS} values; this bottleneck has ${this.wrapped.latentSize}: give the autoencoder a smaller bottleneck (a conv autoencoder: a dense waist, --bottleneck) or set latentWeight to 0`,
      );
    let trainPart = x;
    let calibrationPart = x;
    if (calibrationFraction > 0) {
      const split = splitValidation(x, calibrationFraction, new Rng(RANDOM_STREAMS.detectorCalibration(fitOptions.seed ?? 0)));
      if (split.validation.shape[0] < 2 || split.train.shape[0] < 2)
        throw invalid(`calibrationFraction ${calibrationFraction} of ${x.shape[0]} normal samples leaves too few for training or calibration`);
      trainPart = split.train;
      calibrationPart = split.validation;
    }
    if (this.scaler && !this.scaler.fitted) this.scaler.fit(trainPart);
    const scaledTrain = this.toModelSpace(trainPart);
    if (trainModel) {
      // The model trains in model space, so held-out validation data is scaled like the training data.
      const validation = fitOptions.validationData;
      const options = validation ? { ...fitOptions, validationData: { x: this.toModelSpace(this.checkSamples(validation.x, 'validation data', sampleShape)) } } : fitOptions;
      await this.wrapped.fit(scaledTrain, options);
    } else if (!(this.model instanceof Autoencoder) && !this.model.isFitted) {
      throw invalid('trainModel: false needs a PCA that is already fitted');
    }

    const dynamicRange = valueRange(scaledTrain.data);
    const errorMaps = this.makeErrorMaps(sampleShape, dynamicRange);
    const latent = this.latentWeight > 0 ? this.fitLatent(scaledTrain) : null;
    const state = {
      sampleShape,
      errorMaps,
      dynamicRange,
      latent,
      statistics: { score: scoreStatistics([0]), components: {} as Record<string, ScoreStatistics> },
      threshold: 0,
      normalSamples: x.shape[0],
      calibrationSamples: calibrationFraction > 0 ? calibrationPart.shape[0] : 0,
    };
    // Scoring the normal data needs the new state; a failure there leaves the previous one.
    const previous = this.state;
    this.state = state;
    try {
      // The same computation as scoring, so the threshold is compared with like values.
      const components = this.fusedMseScores(calibrationPart) ?? this.rawParts(calibrationPart).components;
      for (const [name, values] of Object.entries(components)) state.statistics.components[name] = scoreStatistics(values);
      state.statistics.score = scoreStatistics(this.combine(components).score);
    } catch (e) {
      this.state = previous;
      throw e;
    }
    // max-F1 needs labelled data, which fit() does not have: start from the default rule
    // until calibrate() is called.
    if (this.rule.kind === 'max-f1') this.rule = DEFAULT_THRESHOLD_RULE;
    state.threshold = thresholdFromNormalScores(this.rule, state.statistics.score);
    return this;
  }

  /** Anomaly scores, higher = more anomalous. */
  score(x: Tensor): Float32Array {
    return this.scoreParts(x).score;
  }

  /** The score and the terms it is made of. */
  scoreParts(x: Tensor): ScoreParts {
    const s = this.fitted('score');
    const checked = this.checkShape(x, 'input', s.sampleShape);
    // The fused kernel finds NaN and infinity itself; when it declines, checkFinite names them.
    return this.combine(this.fusedMseScores(checked) ?? this.rawParts(this.checkFinite(checked, 'input')).components);
  }

  /**
   * The plain MSE score of a small dense autoencoder, computed by one fused native kernel
   * (scaling, layers and error, each core its rows; see native/src/dense_chain_score.cc); null when
   * the score, the model or the data needs the general path (which also reports bad values).
   */
  private fusedMseScores(x: Tensor): Record<string, Float32Array> | null {
    if (this.isComposite || this.scoreKinds[0] !== 'mse' || !(this.wrapped.model instanceof Autoencoder)) return null;
    const chain = this.wrapped.model.denseChain(false);
    const mse = chain ? chainMse(chain, this.scaler, x) : null;
    return mse ? { mse } : null;
  }

  /** True when the score is a standardised sum (several kinds or a latent term) rather than one raw reconstruction score. */
  get isComposite(): boolean {
    return this.scoreKinds.length > 1 || this.latentWeight > 0;
  }

  /** Scores mapped into [0, 1] by the normal scores' distribution (0.5 = a typical normal sample, 1 = above every normal one). */
  normalizedScore(x: Tensor): Float32Array {
    return this.normalize(this.score(x));
  }

  /** normalizedScore for scores already computed. */
  normalize(scores: ArrayLike<number>): Float32Array {
    const stats = this.fitted('normalize').statistics.score;
    return Float32Array.from({ length: scores.length }, (_, i) => normalizedScore(stats, scores[i]));
  }

  /** 1 for samples whose score is above the threshold, else 0. */
  predict(x: Tensor): Uint8Array {
    return flagAbove(this.score(x), this.threshold);
  }

  /** Where each sample's reconstruction failed: the per-pixel (images) or per-feature (tables) contributions to its reconstruction score. */
  explain(x: Tensor): Explanation {
    const s = this.fitted('explain');
    const input = this.checkSamples(x, 'input', s.sampleShape);
    const parts = this.rawParts(input, true);
    const scale = this.scaler;
    const reconstruction = scale ? scale.inverseTransform(tensor(input.shape, parts.reconstructed!)) : tensor(input.shape, parts.reconstructed!);
    return { map: tensor(input.shape, parts.map!), reconstruction, scores: this.combine(parts.components).score };
  }

  /** Sets the threshold by a rule on the normal scores (contamination, value, zscore); see calibrate() for max-F1. */
  setThreshold(rule: ThresholdRule): this {
    const checked = checkThresholdRule(rule);
    const s = this.fitted('setThreshold');
    s.threshold = thresholdFromNormalScores(checked, s.statistics.score);
    this.rule = checked;
    return this;
  }

  /**
   * Chooses the threshold that maximises F1 on labelled validation data (1 = anomaly). Refuses
   * a set without anomalies (or without normal samples) instead of picking a degenerate threshold.
   */
  calibrate(x: Tensor, labels: ArrayLike<number>): { threshold: number; f1: number; precision: number; recall: number } {
    const scores = this.score(x);
    const choice = maxF1Threshold(labels, scores);
    this.fitted('calibrate').threshold = choice.threshold;
    this.rule = { kind: 'max-f1', f1: choice.f1, precision: choice.precision, recall: choice.recall };
    return choice;
  }

  /** AUROC, average precision and the decision metrics at the current threshold on labelled data. */
  evaluate(x: Tensor, labels: ArrayLike<number>): DetectorEvaluation {
    const scores = this.score(x);
    return evaluateScores(labels, scores, this.threshold);
  }

  // --- scoring internals, also used by the streaming CSV scorer ------------------
  /** Validates a batch of samples and reshapes it to the sample shape (same-size flat rows are accepted). */
  checkSamples(x: Tensor, what: string, shape: Shape = this.sampleShape): Tensor {
    return this.checkFinite(this.checkShape(x, what, shape), what);
  }

  /** Validates the shape of a batch and reshapes it to the sample shape; values are not looked at. */
  private checkShape(x: Tensor, what: string, shape: Shape): Tensor {
    if (!x || !(x.data instanceof Float32Array) || !Array.isArray(x.shape) || x.shape.length < 1)
      throw invalid(`${what} must be a Tensor { shape: [samples, ...], data: Float32Array }`);
    const per = sizeOf(shape);
    const got = sizeOf(x.shape.slice(1));
    if (!sameShape(x.shape.slice(1), shape)) {
      if (got !== per) {
        const names = this.featureNames ? ` (${describeColumns(this.featureNames)})` : '';
        throw shapeMismatch(`${what} has ${got} values per sample (shape ${shapeToString(x.shape)}); this detector was fitted on ${per}${names}, shape [n, ${shape.join(', ')}]`);
      }
      x = { shape: [x.shape[0], ...shape], data: x.data };
    }
    if (x.data.length !== x.shape[0] * per) throw shapeMismatch(`${what}: shape ${shapeToString(x.shape)} needs ${x.shape[0] * per} values, got ${x.data.length}`);
    if (x.shape[0] === 0) throw invalid(`${what} is empty: there is nothing to score`);
    return x;
  }

  /** Throws BAD_DATA naming the sample and column of the first NaN or infinity of a checked batch. */
  private checkFinite(x: Tensor, what: string): Tensor {
    const per = sizeOf(x.shape.slice(1));
    const d = x.data;
    // v * 0 is 0 for every finite v and NaN otherwise: one cheap pass, and a search only when it fails.
    let probe = 0;
    for (let i = 0; i < d.length; i++) probe += d[i] * 0;
    if (probe !== 0)
      for (let i = 0; i < d.length; i++)
        if (d[i] - d[i] !== 0) {
          const row = Math.floor(i / per);
          const col = i % per;
          const where = this.featureNames && this.featureNames.length === per ? `column '${this.featureNames[col]}'` : `value ${col}`;
          throw new HourglassError('BAD_DATA', `${what}: sample ${row}, ${where} is ${d[i]}; anomaly scores need finite numbers (fill in or drop missing values)`);
        }
    return x;
  }

  // --- files ---------------------------------------------------------------------
  toModelFile(): ModelFileContents {
    const s = this.fitted('toModelFile');
    const wrappedFile = this.wrapped.toModelFile();
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of wrappedFile.tensors) tensors.set(WRAPPED_TENSOR_PREFIX + name, t);
    if (s.latent) for (const [name, t] of s.latent.tensors(LATENT_TENSOR_PREFIX)) tensors.set(name, t);
    const architecture: DetectorArchitecture = {
      model: { kind: this.wrapped.kind, architecture: wrappedFile.architecture },
      sampleShape: [...s.sampleShape],
      score: [...this.scoreKinds],
      smoothingSigma: this.smoothingSigma,
      dynamicRange: s.dynamicRange,
      latentWeight: this.latentWeight,
    };
    const record: DetectorRecord = {
      threshold: s.threshold,
      rule: this.rule,
      featureNames: this.featureNames,
      statistics: s.statistics,
      normalSamples: s.normalSamples,
      calibrationSamples: s.calibrationSamples,
      provenance: this.provenance,
    };
    return {
      kind: DETECTOR_KIND,
      architecture,
      tensors,
      extra: { detector: record, scaler: this.scaler?.toJSON() ?? null, model_extra: wrappedFile.extra ?? {} },
    };
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file'): AnomalyDetector {
    if (contents.kind !== DETECTOR_KIND)
      throw new HourglassError(
        'MODEL_MISMATCH',
        `${source} holds a${/^[aeiou]/.test(contents.kind) ? 'n' : ''} ${contents.kind} model, not an anomaly detector; make one with \`hourglass detect fit\` (or AnomalyDetector.fit)`,
      );
    const bad = (why: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${why}`);
    const arch = contents.architecture as Partial<DetectorArchitecture> | null;
    if (typeof arch !== 'object' || arch === null || typeof arch.model !== 'object' || arch.model === null) throw bad('the detector architecture is missing');
    if (!Array.isArray(arch.sampleShape) || !arch.sampleShape.every((v) => Number.isInteger(v) && v > 0)) throw bad('the detector has no valid sampleShape');
    const extra = contents.extra ?? {};
    const record = extra.detector as Partial<DetectorRecord> | undefined;
    if (typeof record !== 'object' || record === null) throw bad("the detector record ('detector' in the metadata) is missing");
    if (typeof record.threshold !== 'number' || !Number.isFinite(record.threshold)) throw bad('the detector has no finite threshold');
    const wrapped = WrappedModel.fromModelFile(arch.model, contents.tensors, (extra.model_extra ?? {}) as Record<string, unknown>, source);
    let detector: AnomalyDetector;
    try {
      detector = new AnomalyDetector({
        model: wrapped.model,
        score: Array.isArray(arch.score) ? arch.score : [arch.score as unknown as ScoreKind],
        smoothingSigma: arch.smoothingSigma,
        latentWeight: arch.latentWeight ?? 0,
        threshold: record.rule ?? DEFAULT_THRESHOLD_RULE,
        // An autoencoder carries the scaler in its own metadata; a PCA detector keeps it here.
        scaler: wrapped.kind === 'pca' && extra.scaler ? scalerFromJSON(extra.scaler) : undefined,
        featureNames: Array.isArray(record.featureNames) ? record.featureNames.map(String) : null,
      });
    } catch (e) {
      if (e instanceof HourglassError) throw bad(e.message);
      throw e;
    }
    detector.provenance = typeof record.provenance === 'object' && record.provenance !== null ? record.provenance : null;
    const stats = record.statistics as Partial<NormalStatistics> | undefined;
    if (!stats) throw bad('the statistics of the normal scores are missing');
    const sampleShape = [...arch.sampleShape];
    const dynamicRange = typeof arch.dynamicRange === 'number' && arch.dynamicRange > 0 ? arch.dynamicRange : 1;
    const latentDims = wrapped.latentSize;
    const components: Record<string, ScoreStatistics> = {};
    const expected = [...detector.scoreKinds, ...(detector.latentWeight > 0 ? [LATENT_COMPONENT] : [])];
    const storedComponents = (stats.components ?? {}) as Record<string, unknown>;
    for (const name of expected) components[name] = scoreStatisticsFromJSON(storedComponents[name], `${source} (${name})`);
    detector.state = {
      sampleShape,
      errorMaps: detector.makeErrorMaps(sampleShape, dynamicRange),
      dynamicRange,
      latent: detector.latentWeight > 0 ? LatentGaussian.fromTensors(contents.tensors, LATENT_TENSOR_PREFIX, latentDims, source) : null,
      statistics: { score: scoreStatisticsFromJSON(stats.score, source), components },
      threshold: record.threshold,
      normalSamples: Number(record.normalSamples) || 0,
      calibrationSamples: Number(record.calibrationSamples) || 0,
    };
    return detector;
  }

  async save(path: string): Promise<void> {
    await saveModelFile(path, this.toModelFile());
  }

  static async load(path: string): Promise<AnomalyDetector> {
    return AnomalyDetector.fromModelFile(await loadModelFile(path), path);
  }

  // --- internals -------------------------------------------------------------------
  private fitted(what: string) {
    if (!this.state) throw invalid(`AnomalyDetector.${what}: the detector is not fitted yet; call fit(normalData) first`);
    return this.state;
  }

  private expectedShape(x: Tensor): Shape {
    if (!x || !Array.isArray(x.shape) || x.shape.length < 2)
      throw invalid('normal data must be a Tensor with samples along the first axis, [n, features...]');
    const own = this.wrapped.sampleShape;
    if (this.wrapped.kind === 'autoencoder' && own) return own;
    return x.shape.slice(1);
  }

  private makeErrorMaps(sampleShape: Shape, dynamicRange: number): ErrorMap[] {
    return this.scoreKinds.map(
      (kind) =>
        new ErrorMap({
          kind,
          features: sizeOf(sampleShape),
          imageShape: sampleShape.length === 3 ? sampleShape : null,
          smoothingSigma: this.smoothingSigma,
          dynamicRange,
        }),
    );
  }

  private toModelSpace(x: Tensor): Tensor {
    return this.scaler ? this.scaler.transform(x) : x;
  }

  private fitLatent(scaled: Tensor): LatentGaussian {
    const n = scaled.shape[0];
    const d = this.wrapped.latentSize;
    const codes = new Float32Array(n * d);
    const batch = scoringBatchRows(sizeOf(scaled.shape.slice(1)));
    for (let lo = 0; lo < n; lo += batch) {
      const hi = Math.min(n, lo + batch);
      codes.set(this.wrapped.run(sliceRows(scaled, lo, hi), true).codes!, lo * d);
    }
    return LatentGaussian.fit(codes, n, d);
  }

  /**
   * The raw components of checked samples, batch by batch; with `explain`, also the error
   * map and the reconstructions (model space).
   */
  private rawParts(x: Tensor, explain = false): { components: Record<string, Float32Array>; map?: Float32Array; reconstructed?: Float32Array } {
    const s = this.state!;
    const n = x.shape[0];
    const per = sizeOf(s.sampleShape);
    const kinds = this.scoreKinds;
    const values = kinds.map(() => new Float32Array(n));
    const latent = s.latent ? new Float32Array(n) : null;
    const map = explain ? new Float32Array(n * per) : undefined;
    const reconstructed = explain ? new Float32Array(n * per) : undefined;
    // Each kind's map enters the explanation divided by its normal std, as its score enters a composite score.
    const weights = kinds.map((kind) => (this.scoreKinds.length > 1 ? 1 / positive(s.statistics.components[kind]?.std) : 1));
    const batch = scoringBatchRows(per);
    for (let lo = 0; lo < n; lo += batch) {
      const hi = Math.min(n, lo + batch);
      const rows = hi - lo;
      const scaled = this.toModelSpace(sliceRows(x, lo, hi));
      const { reconstruction: rec, codes } = this.wrapped.run(scaled, latent !== null);
      kinds.forEach((_, k) => {
        const out = values[k].subarray(lo, hi);
        if (!explain) {
          s.errorMaps[k].scores(scaled.data, rec, rows, out);
          return;
        }
        const m = s.errorMaps[k].compute(scaled.data, rec, rows);
        const target = map!.subarray(lo * per, hi * per);
        for (let r = 0; r < rows; r++) {
          let sum = 0;
          for (let j = r * per; j < (r + 1) * per; j++) {
            sum += m[j];
            target[j] += weights[k] * m[j];
          }
          out[r] = sum / per;
        }
      });
      if (explain) reconstructed!.set(rec, lo * per);
      if (latent && codes) s.latent!.distances(codes, rows, latent.subarray(lo, hi));
    }
    const components: Record<string, Float32Array> = {};
    kinds.forEach((kind, k) => (components[kind] = values[k]));
    if (latent) components[LATENT_COMPONENT] = latent;
    return { components, map, reconstructed };
  }

  private combine(components: Record<string, Float32Array>): ScoreParts {
    if (!this.isComposite) return { score: components[this.scoreKinds[0]], components };
    const stats = this.state!.statistics.components;
    const n = components[this.scoreKinds[0]].length;
    const score = new Float32Array(n);
    for (const [name, values] of Object.entries(components)) {
      const st = stats[name];
      const weight = (name === LATENT_COMPONENT ? this.latentWeight : 1) / positive(st.std);
      for (let i = 0; i < n; i++) score[i] += weight * (values[i] - st.mean);
    }
    return { score, components };
  }
}

/** AUROC, AP and decision metrics of scores against labels (1 = anomaly). */
export function evaluateScores(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): DetectorEvaluation {
  let anomalies = 0;
  for (let i = 0; i < labels.length; i++) anomalies += labels[i] === 1 ? 1 : 0;
  return {
    samples: scores.length,
    anomalies,
    auroc: auroc(labels, scores),
    averagePrecision: averagePrecision(labels, scores),
    atThreshold: metricsAtThreshold(labels, scores, threshold),
  };
}

/** A standard deviation usable as a divisor: a constant component (std 0) is left unscaled. */
function positive(std: number | undefined): number {
  return std !== undefined && std > 0 ? std : 1;
}

function valueRange(data: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? hi - lo : 1;
}

function describeColumns(names: readonly string[]): string {
  return names.length <= 8 ? `columns ${names.join(', ')}` : `columns ${names.slice(0, 6).join(', ')}, ... ${names[names.length - 1]}`;
}
