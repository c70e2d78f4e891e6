import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { denseChainTrainStep, type ChainLayer, type Precision } from '../core/native/dense-chain.js';
import { sameShape, shapeToString, sizeOf, sliceRows, type Shape, type Tensor } from '../core/tensor.js';
import { Rng } from '../core/rng.js';
import type { Buffer, Layer, LayerConfig, Param } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { chainMse, denseChainOf } from '../layers/dense-chain.js';
import { layerFromConfig } from '../layers/registry.js';
import type { Network } from '../train/network.js';
import { fit, type FitOptions, type TrainingRecord } from '../train/fit.js';
import { ReconstructionLoss, type Loss, type LossKind } from '../train/loss.js';
import { restoreTrainedModel } from './restore.js';
import { loadModelFile, saveModelFile, type ModelFileContents } from '../io/model-file.js';
import type { Scaler } from '../data/scaler.js';
import { inferenceBatchRows, mapInBatches } from './inference-batch.js';

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
export class Autoencoder implements Network {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly preset: string;
  scaler: Scaler | null;
  training: TrainingRecord | null = null;
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
  get outputShape(): Shape {
    return this.decoder.outputShape;
  }
  get latentShape(): Shape {
    return this.encoder.outputShape;
  }
  get latentSize(): number {
    return sizeOf(this.encoder.outputShape);
  }

  // --- Network (used by fit) -------------------------------------------------
  forward(x: Tensor, training: boolean): Tensor {
    return this.decoder.forward(this.encoder.forward(x, training), training);
  }
  backward(dy: Tensor): void {
    const dz = this.decoder.backward(dy, true);
    this.encoder.backward(dz as Tensor, false);
  }

  /**
   * The layers as one chain of Dense layers with their activations for the fused native
   * kernels (see denseChainOf), or null. Built on each call, a few small objects, so that it
   * always refers to the parameter arrays as they are now.
   */
  denseChain(training: boolean): ChainLayer[] | null {
    return denseChainOf([...this.encoder.layers, ...this.decoder.layers], training);
  }

  /**
   * A dense autoencoder trained under MSE takes one native call per batch
   * (denseChainTrainStep): the batch is split across the cores, each running forward and
   * backward on its rows with single-threaded products, which at these matrix sizes is faster
   * than splitting every product. Anything else (convolutions, dropout, other losses) returns
   * null and trains layer by layer.
   */
  fusedTrainStep(input: Tensor, target: Tensor, loss: Loss, precision: Precision = 'float32'): number | null {
    if (!(loss instanceof ReconstructionLoss) || loss.kind !== 'mse' || input.shape[0] < 1) return null;
    const chain = this.denseChain(true);
    return chain ? denseChainTrainStep(input.data, target.data, input.shape[0], chain, precision) : null;
  }
  params(): Param[] {
    return [...this.encoder.params('encoder.'), ...this.decoder.params('decoder.')];
  }
  buffers(): Buffer[] {
    return [...this.encoder.buffers('encoder.'), ...this.decoder.buffers('decoder.')];
  }

  // --- Public API ------------------------------------------------------------
  /** Trains on x (data units) to reconstruct itself. With a scaler that is not fitted yet, fits it on x first. */
  async fit(x: Tensor, options: FitOptions = {}): Promise<TrainingRecord> {
    const scaled = this.toModelSpace(x, 'training data', true);
    const validationData = options.validationData
      ? { x: this.toModelSpace(options.validationData.x, 'validation data') }
      : undefined;
    this.training = await fit(this, scaled, null, { ...options, validationData });
    return this.training;
  }

  /** Bottleneck codes, [n, ...latentShape]. */
  encode(x: Tensor): Tensor {
    return this.mapInBatches(this.toModelSpace(x, 'input'), this.encoder.outputShape, (b) => this.encoder.forward(b, false));
  }

  /** Reconstructions from codes, in data units. */
  decode(z: Tensor): Tensor {
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

  /** Per-sample reconstruction error (mean over the sample's values; MSE by default). */
  reconstructionError(x: Tensor, metric: LossKind = 'mse'): Float32Array {
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

  /** Mean reconstruction error over a data set. */
  evaluate(x: Tensor, metric: LossKind = 'mse'): number {
    const errors = this.reconstructionError(x, metric);
    let sum = 0;
    for (const e of errors) sum += e;
    return sum / Math.max(1, errors.length);
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
    const tensors = new Map<string, Tensor>();
    for (const p of this.params()) tensors.set(p.name, p.value);
    for (const b of this.buffers()) tensors.set(b.name, b.value);
    return {
      kind: 'autoencoder',
      architecture: this.architecture(),
      tensors,
      extra: { scaler: this.scaler?.toJSON() ?? null, training: this.training },
    };
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file'): Autoencoder {
    if (contents.kind !== 'autoencoder')
      throw new HourglassError('MODEL_MISMATCH', `${source} holds a ${contents.kind} model, not an autoencoder`);
    const arch = contents.architecture as AutoencoderArchitecture;
    if (!arch || !Array.isArray(arch.inputShape) || !Array.isArray(arch.encoder) || !Array.isArray(arch.decoder))
      throw new HourglassError('BAD_FILE', `${source}: architecture must have inputShape, encoder and decoder`);
    return restoreTrainedModel(
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
  }

  async save(path: string): Promise<void> {
    await saveModelFile(path, this.toModelFile());
  }

  static async load(path: string): Promise<Autoencoder> {
    return Autoencoder.fromModelFile(await loadModelFile(path), path);
  }

  // --- internals -------------------------------------------------------------
  /** x as [n, ...inputShape] (flat samples of the right size are reshaped); throws for a wrong size or no samples. */
  private asSamples(x: Tensor, what: string): Tensor {
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
