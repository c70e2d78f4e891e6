import { HourglassError, invalid, shapeMismatch } from '../../core/errors.js';
import { sameShape, shapeToString, sizeOf, type Shape, type Tensor } from '../../core/tensor.js';
import { Autoencoder } from '../../models/autoencoder.js';
import { loadModelFile, saveModelFile, type ModelFileContents } from '../../io/model-file.js';
import { decodeHgc, encodeHgc, ENTROPY_CODERS, type EntropyCoderName, type HgcHeader } from './hgc-container.js';
import { calibrateLatent, checkBits, checkCalibration, dequantize, quantize, type LatentCalibration, type StepMode } from './latent-quantizer.js';
import { LatentCoders } from './latent-coders.js';
import { hashToHex, modelHash } from './model-hash.js';

/** The entropy coder used unless another is asked for: it wins the rate-distortion benchmark (docs/compression.md). */
export const DEFAULT_CODER: EntropyCoderName = 'range';
/** Model files keep the codec's state under this `__metadata__` key. */
export const CODEC_METADATA_KEY = 'codec';
/** Most values a single file may announce, so a crafted header cannot ask for gigabytes. */
const MAX_DECODED_VALUES = 2 ** 28;

export interface CodecOptions {
  /** Bits per latent value (1..12); default: the bit depth stored with the codec (the one it was trained for). */
  bits?: number;
  coder?: EntropyCoderName;
}

/** What a model file stores about its codec, besides the autoencoder itself. */
export interface CodecMetadata {
  calibration: LatentCalibration;
  /** Bit depth used when none is given (the one the model was trained with noise for). */
  bits: number;
  coder: EntropyCoderName;
  /** How the autoencoder was trained for compression, for reports. */
  training?: Record<string, unknown>;
}

/**
 * A lossy compressor made of a trained autoencoder: encoder -> latent quantised to `bits`
 * per value over ranges learned from the training codes -> entropy coder -> .hgc bytes;
 * decode reverses it and runs the decoder. encode(x) of a batch [n, ...] makes one file
 * holding all n samples; compress images one by one for one file per image.
 */
export class Codec {
  readonly model: Autoencoder;
  readonly calibration: LatentCalibration;
  readonly bits: number;
  readonly coder: EntropyCoderName;
  /** Truncated SHA-256 of the model and calibration, stored in every file this codec writes. */
  readonly hash: Uint8Array;
  readonly training: Record<string, unknown> | undefined;
  private readonly coders: LatentCoders;

  constructor(model: Autoencoder, calibration: LatentCalibration, { bits, coder = DEFAULT_CODER, training }: { bits: number; coder?: EntropyCoderName; training?: Record<string, unknown> }) {
    if (calibration.latentSize !== model.latentSize)
      throw new HourglassError('MODEL_MISMATCH', `the calibration is for ${calibration.latentSize} latent values but the model's bottleneck has ${model.latentSize}`);
    this.model = model;
    this.calibration = calibration;
    this.bits = checkBits(bits);
    this.coder = checkCoder(coder);
    this.training = training;
    this.hash = modelHash(model, calibration);
    this.coders = new LatentCoders(calibration);
  }

  /** Learns quantisation ranges and histograms from the codes of training data x (data units, as given to the model). */
  static calibrate(model: Autoencoder, x: Tensor, options: { clip?: number; step?: StepMode } = {}): LatentCalibration {
    return calibrateLatent(model.encode(x), options);
  }

  /** The same codec with another bit depth or entropy coder (the model and calibration are shared). */
  with(options: CodecOptions): Codec {
    return new Codec(this.model, this.calibration, { bits: options.bits ?? this.bits, coder: options.coder ?? this.coder, training: this.training });
  }

  get hashHex(): string {
    return hashToHex(this.hash);
  }

  /** Compresses samples [n, ...inputShape] (or any shape with as many values per sample) into one .hgc file. */
  encode(x: Tensor): Uint8Array {
    if (x.shape.length < 1 || x.shape[0] < 1) throw invalid(`nothing to compress: the input has shape ${shapeToString(x.shape)}`);
    const sampleShape = x.shape.slice(1);
    if (sizeOf(sampleShape) !== sizeOf(this.model.inputShape))
      throw shapeMismatch(
        `the input has ${sizeOf(sampleShape)} values per sample (shape ${shapeToString(x.shape)}); this codec's model takes ${sizeOf(this.model.inputShape)} (shape [n, ${this.model.inputShape.join(', ')}])`,
      );
    const symbols = quantize(this.model.encode(x), this.calibration, this.bits);
    return encodeHgc({
      ...this.header(x.shape[0]),
      sampleShape: sameShape(sampleShape, this.model.inputShape) ? null : [...sampleShape],
      payload: this.coders.encode(this.coder, symbols, this.bits),
    });
  }

  /**
   * Decompresses an .hgc file made by this codec's model (any bit depth or coder: the file
   * says which). Files from another model, damaged or truncated files raise a HourglassError.
   */
  decode(bytes: Uint8Array, source = '.hgc data'): Tensor {
    const file = decodeHgc(bytes, source);
    // A file stores a prefix of the model hash (3 bytes in version 2, 4 in version 1).
    if (!equalBytes(file.modelHash, this.hash.subarray(0, file.modelHash.length)))
      throw new HourglassError(
        'MODEL_MISMATCH',
        `${source} was compressed with another model (model hash ${hashToHex(file.modelHash)}; this model's is ${hashToHex(this.hash.subarray(0, file.modelHash.length))}): decompress it with the model that compressed it`,
      );
    const latentSize = file.latentSize ?? this.model.latentSize;
    if (latentSize !== this.model.latentSize)
      throw new HourglassError('BAD_FILE', `${source}: the file holds ${file.latentSize} latent values per sample, the model's bottleneck has ${this.model.latentSize}`);
    if (file.bits > 12) throw new HourglassError('BAD_FILE', `${source}: bit depth ${file.bits} is beyond what this hourglass decodes (12)`);
    const sampleShape: Shape = file.sampleShape ?? this.model.inputShape;
    if (sizeOf(sampleShape) !== sizeOf(this.model.inputShape))
      throw new HourglassError('BAD_FILE', `${source}: samples of shape ${shapeToString(sampleShape)} do not match the model's input ${shapeToString(this.model.inputShape)}`);
    const values = file.count * latentSize;
    if (file.count < 1 || values > MAX_DECODED_VALUES || file.count * sizeOf(sampleShape) > MAX_DECODED_VALUES)
      throw new HourglassError('BAD_FILE', `${source}: the file announces ${file.count} samples, ${file.count < 1 ? 'none' : 'more than one file may hold'}`);
    const symbols = this.coders.decode(file.coder, file.payload, file.bits, values, source);
    const latent = dequantize(symbols, this.calibration, file.bits, [file.count, ...this.model.latentShape]);
    const out = this.model.decode(latent);
    return { shape: [file.count, ...sampleShape], data: out.data };
  }

  /** Header of a file of `count` samples as this codec writes it; its encoded size is the per-file overhead. */
  header(count: number): HgcHeader {
    return { coder: this.coder, bits: this.bits, modelHash: this.hash, count, latentSize: this.model.latentSize, sampleShape: null };
  }

  // --- files -----------------------------------------------------------------
  toModelFile(): ModelFileContents {
    const contents = this.model.toModelFile();
    const metadata: CodecMetadata = { calibration: this.calibration, bits: this.bits, coder: this.coder, ...(this.training ? { training: this.training } : {}) };
    return { ...contents, extra: { ...contents.extra, [CODEC_METADATA_KEY]: metadata } };
  }

  async save(path: string): Promise<void> {
    await saveModelFile(path, this.toModelFile());
  }

  static fromModelFile(contents: ModelFileContents, source = 'model file', options: CodecOptions = {}): Codec {
    const model = Autoencoder.fromModelFile(contents, source);
    const stored = contents.extra?.[CODEC_METADATA_KEY] as CodecMetadata | undefined;
    if (!stored)
      throw new HourglassError(
        'MODEL_MISMATCH',
        `${source} is an autoencoder without codec calibration; run 'hourglass codec calibrate --model ${source}' (or train one with 'hourglass codec train')`,
      );
    const calibration = checkCalibration(stored.calibration, model.latentSize, source);
    const bits = options.bits ?? stored.bits;
    const coder = options.coder ?? (ENTROPY_CODERS.includes(stored.coder) ? stored.coder : DEFAULT_CODER);
    return new Codec(model, calibration, { bits, coder, training: stored.training });
  }

  static async load(path: string, options: CodecOptions = {}): Promise<Codec> {
    return Codec.fromModelFile(await loadModelFile(path), path, options);
  }
}

export function checkCoder(coder: string): EntropyCoderName {
  if (!(ENTROPY_CODERS as readonly string[]).includes(coder)) throw invalid(`unknown entropy coder '${coder}' (use one of: ${ENTROPY_CODERS.join(', ')})`);
  return coder as EntropyCoderName;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
