import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { denseChainTrainStep, type ChainLayer } from '../core/native/dense-chain.js';
import type { Precision } from '../core/types.js';
import { exclusiveFit } from './fit-guard.js';
import { checkTensor, sameShape, shapeToString, sizeOf, sliceRows, type Shape, type Tensor } from '../core/tensor.js';
import { Rng } from '../core/rng.js';
import type { Buffer, Layer, LayerConfig, Param } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { chainMse, denseChainOf } from '../layers/dense-chain.js';
import { layerFromConfig } from '../layers/registry.js';
import { fit, type FitOptions, type TrainingRecord } from '../train/fit.js';
import { ReconstructionLoss, type Loss } from '../train/loss.js';
import type { TrainingState } from '../train/training-state.js';
import type { FusedStepExtras } from '../train/network.js';
import { restoreTrainedModel, trainedModelFile } from './restore.js';
import type { ModelFileContents } from '../io/model-file.js';
import { scalerFromJSON, type Scaler } from '../data/scaler.js';
import { isDataSource, type DataSource } from '../data/data-source.js';
import { inferenceBatchRows, mapInBatches } from './inference-batch.js';
import { reconstructionMetrics, type ErrorMetric, type ReconstructionMetrics, type Reconstructor } from './contract.js';
import { SavedModel, wrongKind } from './saved-model.js';

export interface AutoencoderArchitecture {
  inputShape: number[];
  encoder: LayerConfig[];
  decoder: LayerConfig[];
  /** Name of the preset that built it, for reports ('dense', 'conv', or 'custom'). */
  preset?: string;
}

/**
 * encoder -> bottleneck -> decoder, trained to reproduce its input. Inputs are given in
 * data units; when a scaler is attached, they are scaled before the network and
 * reconstructions are mapped back. Reconstruction errors are measured in the scaled
 * space, the same space the training loss was computed in.
 */
export class Autoencoder extends SavedModel implements Reconstructor {
  readonly kind = 'autoencoder' as const;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly preset: string;
  /** Maps data units to the network's space; fitted by the first fit() when not fitted yet, saved with the model. */
  scaler: Scaler | null;
  /** What the last fit() recorded; restored with the model from a file. */
  history: TrainingRecord | null = null;
  private fitted = false;
  private readonly inferenceBatch: number;

  constructor({ inputShape, encoder, decoder, preset = 'custom', scaler = null, seed = 0, initialize = true }: {
    inputShape: Shape;
    encoder: Layer[];
    decoder: Layer[];
    preset?: string;
    scaler?: Scaler | null;
    seed?: number;
    initialize?: boolean;
  }) {
    super();
    this.encoder = new Sequential(encoder, inputShape);
    this.decoder = new Sequential(decoder, this.encoder.outputShape);
    this.inferenceBatch = inferenceBatchRows(this.encoder, this.decoder);
    if (!sameShape(this.decoder.outputShape, inputShape))
      throw shapeMismatch(`the decoder outputs ${shapeToString(this.decoder.outputShape)} but the input is ${shapeToString(inputShape)}: the decoder must mirror the encoder`);
    this.preset = preset;
    this.scaler = scaler;
    if (initialize) {
      const rng = new Rng(seed);
      this.encoder.initialize(rng);
      this.decoder.initialize(rng);
    }
  }

  get inputShape(): Shape {
    return this.encoder.inputShape;
  }
  /** The shape of one sample, as the Reconstructor contract names it (the same as inputShape). */
  get sampleShape(): Shape {
    return this.encoder.inputShape;
  }
  /** True once fit() has completed, or the model was loaded from a file. */
  get isFitted(): boolean {
    return this.fitted;
  }
  get outputShape(): Shape {
    return this.decoder.outputShape;
  }
  get latentShape(): Shape {
    return this.encoder.outputShape;
  }
  get latentSize(): number {
    return sizeOf(this.encoder.outputShape);
  }

  // --- Network (used by fit; kept off the public declarations) ----------------
  /** @internal */
  forward(x: Tensor, training: boolean): Tensor {
    return this.decoder.forward(this.encoder.forward(x, training), training);
  }
  /** @internal */
  backward(dy: Tensor): void {
    const dz = this.decoder.backward(dy, true);
    this.encoder.backward(dz as Tensor, false);
  }

  /**
   * The layers as one chain of Dense layers with their activations for the fused native
   * kernels (see denseChainOf), or null. Built on each call, a few small objects, so that it
   * always refers to the parameter arrays as they are now.
   * @internal
   */
  denseChain(training: boolean): ChainLayer[] | null {
    return denseChainOf([...this.encoder.layers, ...this.decoder.layers], training);
  }

  /**
   * A dense autoencoder trained under MSE takes one native call per batch
   * (denseChainTrainStep): the batch is split across the cores, each running forward and
   * backward on its rows with single-threaded products, which at these matrix sizes is faster
   * than splitting every product; with `extras` the same call gathers the batch's rows and
   * applies Adam's update. Anything else (convolutions, dropout, other losses) returns null
   * and trains layer by layer.
   * @internal
   */
  fusedTrainStep(input: Tensor, target: Tensor, loss: Loss, precision: Precision = 'float32', extras: FusedStepExtras = {}): number | null {
    const n = extras.rows?.length ?? input.shape[0];
    if (!(loss instanceof ReconstructionLoss) || loss.kind !== 'mse' || n < 1) return null;
    const chain = this.denseChain(true);
    return chain ? denseChainTrainStep(input.data, target.data, n, chain, precision, extras) : null;
  }
  params(): Param[] {
    return [...this.encoder.params('encoder.'), ...this.decoder.params('decoder.')];
  }
  buffers(): Buffer[] {
    return [...this.encoder.buffers('encoder.'), ...this.decoder.buffers('decoder.')];
  }
  /** @internal */
  randomGenerators(): Rng[] {
    return [...this.encoder.randomGenerators(), ...this.decoder.randomGenerators()];
  }

  // --- Public API ------------------------------------------------------------
  /**
   * Trains on x (data units) to reconstruct itself and resolves to the model, its record in
   * `history`. With a scaler that is not fitted yet, fits it on x first. Checkpoints carry the
   * fitted scaler, and resuming from one puts it back.
   */
  async fit(x: Tensor | DataSource, options: FitOptions = {}): Promise<this & { history: TrainingRecord }> {
    return exclusiveFit(this, 'Autoencoder', async () => {
      const saved = options.resumeFrom?.model;
      if (saved && 'scaler' in saved) this.scaler = scalerFromJSON(saved.scaler);
      // A streamed source is trained on as it comes: a scaler would need a pass over all of it first.
      if (isDataSource(x) && this.scaler) throw invalid(`an autoencoder with a ${this.scaler.kind} scaler trains on a tensor; streamed data (a DataSource) needs scaler 'none' (images in [0, 1] need none)`);
      const scaled = isDataSource(x) ? x : this.toModelSpace(x, 'training data', true);
      const validationData = options.validationData
        ? { x: this.toModelSpace(options.validationData.x, 'validation data') }
        : undefined;
      const checkpoint = options.checkpoint && {
        every: options.checkpoint.every,
        save: (state: TrainingState) => options.checkpoint!.save({ ...state, model: { scaler: this.scaler?.toJSON() ?? null } }),
      };
      const history = await fit(this, scaled, null, { ...options, validationData, checkpoint });
      this.markTrained(history);
      return Object.assign(this, { history });
    });
  }

  /**
   * Records a training done outside fit() (e.g. the codec's noisy training, or a denoiser's
   * noisy -> clean training) so that the model counts as fitted and saves the record.
   * @internal
   */
  markTrained(record: TrainingRecord): void {
    this.history = record;
    this.fitted = true;
  }

  /** Bottleneck codes, [n, ...latentShape]. */
  encode(x: Tensor): Tensor {
    return this.mapInBatches(this.toModelSpace(x, 'input'), this.encoder.outputShape, (b) => this.encoder.forward(b, false));
  }

  /** Reconstructions from codes, in data units. */
  decode(z: Tensor): Tensor {
    checkTensor(z, 'codes');
    if (!sameShape(z.shape.slice(1), this.latentShape))
      throw shapeMismatch(`codes have shape ${shapeToString(z.shape)}; this model's bottleneck is [n, ${this.latentShape.join(', ')}]`);
    const out = this.mapInBatches(z, this.inputShape, (b) => this.decoder.forward(b, false));
    return this.scaler ? this.scaler.inverseTransform(out) : out;
  }

  /** decode(encode(x)), in data units. */
  reconstruct(x: Tensor): Tensor {
    const out = this.mapInBatches(this.toModelSpace(x, 'input'), this.inputShape, (b) => this.forward(b, false));
    return this.scaler ? this.scaler.inverseTransform(out) : out;
  }

  /** Per-sample reconstruction error (mean over the sample's values; MSE by default), in the scaled space. */
  reconstructionError(x: Tensor, metric: ErrorMetric = 'mse'): Float32Array {
    // A dense model's MSE takes one native call (scaling, layers and error; each core its rows).
    const chain = metric === 'mse' ? this.denseChain(false) : null;
    const fused = chain ? chainMse(chain, this.scaler, this.asSamples(x, 'input')) : null;
    if (fused) return fused;
    const scaled = this.toModelSpace(x, 'input');
    const loss = new ReconstructionLoss(metric);
    const errors = new Float32Array(x.shape[0]);
    for (let lo = 0; lo < scaled.shape[0]; lo += this.inferenceBatch) {
      const hi = Math.min(scaled.shape[0], lo + this.inferenceBatch);
      const batch = sliceRows(scaled, lo, hi);
      loss.value(this.forward(batch, false), batch, errors.subarray(lo, hi));
    }
    return errors;
  }

  /** Mean squared and absolute reconstruction errors over a data set, in the scaled space. */
  evaluate(x: Tensor): ReconstructionMetrics {
    return reconstructionMetrics(this.reconstructionError(x, 'mse'), this.reconstructionError(x, 'mae'));
  }

  /** @internal See Reconstructor.reconstructScaled. The decoder does not write into its input, so the codes stay valid next to the reconstruction. */
  reconstructScaled(batch: Tensor, wantCodes: boolean): { reconstruction: Float32Array; codes: Float32Array | null } {
    const z = this.encoder.forward(batch, false);
    return { reconstruction: this.decoder.forward(z, false).data, codes: wantCodes ? z.data : null };
  }

  architecture(): AutoencoderArchitecture {
    return {
      inputShape: [...this.inputShape],
      encoder: this.encoder.layers.map((l) => l.config()),
      decoder: this.decoder.layers.map((l) => l.config()),
      preset: this.preset,
    };
  }

  toModelFile(): ModelFileContents {
    return trainedModelFile(this, 'autoencoder', this.architecture());
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file'): Autoencoder {
    if (contents.kind !== 'autoencoder') throw wrongKind(source, contents.kind, 'an autoencoder');
    const arch = contents.architecture as AutoencoderArchitecture;
    if (!arch || !Array.isArray(arch.inputShape) || !Array.isArray(arch.encoder) || !Array.isArray(arch.decoder))
      throw new HourglassError('BAD_FILE', `${source}: architecture must have inputShape, encoder and decoder`);
    const model = restoreTrainedModel(
      contents,
      source,
      () =>
        new Autoencoder({
          inputShape: arch.inputShape,
          encoder: arch.encoder.map(layerFromConfig),
          decoder: arch.decoder.map(layerFromConfig),
          preset: arch.preset,
          initialize: false,
        }),
    );
    model.fitted = true;
    return model;
  }

  // --- internals -------------------------------------------------------------
  /** x as [n, ...inputShape] (flat samples of the right size are reshaped); throws for a wrong size or no samples. */
  private asSamples(x: Tensor, what: string): Tensor {
    checkTensor(x, what);
    if (!sameShape(x.shape.slice(1), this.inputShape)) {
      const got = sizeOf(x.shape.slice(1));
      const want = sizeOf(this.inputShape);
      if (got === want) x = { shape: [x.shape[0], ...this.inputShape], data: x.data };
      else throw shapeMismatch(`${what} has ${got} values per sample (shape ${shapeToString(x.shape)}); this model expects ${want} (shape [n, ${this.inputShape.join(', ')}])`);
    }
    if (x.shape[0] === 0) throw invalid(`${what} is empty`);
    return x;
  }

  private toModelSpace(x: Tensor, what: string, fitScaler = false): Tensor {
    x = this.asSamples(x, what);
    for (let i = 0; i < x.data.length; i++)
      if (!Number.isFinite(x.data[i])) {
        const per = sizeOf(this.inputShape);
        throw new HourglassError('BAD_DATA', `${what} holds ${x.data[i]} at sample ${Math.floor(i / per)}, value ${i % per}: remove or impute non-finite values`);
      }
    if (!this.scaler) return x;
    if (fitScaler && !this.scaler.fitted) this.scaler.fit(x);
    return this.scaler.transform(x);
  }

  private mapInBatches(x: Tensor, outShape: Shape, run: (batch: Tensor) => Tensor): Tensor {
    return mapInBatches(x, outShape, this.inferenceBatch, run);
  }
}
