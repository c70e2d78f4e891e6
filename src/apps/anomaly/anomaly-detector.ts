import { HourglassError, invalid, shapeMismatch } from '../../core/errors.js';
import { exclusiveFit } from '../../models/fit-guard.js';
import { checkTensor } from '../../core/tensor.js';
import { sameShape, shapeToString, sizeOf, type Shape, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import type { Scaler } from '../../data/scaler.js';
import { splitValidation } from '../../data/dataset.js';
import type { ModelFileContents } from '../../io/model-file.js';
import { flagAbove } from '../../metrics/threshold-metrics.js';
import type { Model, Reconstructor } from '../../models/contract.js';
import { SavedModel } from '../../models/saved-model.js';
import type { FitOptions, TrainingRecord } from '../../train/fit.js';
import { componentScores, fitLatentGaussian, makeErrorMaps, toModelSpace } from './component-scores.js';
import { detectorToModelFile, readDetectorSettings, readFittedDetector, type FittedDetector } from './detector-file.js';
import { calibrateThreshold, evaluateScores, thresholdAfterFit, type DetectorEvaluation } from './detector-threshold.js';
import { ErrorMap } from './error-map.js';
import { channelMean, errorMapsOf, type AnomalyMaps } from './anomaly-maps.js';
import { explanationOf, type Explanation } from './explanation.js';
import { MAX_LATENT_DIMS } from './latent-gaussian.js';
import { ScoreComposition, type ScoreParts } from './score-composition.js';
import { checkScoreKind, needsImages, type ScoreKind } from './score-kind.js';
import { normalizedScore, scoreStatistics, type ScoreStatistics } from './score-statistics.js';
import { checkThresholdRule, DEFAULT_THRESHOLD_RULE, thresholdFromNormalScores, type ThresholdRule } from './threshold-rule.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export { scoringBatchRows } from './component-scores.js';
export { DETECTOR_KIND } from './detector-file.js';
export { evaluateScores, type DetectorEvaluation } from './detector-threshold.js';
export type { Explanation } from './explanation.js';
export type { AnomalyMaps } from './anomaly-maps.js';
export { LATENT_COMPONENT, type ScoreParts } from './score-composition.js';

/** Gaussian sigma (pixels) of the 'smoothed-mse' score: wide enough to merge a stroke's error, narrow enough to keep a missing part local. */
export const DEFAULT_SMOOTHING_SIGMA = 1.5;

export interface AnomalyDetectorOptions {
  /**
   * The scorer: any Reconstructor, an autoencoder (dense or convolutional) or PCA as the
   * baseline. Its scaler, if any, is its own: the model fits it when it is fitted, and the
   * detector only reads it (give tables a scaler through the model, e.g.
   * `new PCA({ nComponents: 3, scaler: new StandardScaler() })`).
   */
  model: Reconstructor;
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
  /** Column names of tabular data, used in messages and explanations. */
  featureNames?: readonly string[] | null;
}

export interface DetectorFitOptions extends FitOptions {
  /** Fit the model on the normal data (default true); false keeps a model already fitted on normal data (`model.isFitted`). */
  trainModel?: boolean;
  /**
   * Fraction of the normal data held out from training and used only to summarise normal
   * scores (threshold, normalisation). Default 0: the training scores are used, as PyOD does,
   * which sets thresholds slightly low when the model fits its training data closely.
   */
  calibrationFraction?: number;
}

/** A fitted detector's state: what it learned from the normal data, and the error maps built from it. */
interface DetectorState extends FittedDetector {
  errorMaps: ErrorMap[];
}

/**
 * Anomaly detection by reconstruction error, with a scikit-learn / PyOD feel: fit on normal
 * data only; score (higher = more anomalous), predict (1 = anomaly, score above the
 * threshold), explain (where the reconstruction failed). Any Reconstructor scores: the
 * detector fits it (or takes it fitted), reads its scaler, and measures errors in its space.
 * Saved as one model file of kind 'detector' holding the model (with its scaler), the
 * threshold and the normal scores' statistics.
 *
 * The parts: how components make a score (score-composition.ts), the components themselves
 * (component-scores.ts), thresholds and evaluation (detector-threshold.ts), explanations
 * (explanation.ts) and the file (detector-file.ts).
 */
export class AnomalyDetector extends SavedModel implements Model<[Tensor, DetectorFitOptions?], [Tensor, ArrayLike<number>], DetectorEvaluation> {
  readonly kind = 'detector' as const;
  /** The scorer: an Autoencoder, a PCA or any Reconstructor. */
  readonly model: Reconstructor;
  /** The reconstruction score kinds, in order. */
  readonly scoreKinds: readonly ScoreKind[];
  readonly smoothingSigma: number;
  readonly latentWeight: number;
  private readonly composition: ScoreComposition;
  private rule: ThresholdRule;
  private featureNames: string[] | null;
  /** Free-form facts about the normal data (e.g. { data: 'fashion-mnist', normalClass: 3 }), saved with the detector for reports. */
  provenance: Record<string, unknown> | null = null;
  private state: DetectorState | null = null;

  constructor(options: AnomalyDetectorOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw invalid('AnomalyDetector needs options, e.g. new AnomalyDetector({ model })');
    if (!isReconstructor(options.model)) throw invalid('an anomaly detector wraps an Autoencoder or a PCA (any Reconstructor); got something else');
    if ((options as { scaler?: unknown }).scaler !== undefined)
      throw invalid('the detector takes no scaler: give it to the model, e.g. new PCA({ nComponents, scaler: new StandardScaler() }) or the autoencoder preset\'s scaler');
    this.model = options.model;
    const kinds = Array.isArray(options.score) ? options.score : [options.score ?? 'mse'];
    if (kinds.length === 0) throw invalid('score needs at least one score kind');
    this.scoreKinds = kinds.map(checkScoreKind);
    if (new Set(this.scoreKinds).size !== kinds.length) throw invalid(`score kinds must differ, got ${kinds.join(', ')}`);
    this.smoothingSigma = options.smoothingSigma ?? DEFAULT_SMOOTHING_SIGMA;
    if (!(this.smoothingSigma > 0 && this.smoothingSigma <= 64)) throw invalid(`smoothingSigma must be in (0, 64] pixels, got ${options.smoothingSigma}`);
    this.latentWeight = options.latentWeight ?? 0;
    if (!(this.latentWeight >= 0) || !Number.isFinite(this.latentWeight)) throw invalid(`latentWeight must be a number >= 0, got ${options.latentWeight}`);
    this.composition = new ScoreComposition(this.scoreKinds, this.latentWeight);
    this.rule = checkThresholdRule(options.threshold ?? DEFAULT_THRESHOLD_RULE);
    this.featureNames = options.featureNames ? [...options.featureNames] : null;
  }

  /** The model's kind, 'autoencoder' or 'pca'. */
  get modelKind(): Reconstructor['kind'] {
    return this.model.kind;
  }
  get isFitted(): boolean {
    return this.state !== null;
  }
  /** The model's training record (null for a PCA, or a model not trained by gradient descent). */
  get history(): TrainingRecord | null {
    return this.model.history;
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
  /** The model's scaler (data units -> the space errors are measured in); the detector only reads it. */
  get inputScaler(): Scaler | null {
    return this.model.scaler;
  }
  /** True when the score is a standardised sum (several kinds or a latent term) rather than one raw reconstruction score. */
  get isComposite(): boolean {
    return this.composition.isComposite;
  }

  /** Fits the model (and so its scaler) on normal data, then summarises normal scores and sets the threshold. */
  async fit(normal: Tensor, options: DetectorFitOptions = {}): Promise<this> {
    return exclusiveFit(this, 'AnomalyDetector', () => this.fitOnce(normal, options));
  }

  private async fitOnce(normal: Tensor, options: DetectorFitOptions): Promise<this> {
    const { trainModel = true, calibrationFraction = 0, ...fitOptions } = options;
    const sampleShape = this.expectedShape(normal);
    if (normal.shape[0] < 2) throw invalid(`normal data holds ${normal.shape[0]} sample${normal.shape[0] === 1 ? '' : 's'}; a detector needs at least 2 normal samples to learn from`);
    const x = this.checkSamples(normal, 'normal data', sampleShape);
    if (!(calibrationFraction >= 0 && calibrationFraction < 1)) throw invalid(`calibrationFraction must be in [0, 1), got ${calibrationFraction}`);
    for (const kind of this.scoreKinds)
      if (needsImages(kind) && sampleShape.length !== 3)
        throw invalid(`score '${kind}' needs images [channels, height, width]; this data has samples of shape ${shapeToString(sampleShape)}: use 'mse' or 'mae'`);
    // Before any training: a code too wide for the latent Gaussian would fail only after it.
    if (this.latentWeight > 0 && this.model.latentSize > MAX_LATENT_DIMS)
      throw invalid(
        this.model.kind === 'autoencoder'
          ? `the latent term models codes of at most ${MAX_LATENT_DIMS} values; this bottleneck has ${this.model.latentSize}: give the autoencoder a smaller bottleneck (a conv autoencoder: a dense waist, --bottleneck) or set latentWeight to 0`
          : `the latent term models codes of at most ${MAX_LATENT_DIMS} values; this ${this.model.kind} makes ${this.model.latentSize}: keep fewer components or set latentWeight to 0`,
      );
    if (!trainModel && !this.model.isFitted)
      throw invalid(`trainModel: false needs a model that is already fitted; this ${this.model.kind} is not (fit it first, or leave trainModel on)`);
    if (!trainModel && this.model.scaler && !this.model.scaler.fitted)
      throw invalid(`trainModel: false needs a model whose scaler is fitted; this ${this.model.kind}'s is not`);

    let trainPart = x;
    let calibrationPart = x;
    if (calibrationFraction > 0) {
      const split = splitValidation(x, calibrationFraction, new Rng(RANDOM_STREAMS.detectorCalibration(fitOptions.seed ?? 0)));
      if (split.validation.shape[0] < 2 || split.train.shape[0] < 2)
        throw invalid(`calibrationFraction ${calibrationFraction} of ${x.shape[0]} normal samples leaves too few for training or calibration`);
      trainPart = split.train;
      calibrationPart = split.validation;
    }
    if (trainModel) {
      // The model fits its own scaler (when not fitted yet) and scales validation data like the training data.
      const validation = fitOptions.validationData;
      const modelOptions = validation ? { ...fitOptions, validationData: { x: this.checkSamples(validation.x, 'validation data', sampleShape) } } : fitOptions;
      await this.model.fit(trainPart, modelOptions);
    }

    const scaledTrain = toModelSpace(this.model, trainPart);
    const dynamicRange = valueRange(scaledTrain.data);
    const state: DetectorState = {
      sampleShape,
      errorMaps: makeErrorMaps(this.scoreKinds, sampleShape, this.smoothingSigma, dynamicRange),
      dynamicRange,
      latent: this.latentWeight > 0 ? fitLatentGaussian(this.model, scaledTrain) : null,
      statistics: { score: scoreStatistics([0]), components: {} },
      threshold: 0,
      normalSamples: x.shape[0],
      calibrationSamples: calibrationFraction > 0 ? calibrationPart.shape[0] : 0,
    };
    // Scoring the normal data needs the new state; a failure there leaves the previous one.
    const previous = this.state;
    this.state = state;
    try {
      // The same computation as scoring, so the threshold is compared with like values.
      state.statistics = this.composition.normalStatistics(this.components(calibrationPart, 'normal data'));
    } catch (e) {
      this.state = previous;
      throw e;
    }
    const { rule, threshold } = thresholdAfterFit(this.rule, state.statistics.score);
    this.rule = rule;
    state.threshold = threshold;
    return this;
  }

  /** Anomaly scores, higher = more anomalous. */
  score(x: Tensor): Float32Array {
    return this.scoreParts(x).score;
  }

  /** The score and the terms it is made of. */
  scoreParts(x: Tensor): ScoreParts {
    const s = this.fitted('score');
    return this.composition.combine(this.components(this.checkShape(x, 'input', s.sampleShape), 'input'), s.statistics.components);
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
    const parts = componentScores({ ...this.scoring(s), x: input, explainWeights: this.composition.mapWeights(s.statistics.components) });
    const scores = this.composition.combine(parts.components, s.statistics.components).score;
    return explanationOf(this.model, input, parts.map!, parts.reconstructed!, scores);
  }

  /**
   * Anomaly maps of images at their resolution, [n, 1, h, w] (channels averaged): without
   * `kind`, the map of the detector's own score (its kinds weighted as explain() weighs them);
   * with `kind` ('mse', 'mae', 'smoothed-mse', 'ssim'), that kind's per-pixel error, whether
   * or not the detector scores with it, measured with the detector's smoothing sigma and
   * dynamic range. Also the reconstructions, for side-by-side pictures.
   */
  anomalyMaps(x: Tensor, kind?: ScoreKind): AnomalyMaps {
    const s = this.fitted('anomalyMaps');
    if (s.sampleShape.length !== 3) throw invalid('anomaly maps are drawn on images; this detector scores table rows (use explain() for per-column contributions)');
    const input = this.checkSamples(x, 'input', s.sampleShape);
    if (kind === undefined) {
      const e = this.explain(input);
      return { maps: channelMean(e.map), reconstruction: e.reconstruction };
    }
    const errorMap = new ErrorMap({ kind: checkScoreKind(kind), features: sizeOf(s.sampleShape), imageShape: s.sampleShape, smoothingSigma: this.smoothingSigma, dynamicRange: s.dynamicRange });
    return errorMapsOf(this.model, errorMap, input);
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
    const { choice, rule } = calibrateThreshold(this.score(x), labels);
    this.fitted('calibrate').threshold = choice.threshold;
    this.rule = rule;
    return choice;
  }

  /** AUROC, average precision and the decision metrics at the current threshold on labelled data. */
  evaluate(x: Tensor, labels: ArrayLike<number>): DetectorEvaluation {
    return evaluateScores(labels, this.score(x), this.threshold);
  }

  // --- files ---------------------------------------------------------------------
  toModelFile(): ModelFileContents {
    return detectorToModelFile({
      model: this.model,
      score: this.scoreKinds,
      smoothingSigma: this.smoothingSigma,
      latentWeight: this.latentWeight,
      rule: this.rule,
      featureNames: this.featureNames,
      provenance: this.provenance,
      fitted: this.fitted('toModelFile'),
    });
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file'): AnomalyDetector {
    const { settings, provenance } = readDetectorSettings(contents, source);
    let detector: AnomalyDetector;
    try {
      detector = new AnomalyDetector(settings);
    } catch (e) {
      if (e instanceof HourglassError) throw new HourglassError('BAD_FILE', `${source}: ${e.message}`);
      throw e;
    }
    detector.provenance = provenance;
    const fitted = readFittedDetector(contents, source, detector.composition.componentNames, detector.model.latentSize);
    detector.state = { ...fitted, errorMaps: makeErrorMaps(detector.scoreKinds, fitted.sampleShape, detector.smoothingSigma, fitted.dynamicRange) };
    return detector;
  }

  // --- scoring internals ----------------------------------------------------------
  /** Validates a batch of samples and reshapes it to the sample shape (same-size flat rows are accepted). */
  /**
   * What scoring uses, for exporters: the fitted state (statistics, threshold, latent
   * Gaussian) and how the components combine.
   * @internal
   */
  scoringDefinition(): { state: FittedDetector; composition: ScoreComposition } {
    return { state: this.fitted('export'), composition: this.composition };
  }

  private checkSamples(x: Tensor, what: string, shape: Shape = this.sampleShape): Tensor {
    checkTensor(x, what);
    return this.checkFinite(this.checkShape(x, what, shape), what);
  }

  /**
   * The raw components of shape-checked samples. The plain 'mse' score is the model's own
   * reconstruction error (a dense autoencoder's is one fused native kernel: scaling, layers
   * and error, each core its rows); other scores go through the error maps. Values are
   * checked for NaN and infinity only when needed, so that the message names the sample and column.
   */
  private components(x: Tensor, what: string): Record<string, Float32Array> {
    if (this.isComposite || this.scoreKinds[0] !== 'mse') return componentScores({ ...this.scoring(this.state!), x: this.checkFinite(x, what) }).components;
    let mse: Float32Array;
    try {
      mse = this.model.reconstructionError(x, 'mse');
    } catch (e) {
      this.checkFinite(x, what);
      throw e;
    }
    for (let i = 0; i < mse.length; i++)
      if (!Number.isFinite(mse[i])) {
        this.checkFinite(x, what);
        break;
      }
    return { mse };
  }

  private scoring(s: DetectorState) {
    return { model: this.model, kinds: this.scoreKinds, errorMaps: s.errorMaps, latent: s.latent };
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

  private fitted(what: string): DetectorState {
    if (!this.state) throw invalid(`AnomalyDetector.${what}: the detector is not fitted yet; call fit(normalData) first`);
    return this.state;
  }

  /** The sample shape of normal data: an autoencoder's input shape is fixed by its layers; a PCA flattens samples of any shape, so the data's shape is kept. */
  private expectedShape(x: Tensor): Shape {
    checkTensor(x, 'normal data');
    if (!x || !Array.isArray(x.shape) || x.shape.length < 2)
      throw invalid('normal data must be a Tensor with samples along the first axis, [n, features...]');
    return this.model.kind === 'autoencoder' && this.model.sampleShape ? this.model.sampleShape : x.shape.slice(1);
  }
}

function isReconstructor(model: unknown): model is Reconstructor {
  const m = model as Partial<Reconstructor> | null;
  return (
    typeof m === 'object' && m !== null && (m.kind === 'autoencoder' || m.kind === 'pca') &&
    typeof m.fit === 'function' && typeof m.reconstructScaled === 'function' && typeof m.reconstructionError === 'function' && typeof m.toModelFile === 'function'
  );
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
