import { invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Shape, Tensor } from '../../core/tensor.js';
import type { Buffer, Param } from '../../layers/layer.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import { fit, type FitOptions, type TrainingRecord } from '../../train/fit.js';
import type { Network } from '../../train/network.js';
import { Codec, DEFAULT_CODER } from './codec.js';
import type { EntropyCoderName } from './hgc-container.js';
import { calibrateLatent, checkBits, dequantize, quantize } from './latent-quantizer.js';
import { QuantizationNoiseNetwork } from './quantization-noise.js';

export interface CodecTrainingOptions {
  /** The codec's default bit depth. */
  bits: number;
  /**
   * Quantisation noise on the bottleneck during training: 'bits' (default) adds noise of
   * one step at `bits`; a [min, max] pair draws a depth per batch; 'none' trains a plain autoencoder.
   */
  noise?: 'bits' | 'none' | readonly [number, number];
  /** Epochs of decoder-only training on the quantised training codes after the main training (0: none). */
  decoderEpochs?: number;
  /** Fraction of training codes left outside the quantisation range at each end. */
  clip?: number;
  coder?: EntropyCoderName;
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
  const { noise = 'bits', decoderEpochs = 0, clip = 0.001, coder = DEFAULT_CODER } = options;
  const fitOptions = options.fit ?? {};
  if (!Number.isInteger(decoderEpochs) || decoderEpochs < 0) throw invalid(`decoder epochs must be a non-negative integer, got ${decoderEpochs}`);
  let training: TrainingRecord;
  if (noise === 'none') {
    training = await model.fit(x, fitOptions);
  } else {
    // Scaling as Autoencoder.fit does it, then the noisy network in its place.
    if (model.scaler && !model.scaler.fitted) model.scaler.fit(x);
    const scaled = model.scaler ? model.scaler.transform(x) : x;
    const validationData = fitOptions.validationData
      ? { x: model.scaler ? model.scaler.transform(fitOptions.validationData.x) : fitOptions.validationData.x }
      : undefined;
    const depth = noise === 'bits' ? bits : noise;
    const network = new QuantizationNoiseNetwork(model, depth, new Rng((fitOptions.seed ?? 0) ^ 0x5eed));
    training = await fit(network, scaled, null, { ...fitOptions, validationData });
    model.training = training;
  }
  const calibration = calibrateLatent(model.encode(x), clip);

  let decoderTraining: TrainingRecord | null = null;
  if (decoderEpochs > 0) {
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
