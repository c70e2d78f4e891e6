import { invalid, shapeMismatch } from '../../core/errors.js';
import { gatherRows, sameShape, shapeToString, sizeOf, tensor, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import type { Param } from '../../layers/layer.js';
import { cloneLayers } from '../../layers/registry.js';
import { Sequential } from '../../layers/sequential.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import type { Classifier } from '../../models/classifier.js';
import type { TrainingRegularizer as GenericRegularizer } from '../../train/regularizer.js';

/** A term added to a classifier's training loss (see src/train/regularizer.ts). */
export type TrainingRegularizer = GenericRegularizer<Classifier>;
import { ReconstructionLoss } from '../../train/loss.js';
import { CrossEntropyLoss, softmax } from '../../train/cross-entropy.js';
import { corrupt, type Corruption } from '../denoise/corruption.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export interface ReconstructionTermOptions {
  /** lambda: the reconstruction MSE's weight next to the cross-entropy. */
  weight: number;
  /** Unlabelled samples per labelled batch. */
  batchSize: number;
  /** Corrupt the unlabelled inputs as in denoising pre-training (the target stays clean); none by default. */
  corruption?: Corruption | null;
  /** 'pretrained' (default) copies the autoencoder's decoder; 'random' draws new weights (for a classifier trained from scratch). */
  decoderWeights?: 'pretrained' | 'random';
  seed?: number;
}

/**
 * Semi-supervised joint fine-tuning: the autoencoder's reconstruction loss on unlabelled
 * samples stays in the objective while the classifier trains,
 *   loss = cross-entropy(labelled batch) + weight * MSE(decoder(encoder(u)), u),
 * u an unlabelled batch drawn from `unlabelled` (data units; the classifier's scaler maps
 * them), so the encoder keeps what pre-training taught it while the head learns from the
 * few labels. The decoder (and any encoder layers the classifier dropped, e.g. a conv
 * encoder's dense waist) are copies of the autoencoder's, trained along; the autoencoder
 * itself is never modified. The encoder is shared: its gradient is the sum of both terms.
 */
export function reconstructionTerm(model: Classifier, autoencoder: Autoencoder, unlabelled: Tensor, options: ReconstructionTermOptions): TrainingRegularizer {
  const { weight, batchSize, corruption = null, decoderWeights = 'pretrained', seed = 0 } = options;
  if (decoderWeights !== 'pretrained' && decoderWeights !== 'random') throw invalid(`decoder weights must be 'pretrained' or 'random', got '${String(decoderWeights)}'`);
  if (!(Number.isFinite(weight) && weight > 0)) throw invalid(`the reconstruction weight must be a positive number, got ${weight}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalid(`the unlabelled batch size must be a positive integer, got ${batchSize}`);
  const source = autoencoder.encoder.layers;
  const depth = model.encoder.layers.length;
  if (depth > source.length || model.encoder.layers.some((l, i) => JSON.stringify(l.config()) !== JSON.stringify(source[i].config())) || !sameShape(model.inputShape, autoencoder.inputShape))
    throw shapeMismatch("the classifier's encoder is not the first layers of this autoencoder's encoder: joint fine-tuning needs the autoencoder the classifier was built from");
  const data = unlabelledInModelSpace(model, unlabelled, 'joint fine-tuning');
  const n = data.shape[0];

  // The rest of the autoencoder after the classifier's encoder layers: copies, trained along.
  const tail = new Sequential(cloneLayers(source.slice(depth)), model.encoder.outputShape);
  const decoder = new Sequential(cloneLayers(autoencoder.decoder.layers), tail.outputShape);
  if (decoderWeights === 'random') {
    const init = new Rng(RANDOM_STREAMS.reconstructionDecoderInit(seed));
    tail.initialize(init);
    decoder.initialize(init);
  }
  const extra = [...tail.params('reconstruction.encoder.'), ...decoder.params('reconstruction.decoder.')];
  const mse = new ReconstructionLoss('mse');
  const size = Math.min(batchSize, n);
  const clean = tensor([size, ...model.inputShape]);
  const noisy = corruption ? tensor(clean.shape) : null;
  const grad = tensor([size, ...model.inputShape]);
  let saved: Float32Array[] | null = null;
  const batches = new UnlabelledBatches(data, size, seed);
  let sum = 0;
  let count = 0;

  return {
    name: `reconstruction(weight ${weight}, batch ${size}${corruption ? `, ${corruption.kind}` : ''})`,
    params: () => extra,
    reset() {
      batches.reset();
      sum = 0;
      count = 0;
    },
    addGradients(m: Classifier): number {
      const encoderParams = m.encoder.params();
      // The classifier's backward pass wrote the encoder's cross-entropy gradient; keep it.
      saved ??= encoderParams.map((p) => new Float32Array(p.grad.data.length));
      encoderParams.forEach((p, i) => saved![i].set(p.grad.data));
      batches.next(clean);
      const input = noisy ? corrupt(clean, corruption!, batches.rng, undefined, noisy) : clean;
      const out = decoder.forward(tail.forward(m.encoder.forward(input, true), true), true);
      const value = mse.value(out, clean);
      mse.gradient(out, clean, grad);
      for (let i = 0; i < grad.data.length; i++) grad.data[i] *= weight;
      const dz = decoder.backward(grad, true) as Tensor;
      const dFeatures = tail.layers.length > 0 ? (tail.backward(dz, true) as Tensor) : dz;
      m.encoder.backward(dFeatures, false);
      encoderParams.forEach((p, i) => {
        const g = p.grad.data;
        const s = saved![i];
        for (let k = 0; k < g.length; k++) g[k] += s[k];
      });
      sum += value;
      count++;
      return weight * value;
    },
    /** Mean reconstruction MSE over the batches since the last reset (for reports). */
    get meanLoss(): number {
      return count ? sum / count : NaN;
    },
  } as TrainingRegularizer & { meanLoss: number };
}

/**
 * L2-SP (Li et al., 2018): alpha * ||w - w0||^2 over the encoder's parameters, w0 their
 * values when the term is made (the pre-trained weights): the encoder may move, but is
 * pulled back towards what pre-training found instead of towards zero.
 */
export function l2spTerm(model: Classifier, { alpha }: { alpha: number }): TrainingRegularizer {
  if (!(Number.isFinite(alpha) && alpha > 0)) throw invalid(`the L2-SP strength must be a positive number, got ${alpha}`);
  const reference = model.encoder.params().map((p) => Float32Array.from(p.value.data));
  return {
    name: `l2-sp(alpha ${alpha})`,
    params: () => [],
    addGradients(m: Classifier): number {
      let value = 0;
      m.encoder.params().forEach((p: Param, i) => {
        const w = p.value.data;
        const g = p.grad.data;
        const w0 = reference[i];
        for (let k = 0; k < w.length; k++) {
          const d = w[k] - w0[k];
          value += d * d;
          g[k] += 2 * alpha * d;
        }
      });
      return alpha * value;
    },
  };
}

export interface PseudoLabelTermOptions {
  /** The pseudo-labelled cross-entropy's weight next to the labelled one (after the ramp). */
  weight: number;
  /** Unlabelled samples per labelled batch. */
  batchSize: number;
  /** Only samples whose most probable class has at least this probability count (0: all, as Lee 2013). */
  threshold?: number;
  /** Steps over which the weight ramps linearly from 0 (0: full weight at once). */
  rampSteps?: number;
  seed?: number;
}

/**
 * Pseudo-labels (Lee, 2013): unlabelled samples count as labelled with the class the
 * classifier itself currently finds most probable,
 *   loss = cross-entropy(labelled batch) + weight * cross-entropy(u, argmax f(u)),
 * recomputed at every step (the labels come from the network in inference mode; the
 * gradient from a training pass, with dropout). With few labels this works best on top
 * of pre-trained features, whose first predictions are already mostly right.
 */
export function pseudoLabelTerm(model: Classifier, unlabelled: Tensor, options: PseudoLabelTermOptions): TrainingRegularizer {
  const { weight, batchSize, threshold = 0, rampSteps = 0, seed = 0 } = options;
  if (!(Number.isFinite(weight) && weight > 0)) throw invalid(`the pseudo-label weight must be a positive number, got ${weight}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalid(`the unlabelled batch size must be a positive integer, got ${batchSize}`);
  if (!(threshold >= 0 && threshold < 1)) throw invalid(`the pseudo-label confidence threshold must be in [0, 1), got ${threshold}`);
  if (!Number.isInteger(rampSteps) || rampSteps < 0) throw invalid(`the ramp must be a whole number of steps >= 0, got ${rampSteps}`);
  const data = unlabelledInModelSpace(model, unlabelled, 'pseudo-labelling');
  const n = data.shape[0];
  const classes = model.classes;
  const size = Math.min(batchSize, n);
  const batch = tensor([size, ...model.inputShape]);
  const targets = tensor([size, classes]);
  const grad = tensor([size, classes]);
  const ce = new CrossEntropyLoss();
  let saved: Float32Array[] | null = null;
  const batches = new UnlabelledBatches(data, size, seed);
  let steps = 0;
  return {
    name: `pseudo-labels(weight ${weight}, batch ${size}${threshold > 0 ? `, threshold ${threshold}` : ''}${rampSteps > 0 ? `, ramp ${rampSteps} steps` : ''})`,
    params: () => [],
    reset() {
      batches.reset();
      steps = 0;
    },
    addGradients(m: Classifier): number {
      const params = m.params();
      saved ??= params.map((p) => new Float32Array(p.grad.data.length));
      params.forEach((p, i) => saved![i].set(p.grad.data));
      batches.next(batch);
      steps++;
      const w = rampSteps > 0 ? weight * Math.min(1, steps / rampSteps) : weight;
      // Pseudo-labels from the network as it is, in inference mode (copied: layer buffers are reused).
      const p = softmax(m.forward(batch, false), targets);
      for (let r = 0; r < size; r++) {
        let best = 0;
        for (let j = 1; j < classes; j++) if (p.data[r * classes + j] > p.data[r * classes + best]) best = j;
        const keep = p.data[r * classes + best] >= threshold;
        for (let j = 0; j < classes; j++) p.data[r * classes + j] = keep && j === best ? 1 : 0;
      }
      const logits = m.forward(batch, true);
      const value = ce.value(logits, targets);
      ce.gradient(logits, targets, grad);
      for (let i = 0; i < grad.data.length; i++) grad.data[i] *= w;
      m.backward(grad);
      params.forEach((q, i) => {
        const g = q.grad.data;
        const s = saved![i];
        for (let k = 0; k < g.length; k++) g[k] += s[k];
      });
      return w * value;
    },
  };
}

/** The unlabelled-data terms that `hourglass finetune` and the benchmark can add while the encoder trains (0 or undefined: off). */
export interface SemiSupervisedTerms {
  reconstructionWeight?: number;
  pseudoLabelWeight?: number;
  pseudoLabelThreshold?: number;
  l2sp?: number;
  /** Unlabelled samples per labelled batch, for reconstruction and pseudo-labels (default 128). */
  unlabelledBatchSize?: number;
}

/** Builds the terms asked for; `init` tells whether the classifier starts from the autoencoder's weights or from random ones. */
export function semiSupervisedTerms(
  model: Classifier,
  autoencoder: Autoencoder,
  unlabelled: Tensor,
  terms: SemiSupervisedTerms,
  { init = 'pretrained', seed = 0 }: { init?: 'pretrained' | 'random'; seed?: number } = {},
): TrainingRegularizer[] {
  const out: TrainingRegularizer[] = [];
  const batchSize = terms.unlabelledBatchSize ?? 128;
  for (const [name, v] of [['reconstruction weight', terms.reconstructionWeight], ['pseudo-label weight', terms.pseudoLabelWeight], ['L2-SP strength', terms.l2sp]] as const)
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw invalid(`the ${name} must be a number >= 0 (0: off), got ${v}`);
  if (terms.reconstructionWeight) out.push(reconstructionTerm(model, autoencoder, unlabelled, { weight: terms.reconstructionWeight, batchSize, decoderWeights: init, seed }));
  if (terms.pseudoLabelWeight)
    out.push(pseudoLabelTerm(model, unlabelled, { weight: terms.pseudoLabelWeight, batchSize, threshold: terms.pseudoLabelThreshold ?? 0.95, seed: RANDOM_STREAMS.pseudoLabel(seed) }));
  if (terms.l2sp) {
    if (init === 'random') throw invalid('L2-SP pulls the encoder towards its pre-trained weights; a classifier from random weights has none (drop --l2sp or use --init pretrained)');
    out.push(l2spTerm(model, { alpha: terms.l2sp }));
  }
  return out;
}

/** The unlabelled samples as [n, ...input shape], scaled as the model scales; `purpose` names the caller in errors. */
function unlabelledInModelSpace(model: Classifier, unlabelled: Tensor, purpose: string): Tensor {
  const n = unlabelled.shape[0];
  if (n < 1) throw invalid(`${purpose} needs unlabelled samples, got none`);
  if (sizeOf(unlabelled.shape.slice(1)) !== sizeOf(model.inputShape))
    throw shapeMismatch(`unlabelled data has shape ${shapeToString(unlabelled.shape)}; the model expects [n, ${model.inputShape.join(', ')}]`);
  const data: Tensor = { shape: [n, ...model.inputShape], data: unlabelled.data };
  return model.scaler ? model.scaler.transform(data) : data;
}

/**
 * Batches of unlabelled rows drawn without replacement in a seeded order, reshuffled when the
 * data runs out; reset() starts the same sequence again. `rng` is the stream the order comes
 * from, shared with whatever else the regularizer draws (the corruption of its inputs).
 */
class UnlabelledBatches {
  rng!: Rng;
  private order!: Uint32Array;
  private cursor = 0;

  constructor(
    private readonly data: Tensor,
    private readonly size: number,
    private readonly seed: number,
  ) {
    this.reset();
  }

  reset(): void {
    this.rng = new Rng(this.seed);
    this.order = this.rng.permutation(this.data.shape[0]);
    this.cursor = 0;
  }

  /** Fills `out` ([size, ...sample shape]) with the next batch. */
  next(out: Tensor): void {
    if (this.cursor + this.size > this.data.shape[0]) {
      this.order = this.rng.permutation(this.data.shape[0]);
      this.cursor = 0;
    }
    gatherRows(this.data, this.order.subarray(this.cursor, this.cursor + this.size), out);
    this.cursor += this.size;
  }
}
