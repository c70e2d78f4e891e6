import { HourglassError, invalid, shapeMismatch } from '../../core/errors.js';
import { exclusiveFit } from '../../models/fit-guard.js';
import { checkTensor } from '../../core/tensor.js';
import { sameShape, shapeToString, sizeOf, type Shape, type Tensor } from '../../core/tensor.js';
import type { ModelFileContents } from '../../io/model-file.js';
import { meanSquaredError, psnr } from '../../metrics/psnr.js';
import { Autoencoder } from '../../models/autoencoder.js';
import type { Model, Reconstructor } from '../../models/contract.js';
import { reconstructorFromModelFile } from '../../models/reconstructor-file.js';
import { SavedModel } from '../../models/saved-model.js';
import type { FitOptions, TrainingRecord } from '../../train/fit.js';
import { checkTrainingSettings, trainAutoencoderCodec, trainingSummary, type CodecTrainingSettings } from './codec-training.js';
import { decodeHgc, encodeHgc, ENTROPY_CODERS, type EntropyCoderName, type HgcHeader } from './hgc-container.js';
import { calibrateLatent, checkBits, checkCalibration, checkStepMode, dequantize, quantize, type LatentCalibration, type StepMode } from './latent-quantizer.js';
import { LatentCoders } from './latent-coders.js';
import { hashToHex, modelHash } from './model-hash.js';

/** The entropy coder used unless another is asked for: it wins the rate-distortion benchmark (docs/compression.md). */
export const DEFAULT_CODER: EntropyCoderName = 'range';
/** Model files keep the codec's state under this `__metadata__` key. */
export const CODEC_METADATA_KEY = 'codec';
/** Most values a single file may announce, so a crafted header cannot ask for gigabytes. */
const MAX_DECODED_VALUES = 2 ** 28;

export interface CodecOptions<M extends Reconstructor = Reconstructor> {
  /** The encoder and decoder: an autoencoder (trained with quantisation noise by fit) or a PCA (fitted in closed form). */
  model: M;
  /** Bits per latent value (1..12): the codec's default bit depth, the one an autoencoder is trained for. */
  bits: number;
  coder?: EntropyCoderName;
  /** Quantisation step mode of the codec (and of the training noise); default 'per-dimension'. */
  step?: StepMode;
  /** Fraction of training codes left outside the quantisation range at each end (default 0.001). */
  clip?: number;
  /**
   * Autoencoder training: quantisation noise on the bottleneck. 'bits' (default) adds noise of
   * one step at `bits`; a [min, max] pair draws a depth per batch; 'none' trains a plain autoencoder.
   */
  noise?: 'bits' | 'none' | readonly [number, number];
  /** Autoencoder training: weight of the estimated rate in the loss (default 0). */
  rateWeight?: number;
  /** Autoencoder training: epochs after the main training at a fifth of its learning rate (default 0). */
  annealEpochs?: number;
  /** Autoencoder training: epochs of decoder-only training on the quantised training codes (default 0). */
  decoderEpochs?: number;
  /** Autoencoder training loss: 'psnr' (default; minus the mean per-image PSNR) or 'mse'. */
  loss?: 'psnr' | 'mse';
  /** Quantisation ranges and histograms already learned (a codec read from a file); fit or calibrate learn them otherwise. */
  calibration?: LatentCalibration;
  /** What the model file records about the codec's training, for reports. */
  training?: Record<string, unknown>;
}

/** Bit depth and coder chosen when a codec is loaded (or derived with `with`), overriding the stored ones. */
export interface CodecLoadOptions {
  bits?: number;
  coder?: EntropyCoderName;
}

export interface CodecFitOptions extends FitOptions {
  /** Called before an autoencoder's annealing and decoder-only phases start (progress output). */
  onPhase?: (phase: 'anneal' | 'decoder', epochs: number) => void;
}

/** What `Codec.evaluate` returns: the samples compressed into one .hgc file and decoded back. */
export interface CodecMetrics {
  samples: number;
  /** Size of the file holding all samples (header and checksum included). */
  bytes: number;
  bytesPerSample: number;
  bitsPerSample: number;
  /** The samples as float32 values (4 bytes each) divided by the file's bytes. */
  compressionRatio: number;
  /** Mean over samples of the per-sample mean squared error of the decoded values (data units). */
  mse: number;
  /** Mean over samples of each sample's PSNR in dB, peak 1 (values in [0, 1], e.g. images). */
  psnr: number;
}

/** What a model file stores about its codec, besides the model itself. */
export interface CodecMetadata {
  calibration: LatentCalibration;
  /** Bit depth used when none is given (the one the model was trained with noise for). */
  bits: number;
  coder: EntropyCoderName;
  /** How the model was trained for compression, for reports. */
  training?: Record<string, unknown>;
}

/**
 * A lossy compressor made of a Reconstructor: encoder -> latent quantised to `bits` per value
 * over ranges learned from the training codes -> entropy coder -> .hgc bytes; decode reverses
 * it and runs the decoder. encode(x) of a batch [n, ...] makes one file holding all n
 * samples; compress images one by one for one file per image.
 *
 * `fit(x)` trains an autoencoder with quantisation noise (a PCA is fitted in closed form) and
 * calibrates; `calibrate(x)` calibrates a model trained elsewhere.
 */
export class Codec<M extends Reconstructor = Reconstructor> extends SavedModel implements Model<[Tensor, CodecFitOptions?], [Tensor], CodecMetrics> {
  readonly kind = 'codec' as const;
  readonly model: M;
  readonly bits: number;
  readonly coder: EntropyCoderName;
  /** What the model file records about the codec's training (settings, epochs), for reports. */
  training: Record<string, unknown> | undefined;
  /** The record of the decoder-only phase of the last fit, if it had one. */
  decoderHistory: TrainingRecord | null = null;
  private readonly settings: CodecTrainingSettings;
  private state: { calibration: LatentCalibration; hash: Uint8Array; coders: LatentCoders; latentShape: Shape } | null = null;

  constructor(options: CodecOptions<M>) {
    super();
    if (typeof options !== 'object' || options === null || typeof options.model !== 'object' || options.model === null)
      throw invalid('Codec needs options with a model, e.g. new Codec({ model, bits: 4 })');
    const { model, bits, coder = DEFAULT_CODER, step = 'per-dimension', clip = 0.001, noise = 'bits', rateWeight = 0, annealEpochs = 0, decoderEpochs = 0, loss = 'psnr' } = options;
    this.model = model;
    this.bits = checkBits(bits);
    this.coder = checkCoder(coder);
    this.settings = { bits: this.bits, noise, step: checkStepMode(step), clip, rateWeight, annealEpochs, decoderEpochs, loss };
    checkTrainingSettings(this.settings);
    this.training = options.training;
    if (options.calibration) this.setCalibration(options.calibration);
  }

  /** True once the codec is calibrated (by fit, calibrate, or read from a file). */
  get isFitted(): boolean {
    return this.state !== null;
  }
  /** The model's training record (the noisy training of an autoencoder); null for a PCA. */
  get history(): TrainingRecord | null {
    return this.model.history;
  }
  get calibration(): LatentCalibration {
    return this.fitted('calibration').calibration;
  }
  /** Truncated SHA-256 of the model and calibration, stored in every file this codec writes. */
  get hash(): Uint8Array {
    return this.fitted('hash').hash;
  }
  get hashHex(): string {
    return hashToHex(this.hash);
  }

  /**
   * Trains the model on x (data units) to be a codec and calibrates: an autoencoder learns
   * with quantisation noise on its bottleneck (then optionally anneals and tunes its decoder
   * on quantised codes); a PCA is fitted. Resolves to the codec, the record in `history`.
   */
  async fit(x: Tensor, options: CodecFitOptions = {}): Promise<this> {
    checkTensor(x, 'training data');
    return exclusiveFit(this, 'Codec', () => this.fitOnce(x, options));
  }

  private async fitOnce(x: Tensor, options: CodecFitOptions): Promise<this> {
    if (this.model instanceof Autoencoder) {
      const { calibration, decoderTraining } = await trainAutoencoderCodec(this.model, x, this.settings, options);
      this.decoderHistory = decoderTraining;
      this.setCalibration(calibration);
    } else {
      await this.model.fit(x, options);
      this.decoderHistory = null;
      this.calibrate(x);
    }
    this.training = trainingSummary(this.settings, this.model.history);
    return this;
  }

  /** Learns quantisation ranges and histograms from the codes of x (data units) through the model as it is. */
  calibrate(x: Tensor): this {
    this.setCalibration(calibrateLatent(this.model.encode(x), { clip: this.settings.clip, step: this.settings.step }));
    return this;
  }

  /** The same codec with another bit depth or entropy coder (the model and calibration are shared). */
  with(options: CodecLoadOptions): Codec<M> {
    return new Codec<M>({ model: this.model, calibration: this.calibration, bits: options.bits ?? this.bits, coder: options.coder ?? this.coder, training: this.training });
  }

  /** Compresses samples [n, ...sampleShape] (or any shape with as many values per sample) into one .hgc file. */
  encode(x: Tensor): Uint8Array {
    const s = this.fitted('encode');
    if (x.shape.length < 1 || x.shape[0] < 1) throw invalid(`nothing to compress: the input has shape ${shapeToString(x.shape)}`);
    const sampleShape = x.shape.slice(1);
    const own = this.sampleShape;
    if (sizeOf(sampleShape) !== sizeOf(own))
      throw shapeMismatch(
        `the input has ${sizeOf(sampleShape)} values per sample (shape ${shapeToString(x.shape)}); this codec's model takes ${sizeOf(own)} (shape [n, ${own.join(', ')}])`,
      );
    const symbols = quantize(this.model.encode(x), s.calibration, this.bits);
    return encodeHgc({
      ...this.header(x.shape[0]),
      sampleShape: sameShape(sampleShape, own) ? null : [...sampleShape],
      payload: s.coders.encode(this.coder, symbols, this.bits),
    });
  }

  /**
   * Decompresses an .hgc file made by this codec's model (any bit depth or coder: the file
   * says which). Files from another model, damaged or truncated files raise a HourglassError.
   */
  decode(bytes: Uint8Array, source = '.hgc data'): Tensor {
    const s = this.fitted('decode');
    const file = decodeHgc(bytes, source);
    // A file stores a prefix of the model hash (3 bytes in version 2, 4 in version 1).
    if (!equalBytes(file.modelHash, s.hash.subarray(0, file.modelHash.length)))
      throw new HourglassError(
        'MODEL_MISMATCH',
        `${source} was compressed with another model (model hash ${hashToHex(file.modelHash)}; this model's is ${hashToHex(s.hash.subarray(0, file.modelHash.length))}): decompress it with the model that compressed it`,
      );
    const latentSize = file.latentSize ?? this.model.latentSize;
    if (latentSize !== this.model.latentSize)
      throw new HourglassError('BAD_FILE', `${source}: the file holds ${file.latentSize} latent values per sample, the model's bottleneck has ${this.model.latentSize}`);
    if (file.bits > 12) throw new HourglassError('BAD_FILE', `${source}: bit depth ${file.bits} is beyond what this hourglass decodes (12)`);
    const own = this.sampleShape;
    const sampleShape: Shape = file.sampleShape ?? own;
    if (sizeOf(sampleShape) !== sizeOf(own))
      throw new HourglassError('BAD_FILE', `${source}: samples of shape ${shapeToString(sampleShape)} do not match the model's input ${shapeToString(own)}`);
    const values = file.count * latentSize;
    if (file.count < 1 || values > MAX_DECODED_VALUES || file.count * sizeOf(sampleShape) > MAX_DECODED_VALUES)
      throw new HourglassError('BAD_FILE', `${source}: the file announces ${file.count} samples, ${file.count < 1 ? 'none' : 'more than one file may hold'}`);
    const symbols = s.coders.decode(file.coder, file.payload, file.bits, values, source);
    const latent = dequantize(symbols, s.calibration, file.bits, [file.count, ...s.latentShape]);
    const out = this.model.decode(latent);
    return { shape: [file.count, ...sampleShape], data: out.data };
  }

  /** Compresses x into one file and decodes it back: size and distortion. */
  evaluate(x: Tensor): CodecMetrics {
    const bytes = this.encode(x).length;
    const decoded = this.decode(this.encode(x), 'evaluation data');
    const n = x.shape[0];
    const per = sizeOf(x.shape.slice(1));
    let mse = 0;
    let db = 0;
    for (let i = 0; i < n; i++) {
      const a = x.data.subarray(i * per, (i + 1) * per);
      const b = decoded.data.subarray(i * per, (i + 1) * per);
      mse += meanSquaredError(a, b);
      db += psnr(a, b);
    }
    return { samples: n, bytes, bytesPerSample: bytes / n, bitsPerSample: (bytes * 8) / n, compressionRatio: (n * per * 4) / bytes, mse: mse / n, psnr: db / n };
  }

  /** Header of a file of `count` samples as this codec writes it; its encoded size is the per-file overhead. */
  header(count: number): HgcHeader {
    return { coder: this.coder, bits: this.bits, modelHash: this.hash, count, latentSize: this.model.latentSize, sampleShape: null };
  }

  // --- files -----------------------------------------------------------------
  /** The model's own file (kind 'autoencoder' or 'pca') with the codec's state under extra.codec, so the model loads by itself too. */
  toModelFile(): ModelFileContents {
    const contents = this.model.toModelFile();
    const metadata: CodecMetadata = { calibration: this.calibration, bits: this.bits, coder: this.coder, ...(this.training ? { training: this.training } : {}) };
    return { ...contents, extra: { ...contents.extra, [CODEC_METADATA_KEY]: metadata } };
  }

  /** The codec a model file holds (Codec.load reads the file); `options` override the stored bit depth and coder. */
  static fromModelFile(contents: ModelFileContents, source = 'model file', options: CodecLoadOptions = {}): Codec {
    const model = reconstructorFromModelFile(contents, source);
    const stored = contents.extra?.[CODEC_METADATA_KEY] as CodecMetadata | undefined;
    if (!stored)
      throw new HourglassError(
        'MODEL_MISMATCH',
        `${source} is ${model.kind === 'pca' ? 'a PCA' : 'an autoencoder'} without codec calibration; run 'hourglass codec calibrate --model ${source}' (or train one with 'hourglass codec train')`,
      );
    const calibration = checkCalibration(stored.calibration, model.latentSize, source);
    const bits = options.bits ?? stored.bits;
    const coder = options.coder ?? (ENTROPY_CODERS.includes(stored.coder) ? stored.coder : DEFAULT_CODER);
    return new Codec({ model, calibration, bits, coder, step: calibration.step, clip: calibration.clip, training: stored.training });
  }

  // --- internals ---------------------------------------------------------------
  private setCalibration(calibration: LatentCalibration): void {
    if (calibration.latentSize !== this.model.latentSize)
      throw new HourglassError('MODEL_MISMATCH', `the calibration is for ${calibration.latentSize} latent values but the model's bottleneck has ${this.model.latentSize}`);
    const latentShape = (this.model as { latentShape?: Shape }).latentShape ?? [this.model.latentSize];
    this.state = { calibration, hash: modelHash(this.model, calibration), coders: new LatentCoders(calibration), latentShape };
  }

  /** The shape of one sample the codec compresses: the model's (a PCA's as fitted). */
  get sampleShape(): Shape {
    const shape = this.model.sampleShape;
    if (!shape) throw invalid('this codec\'s model is not fitted yet; call fit(x) first');
    return shape;
  }

  private fitted(what: string) {
    if (!this.state) throw invalid(`Codec.${what}: the codec is not calibrated yet; call fit(x) (or calibrate(x) for a model trained elsewhere) first`);
    return this.state;
  }
}

export function checkCoder(coder: string): EntropyCoderName {
  if (!(ENTROPY_CODERS as readonly string[]).includes(coder)) throw invalid(`unknown entropy coder '${coder}' (use one of: ${ENTROPY_CODERS.join(', ')})`);
  return coder as EntropyCoderName;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
