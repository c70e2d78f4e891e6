import { invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Shape, Tensor } from '../../core/tensor.js';
import type { Buffer, Param } from '../../layers/layer.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import { fit, type FitOptions, type TrainingRecord } from '../../train/fit.js';
import type { Network } from '../../train/network.js';
import { Codec, DEFAULT_CODER } from './codec.js';
import type { EntropyCoderName } from './hgc-container.js';
import { calibrateLatent, checkBits, dequantize, quantize, type StepMode } from './latent-quantizer.js';
import { QuantizationNoiseNetwork } from './quantization-noise.js';
import { PsnrLoss } from './psnr-loss.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export interface CodecTrainingOptions {
  /** The codec's default bit depth. */
  bits: number;
  /**
   * Quantisation noise on the bottleneck during training: 'bits' (default) adds noise of
   * one step at `bits`; a [min, max] pair draws a depth per batch; 'none' trains a plain autoencoder.
   */
  noise?: 'bits' | 'none' | readonly [number, number];
  /** Quantisation step mode of the codec (and of the training noise); see StepMode. */
  step?: StepMode;
  /** Weight of the estimated rate in the training loss (see QuantizationNoiseNetwork); 0 by default. */
  rateWeight?: number;
  /** Epochs after the main training at a fifth of its learning rate (with noise). */
  annealEpochs?: number;
  /** Epochs of decoder-only training on the quantised training codes after the main training (0: none). */
  decoderEpochs?: number;
  /** Fraction of training codes left outside the quantisation range at each end. */
  clip?: number;
  coder?: EntropyCoderName;
  /** Training loss: 'psnr' (minus the mean per-image PSNR, what codecs are judged by; default) or 'mse'. */
  loss?: 'psnr' | 'mse';
  /** Called before the annealing and decoder-only phases start (progress output). */
  onPhase?: (phase: 'anneal' | 'decoder', epochs: number) => void;
  /** Options of the main training (epochs, batch size, learning rate, ...), as for Autoencoder.fit. */
  fit?: FitOptions;
}

export interface CodecTrainingResult {
  codec: Codec;
  training: TrainingRecord;
  decoderTraining: TrainingRecord | null;
}

/**
 * Trains `model` on x to be a codec and calibrates it: (1) the autoencoder learns with
 * quantisation noise on its bottleneck, (2) quantisation ranges and histograms are taken
 * from the training codes, (3) optionally the decoder alone is tuned on the quantised
 * training codes it will actually receive.
 */
export async function trainCodec(model: Autoencoder, x: Tensor, options: CodecTrainingOptions): Promise<CodecTrainingResult> {
  const bits = checkBits(options.bits);
  const { noise = 'bits', decoderEpochs = 0, clip = 0.001, coder = DEFAULT_CODER, step = 'per-dimension', rateWeight = 0, annealEpochs = 0, loss = 'psnr' } = options;
  if (loss !== 'psnr' && loss !== 'mse') throw invalid(`codec training loss must be psnr or mse, got '${String(loss)}'`);
  const fitOptions: FitOptions = { ...options.fit, loss: loss === 'psnr' ? new PsnrLoss() : 'mse' };
  if (!Number.isInteger(annealEpochs) || annealEpochs < 0) throw invalid(`anneal epochs must be a non-negative integer, got ${annealEpochs}`);
  if (!Number.isInteger(decoderEpochs) || decoderEpochs < 0) throw invalid(`decoder epochs must be a non-negative integer, got ${decoderEpochs}`);
  // Scaling as Autoencoder.fit does it, then the (noisy) network in the model's place.
  if (model.scaler && !model.scaler.fitted) model.scaler.fit(x);
  const scaled = model.scaler ? model.scaler.transform(x) : x;
  const validationData = fitOptions.validationData
    ? { x: model.scaler ? model.scaler.transform(fitOptions.validationData.x) : fitOptions.validationData.x }
    : undefined;
  const network: Network =
    noise === 'none' ? model : new QuantizationNoiseNetwork(model, { bits: noise === 'bits' ? bits : noise, step, rateWeight }, new Rng(RANDOM_STREAMS.quantizationNoise(fitOptions.seed ?? 0)));
  let training = await fit(network, scaled, null, { ...fitOptions, validationData });
  if (annealEpochs > 0) {
    options.onPhase?.('anneal', annealEpochs);
    // A few epochs at a fifth of the learning rate settle Adam's noisy last steps.
    const annealed = await fit(network, scaled, null, {
      ...fitOptions,
      validationData,
      epochs: annealEpochs,
      learningRate: (fitOptions.learningRate ?? 1e-3) / 5,
      seed: (fitOptions.seed ?? 0) + 1,
    });
    const offset = training.epochs.length;
    training = {
      ...annealed,
      epochs: [...training.epochs, ...annealed.epochs.map((e) => ({ ...e, epoch: e.epoch + offset }))],
      bestEpoch: annealed.bestEpoch + offset,
      seconds: training.seconds + annealed.seconds,
    };
  }
  model.markTrained(training);
  const calibration = calibrateLatent(model.encode(x), { clip, step });

  let decoderTraining: TrainingRecord | null = null;
  if (decoderEpochs > 0) {
    options.onPhase?.('decoder', decoderEpochs);
    const codes = model.encode(x);
    const quantized = dequantize(quantize(codes, calibration, bits), calibration, bits, codes.shape);
    const target = model.scaler ? model.scaler.transform(x) : x;
    decoderTraining = await fit(new DecoderNetwork(model), quantized, { shape: [x.shape[0], ...model.inputShape], data: target.data }, {
      ...fitOptions,
      epochs: decoderEpochs,
      validationData: undefined,
      validationSplit: undefined,
      earlyStopping: undefined,
    });
  }
  const record = {
    bits,
    noise: noise === 'bits' ? bits : noise === 'none' ? null : [...noise],
    step,
    rateWeight,
    loss,
    annealEpochs,
    decoderEpochs,
    clip,
    epochs: training.epochs.length,
    finalLoss: training.epochs.at(-1)?.loss ?? null,
  };
  return { codec: new Codec(model, calibration, { bits, coder, training: record }), training, decoderTraining };
}

/** The decoder alone, trained from codes to images while the encoder stays as it is. */
class DecoderNetwork implements Network {
  constructor(private readonly model: Autoencoder) {}
  get inputShape(): Shape {
    return this.model.latentShape;
  }
  get outputShape(): Shape {
    return this.model.outputShape;
  }
  forward(x: Tensor, training: boolean): Tensor {
    return this.model.decoder.forward(x, training);
  }
  backward(dy: Tensor): void {
    this.model.decoder.backward(dy, false);
  }
  params(): Param[] {
    return this.model.decoder.params('decoder.');
  }
  buffers(): Buffer[] {
    return this.model.decoder.buffers('decoder.');
  }
}
