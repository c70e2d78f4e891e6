import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { checkTensor, sameShape, shapeToString, sizeOf, type Shape, type Tensor } from '../core/tensor.js';
import { exclusiveFit } from './fit-guard.js';
import { Rng } from '../core/rng.js';
import type { Buffer, Layer, LayerConfig, Param } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { layerFromConfig } from '../layers/registry.js';
import type { Network } from '../train/network.js';
import { RegularizedNetwork, type TrainingRegularizer } from '../train/regularizer.js';
import { fit, type FitOptions, type TrainingRecord } from '../train/fit.js';
import type { BatchAugmentation } from '../train/image-shift.js';
import { CrossEntropyLoss, checkLabels, oneHot, softmax } from '../train/cross-entropy.js';
import { classificationMetrics, type ClassificationMetrics } from '../metrics/classification.js';
import { restoreTrainedModel, trainedModelFile } from './restore.js';
import type { ModelFileContents } from '../io/model-file.js';
import type { Model } from './contract.js';
import { SavedModel, wrongKind } from './saved-model.js';
import type { Scaler } from '../data/scaler.js';
import { inferenceBatchRows, mapInBatches } from './inference-batch.js';

/**
 * How `fit` treats the encoder (saved with the model, so a loaded classifier goes on training
 * the way it was set up):
 * - 'frozen': a linear probe (or small-MLP probe): the encoder's weights never change and it
 *   runs in inference mode (no dropout, fixed normalisation statistics);
 * - 'full': every weight trains at the optimizer's learning rate;
 * - 'discriminative': the encoder trains at `encoderLearningRateScale` times that rate, so
 *   the head can adapt quickly while the pre-trained features move slowly.
 */
export type FineTuneMode = 'frozen' | 'full' | 'discriminative';
export const FINE_TUNE_MODES: readonly FineTuneMode[] = ['frozen', 'full', 'discriminative'];

export interface ClassifierArchitecture {
  inputShape: number[];
  encoder: LayerConfig[];
  head: LayerConfig[];
  classNames: string[];
}

export interface ClassifierFitOptions extends Omit<FitOptions, 'loss' | 'validationData'> {
  /** Held-out data with its labels (integers, or one-hot rows), the same shape as every model's validationData. */
  validationData?: { x: Tensor; y: ArrayLike<number> | Tensor };
  /**
   * Extra terms added to the cross-entropy while the encoder trains (e.g. the autoencoder's
   * reconstruction loss on unlabelled data, or L2-SP; src/apps/finetune/regularizers.ts).
   * Refused in frozen mode, where the encoder does not train.
   */
  regularizers?: readonly TrainingRegularizer<Classifier>[];
  /**
   * Alters every training batch in data units, before the input scaler (e.g.
   * randomImageShift); validation data stays as it is. Runs before `transformInput`.
   */
  augment?: BatchAugmentation;
}

/**
 * An encoder with a classification head: inputs (data units; scaled by the model's scaler)
 * -> encoder -> head -> logits, one per class. Built from any layers; to build one on a
 * pre-trained autoencoder's encoder, see `classifierFromAutoencoder` (src/apps/finetune). Trained with softmax
 * cross-entropy; predictProba applies the softmax. Saved as an hourglass model file of
 * kind 'classifier' with tensors 'encoder.N.*' and 'head.N.*'.
 */
export class Classifier extends SavedModel implements Model<[Tensor, ArrayLike<number> | Tensor, ClassifierFitOptions?], [Tensor, ArrayLike<number>], ClassificationMetrics> {
  readonly kind = 'classifier' as const;
  readonly encoder: Sequential;
  readonly head: Sequential;
  readonly classNames: readonly string[];
  scaler: Scaler | null;
  /** What the last fit() recorded; restored with the model from a file. */
  history: TrainingRecord | null = null;
  private fitted = false;
  private modeValue: FineTuneMode = 'full';
  /** Rows per inference batch, sized by the activations (inference-batch.ts). */
  private readonly inferenceBatch: number;
  private encoderScale = 0.1;

  constructor({ inputShape, encoder, head, classNames, mode = 'full', encoderLearningRateScale = 0.1, scaler = null, seed = 0, initialize = true }: {
    inputShape: Shape;
    encoder: Layer[];
    head: Layer[];
    classNames: readonly string[];
    mode?: FineTuneMode;
    encoderLearningRateScale?: number;
    scaler?: Scaler | null;
    seed?: number;
    initialize?: boolean;
  }) {
    super();
    if (!Array.isArray(classNames) || classNames.length < 2)
      throw invalid(`a classifier needs at least 2 classes, got ${Array.isArray(classNames) ? classNames.length : String(classNames)}`);
    this.encoder = new Sequential(encoder, inputShape);
    this.head = new Sequential(head, this.encoder.outputShape);
    this.inferenceBatch = inferenceBatchRows(this.encoder, this.head);
    if (!sameShape(this.head.outputShape, [classNames.length]))
      throw shapeMismatch(`the head outputs ${shapeToString(this.head.outputShape)} but there are ${classNames.length} classes: its last layer must have one unit per class`);
    this.classNames = [...classNames];
    this.scaler = scaler;
    this.setMode(mode, encoderLearningRateScale);
    if (initialize) {
      const rng = new Rng(seed);
      this.encoder.initialize(rng);
      this.head.initialize(rng);
    }
  }

  get mode(): FineTuneMode {
    return this.modeValue;
  }
  get encoderLearningRateScale(): number {
    return this.modeValue === 'frozen' ? 0 : this.modeValue === 'full' ? 1 : this.encoderScale;
  }
  get classes(): number {
    return this.classNames.length;
  }
  get inputShape(): Shape {
    return this.encoder.inputShape;
  }
  get outputShape(): Shape {
    return this.head.outputShape;
  }
  get featureShape(): Shape {
    return this.encoder.outputShape;
  }

  /** Changes how the next fit() treats the encoder (e.g. a linear probe first, then full fine-tuning). */
  setMode(mode: FineTuneMode, encoderLearningRateScale = this.encoderScale): void {
    if (!FINE_TUNE_MODES.includes(mode)) throw invalid(`fine-tuning mode must be one of ${FINE_TUNE_MODES.join(', ')}, got '${String(mode)}'`);
    if (!(encoderLearningRateScale > 0 && encoderLearningRateScale <= 1))
      throw invalid(`the encoder's learning-rate scale must be in (0, 1], got ${encoderLearningRateScale}`);
    this.modeValue = mode;
    this.encoderScale = encoderLearningRateScale;
  }

  // --- Network (used by fit; kept off the public declarations) ----------------
  /** @internal */
  forward(x: Tensor, training: boolean): Tensor {
    const features = this.encoder.forward(x, training && this.modeValue !== 'frozen');
    return this.head.forward(features, training);
  }
  /** @internal */
  backward(dy: Tensor): void {
    // A frozen encoder needs no gradients: backpropagation stops at the head.
    const frozen = this.modeValue === 'frozen';
    const dz = this.head.backward(dy, !frozen);
    if (!frozen) this.encoder.backward(dz as Tensor, false);
  }
  params(): Param[] {
    const scale = this.encoderLearningRateScale;
    return [...this.encoder.params('encoder.').map((p) => ({ ...p, learningRateScale: scale })), ...this.head.params('head.')];
  }
  buffers(): Buffer[] {
    return [...this.encoder.buffers('encoder.'), ...this.head.buffers('head.')];
  }
  randomGenerators(): Rng[] {
    return [...this.encoder.randomGenerators(), ...this.head.randomGenerators()];
  }

  // --- Public API ------------------------------------------------------------
  /**
   * Trains on x (data units) with labels (integers in [0, classes)) or one-hot targets
   * [n, classes], minimising softmax cross-entropy.
   */
  async fit(x: Tensor, labels: ArrayLike<number> | Tensor, options: ClassifierFitOptions = {}): Promise<this & { history: TrainingRecord }> {
    return exclusiveFit(this, 'Classifier', () => this.fitOnce(x, labels, options));
  }

  private async fitOnce(x: Tensor, labels: ArrayLike<number> | Tensor, options: ClassifierFitOptions): Promise<this & { history: TrainingRecord }> {
    const scaled = this.toModelSpace(x, 'training data', true);
    const targets = this.targets(labels, scaled.shape[0], 'training labels');
    const validation = options.validationData
      ? {
          x: this.toModelSpace(options.validationData.x, 'validation data'),
          y: this.targets(options.validationData.y, options.validationData.x.shape[0], 'validation labels'),
        }
      : undefined;
    const loss = new CrossEntropyLoss();
    let history: TrainingRecord;
    const { augment, ...rest } = options;
    options = { ...rest, transformInput: this.augmentedInput(augment, options.transformInput) };
    const regularizers = options.regularizers ?? [];
    if (regularizers.length > 0) {
      if (this.modeValue === 'frozen')
        throw invalid(`regularizers (${regularizers.map((r) => r.name).join(', ')}) act on the encoder, which does not train in frozen mode; use mode 'full' or 'discriminative'`);
      for (const r of regularizers) r.reset?.();
      const { regularizers: _, ...fitOptions } = options;
      history = await fit(new RegularizedNetwork(this, regularizers), scaled, targets, { ...fitOptions, loss, validationData: validation });
      history.options.regularizers = regularizers.map((r) => r.name);
    } else if (this.modeValue === 'frozen' && !options.transformInput) {
      // The frozen encoder is a fixed function in inference mode: computing the features
      // once and training the head on them gives the same result, epochs times faster.
      const head = new HeadNetwork(this.head);
      const valFeatures = validation ? { x: this.features(validation.x), y: validation.y } : undefined;
      history = await fit(head, this.features(scaled), targets, { ...options, loss, validationData: valFeatures });
    } else {
      history = await fit(this, scaled, targets, { ...options, loss, validationData: validation });
    }
    history.options.mode = this.modeValue;
    history.options.encoderLearningRateScale = this.encoderLearningRateScale;
    if (augment) history.options.augment = augment.spec;
    this.history = history;
    this.fitted = true;
    return Object.assign(this, { history });
  }

  /** The batch transform fit applies: the augmentation in data units (undoing and redoing the scaler around it), then `transformInput`. */
  private augmentedInput(augment: BatchAugmentation | undefined, then: FitOptions['transformInput']): FitOptions['transformInput'] {
    if (!augment) return then;
    const scaler = this.scaler;
    return (batch, rng) => {
      const augmented = scaler ? scaler.transform(augment(scaler.inverseTransform(batch), rng)) : augment(batch, rng);
      return then ? then(augmented, rng) : augmented;
    };
  }

  /** The encoder's output for each sample, [n, ...featureShape] (what the head sees). */
  encode(x: Tensor): Tensor {
    return this.features(this.toModelSpace(x, 'input'));
  }

  /** Logits, [n, classes]. */
  logits(x: Tensor): Tensor {
    const scaled = this.toModelSpace(x, 'input');
    return mapInBatches(scaled, this.outputShape, this.inferenceBatch, (b) => this.forward(b, false));
  }

  /** Class probabilities (softmax of the logits), [n, classes]. */
  predictProba(x: Tensor): Tensor {
    return softmax(this.logits(x));
  }

  /** The most probable class of each sample. */
  predict(x: Tensor): Uint32Array {
    return argmaxRows(this.logits(x));
  }

  /** Accuracy, per-class precision/recall, confusion matrix and mean cross-entropy on labelled data. */
  evaluate(x: Tensor, labels: ArrayLike<number>): ClassificationMetrics {
    if (labels.length !== x.shape[0]) throw shapeMismatch(`${x.shape[0]} samples but ${labels.length} labels; give one label per sample`);
    checkLabels(labels, this.classes);
    const logits = this.logits(x);
    const metrics = classificationMetrics(labels, argmaxRows(logits), this.classNames);
    metrics.loss = new CrossEntropyLoss().value(logits, oneHot(labels, this.classes));
    return metrics;
  }

  architecture(): ClassifierArchitecture {
    return {
      inputShape: [...this.inputShape],
      encoder: this.encoder.layers.map((l) => l.config()),
      head: this.head.layers.map((l) => l.config()),
      classNames: [...this.classNames],
    };
  }

  toModelFile(): ModelFileContents {
    return trainedModelFile(this, 'classifier', this.architecture(), {
      finetune: { mode: this.modeValue, encoderLearningRateScale: this.encoderScale },
    });
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file'): Classifier {
    if (contents.kind !== 'classifier') throw wrongKind(source, contents.kind, 'a classifier', "train one with 'hourglass finetune'");
    const arch = contents.architecture as ClassifierArchitecture;
    if (!arch || !Array.isArray(arch.inputShape) || !Array.isArray(arch.encoder) || !Array.isArray(arch.head) || !Array.isArray(arch.classNames))
      throw new HourglassError('BAD_FILE', `${source}: a classifier's architecture must have inputShape, encoder, head and classNames`);
    if (arch.classNames.some((n) => typeof n !== 'string')) throw new HourglassError('BAD_FILE', `${source}: classNames must be strings`);
    const finetune = (contents.extra?.finetune ?? {}) as { mode?: FineTuneMode; encoderLearningRateScale?: number };
    const model = restoreTrainedModel(
      contents,
      source,
      () =>
        new Classifier({
          inputShape: arch.inputShape,
          encoder: arch.encoder.map(layerFromConfig),
          head: arch.head.map(layerFromConfig),
          classNames: arch.classNames,
          mode: FINE_TUNE_MODES.includes(finetune.mode as FineTuneMode) ? finetune.mode : 'full',
          encoderLearningRateScale: finetune.encoderLearningRateScale ?? 0.1,
          initialize: false,
        }),
    );
    model.fitted = true;
    return model;
  }

  /** True once fit() has completed, or the model was loaded from a file. */
  get isFitted(): boolean {
    return this.fitted;
  }


  // --- internals -------------------------------------------------------------
  private features(scaled: Tensor): Tensor {
    return mapInBatches(scaled, this.encoder.outputShape, this.inferenceBatch, (b) => this.encoder.forward(b, false));
  }

  private targets(labels: ArrayLike<number> | Tensor, n: number, what: string): Tensor {
    if (isTensor(labels)) {
      if (!sameShape(labels.shape, [n, this.classes]))
        throw shapeMismatch(`${what} have shape ${shapeToString(labels.shape)}; expected one-hot rows [${n}, ${this.classes}] or one label per sample`);
      return labels;
    }
    if (labels.length !== n) throw shapeMismatch(`${n} samples but ${labels.length} ${what}; give one label per sample`);
    checkLabels(labels, this.classes, what);
    return oneHot(labels, this.classes);
  }

  private toModelSpace(x: Tensor, what: string, fitScaler = false): Tensor {
    checkTensor(x, what);
    if (!sameShape(x.shape.slice(1), this.inputShape)) {
      const got = sizeOf(x.shape.slice(1));
      const want = sizeOf(this.inputShape);
      if (got === want) x = { shape: [x.shape[0], ...this.inputShape], data: x.data };
      else throw shapeMismatch(`${what} has ${got} values per sample (shape ${shapeToString(x.shape)}); this model expects ${want} (shape [n, ${this.inputShape.join(', ')}])`);
    }
    if (x.shape[0] === 0) throw invalid(`${what} is empty`);
    const per = sizeOf(this.inputShape);
    for (let i = 0; i < x.data.length; i++)
      if (!Number.isFinite(x.data[i]))
        throw new HourglassError('BAD_DATA', `${what} holds ${x.data[i]} at sample ${Math.floor(i / per)}, value ${i % per}: remove or impute non-finite values`);
    if (!this.scaler) return x;
    if (fitScaler && !this.scaler.fitted) this.scaler.fit(x);
    return this.scaler.transform(x);
  }
}

/** The head alone as a Network, trained on precomputed features when the encoder is frozen. */
class HeadNetwork implements Network {
  constructor(private readonly head: Sequential) {}
  get inputShape(): Shape {
    return this.head.inputShape;
  }
  get outputShape(): Shape {
    return this.head.outputShape;
  }
  forward(x: Tensor, training: boolean): Tensor {
    return this.head.forward(x, training);
  }
  backward(dy: Tensor): void {
    this.head.backward(dy, false);
  }
  params(): Param[] {
    return this.head.params('head.');
  }
  buffers(): Buffer[] {
    return this.head.buffers('head.');
  }
  randomGenerators(): Rng[] {
    return this.head.randomGenerators();
  }
}


export function argmaxRows(t: Tensor): Uint32Array {
  const rows = t.shape[0];
  const k = sizeOf(t.shape.slice(1));
  const out = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (t.data[r * k + j] > t.data[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'data' in x && (x as Tensor).data instanceof Float32Array;
}

