import { invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Shape, Tensor } from '../../core/tensor.js';
import type { Buffer, Param } from '../../layers/layer.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import { fit, type FitOptions, type TrainingRecord } from '../../train/fit.js';
import type { Network } from '../../train/network.js';
import { calibrateLatent, dequantize, quantize, type LatentCalibration, type StepMode } from './latent-quantizer.js';
import { QuantizationNoiseNetwork } from './quantization-noise.js';
import { PsnrLoss } from './psnr-loss.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

/** How an autoencoder is trained to be a codec (the Codec's options besides the model, bits and coder). */
export interface CodecTrainingSettings {
  /** The codec's default bit depth. */
  bits: number;
  /**
   * Quantisation noise on the bottleneck during training: 'bits' (default) adds noise of
   * one step at `bits`; a [min, max] pair draws a depth per batch; 'none' trains a plain autoencoder.
   */
  noise: 'bits' | 'none' | readonly [number, number];
  /** Quantisation step mode of the codec (and of the training noise); see StepMode. */
  step: StepMode;
  /** Weight of the estimated rate in the training loss (see QuantizationNoiseNetwork). */
  rateWeight: number;
  /** Epochs after the main training at a fifth of its learning rate (with noise). */
  annealEpochs: number;
  /** Epochs of decoder-only training on the quantised training codes after the main training (0: none). */
  decoderEpochs: number;
  /** Fraction of training codes left outside the quantisation range at each end. */
  clip: number;
  /** Training loss: 'psnr' (minus the mean per-image PSNR, what codecs are judged by) or 'mse'. */
  loss: 'psnr' | 'mse';
}

export function checkTrainingSettings(s: CodecTrainingSettings): void {
  if (s.loss !== 'psnr' && s.loss !== 'mse') throw invalid(`codec training loss must be psnr or mse, got '${String(s.loss)}'`);
  if (!Number.isInteger(s.annealEpochs) || s.annealEpochs < 0) throw invalid(`anneal epochs must be a non-negative integer, got ${s.annealEpochs}`);
  if (!Number.isInteger(s.decoderEpochs) || s.decoderEpochs < 0) throw invalid(`decoder epochs must be a non-negative integer, got ${s.decoderEpochs}`);
}

/** What the codec file records about the training, for reports. */
export function trainingSummary(s: CodecTrainingSettings, training: TrainingRecord | null): Record<string, unknown> {
  const { bits, noise, step, rateWeight, loss, annealEpochs, decoderEpochs, clip } = s;
  return {
    bits,
    noise: noise === 'bits' ? bits : noise === 'none' ? null : [...noise],
    step,
    rateWeight,
    loss,
    annealEpochs,
    decoderEpochs,
    clip,
    epochs: training ? training.epochs.length : 0,
    finalLoss: training?.epochs.at(-1)?.loss ?? null,
  };
}

/**
 * Trains `model` on x to be a codec and calibrates it: (1) the autoencoder learns with
 * quantisation noise on its bottleneck, (2) quantisation ranges and histograms are taken
 * from the training codes, (3) optionally the decoder alone is tuned on the quantised
 * training codes it will actually receive.
 */
export async function trainAutoencoderCodec(
  model: Autoencoder,
  x: Tensor,
  s: CodecTrainingSettings,
  options: FitOptions & { onPhase?: (phase: 'anneal' | 'decoder', epochs: number) => void },
): Promise<{ calibration: LatentCalibration; training: TrainingRecord; decoderTraining: TrainingRecord | null }> {
  const { onPhase, ...rest } = options;
  const { bits, noise, decoderEpochs, clip, step, rateWeight, annealEpochs, loss } = s;
  const fitOptions: FitOptions = { ...rest, loss: loss === 'psnr' ? new PsnrLoss() : 'mse' };
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
    onPhase?.('anneal', annealEpochs);
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
    onPhase?.('decoder', decoderEpochs);
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
  return { calibration, training, decoderTraining };
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
