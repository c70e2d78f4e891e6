import { HourglassError, invalid, shapeMismatch } from '../../core/errors.js';
import { shapeToString, sizeOf, tensor, type Shape, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import { Autoencoder } from '../../models/autoencoder.js';
import { buildAutoencoder } from '../../models/build.js';
import { fit, type FitOptions, type TrainingRecord } from '../../train/fit.js';
import { loadModelFile, saveModelFile, type ModelFileContents } from '../../io/model-file.js';
import { splitValidation } from '../../data/dataset.js';
import { checkCorruption, corruptionTransform, corruptWithSeed, formatCorruption, parseCorruption, type Corruption } from './corruption.js';
import { processTiled } from './tiling.js';

export type DenoiserArch = 'dense' | 'conv';

export interface DenoiserOptions {
  /** Image shape the model is trained on, [channels, height, width]; 1 channel (grey) or 3 (RGB). Default [1, 28, 28]. */
  imageShape?: Shape;
  /** The corruption learned, e.g. 'gaussian:0.3'. */
  noise: Corruption | string;
  /** Default 'dense'. */
  arch?: DenoiserArch;
  /** dense: encoder widths (the decoder mirrors them). */
  hidden?: number[];
  /** conv: filters per stage. */
  filters?: number[];
  /** dense: code size; conv: optional dense waist. */
  bottleneck?: number;
  seed?: number;
}

/** Defaults chosen on Fashion-MNIST at sigma 0.3: a wide code, since a denoiser need not compress much. */
export const DENSE_DENOISER_HIDDEN = [1024] as const;
export const DENSE_DENOISER_BOTTLENECK = 512;
export const CONV_DENOISER_FILTERS = [32, 64] as const;

/** fit() options for a denoiser: the corruption and the validation noise are its own. */
export type DenoiserFitOptions = Omit<FitOptions, 'transformInput' | 'validationData' | 'validationSplit'> & {
  /** Clean validation images; they are corrupted once, with a fixed seed, for val_loss. */
  validation?: Tensor;
  /** Fraction of the training images held out as validation when `validation` is not given. */
  validationSplit?: number;
};

/** Model-file `extra` key that marks an autoencoder as a denoiser and records what it learned to remove. */
export const DENOISING_KEY = 'denoising';

interface DenoisingRecord {
  noise: string | null;
  range: [number, number];
}

/**
 * An autoencoder trained to map corrupted images to clean ones. Inputs and outputs are
 * images in [0, 1]. Images of the training size go through the model directly; other sizes
 * are processed in overlapping tiles blended without seams. RGB images go through a grey
 * model one channel at a time; a model trained on RGB images needs RGB input.
 */
export class Denoiser {
  readonly model: Autoencoder;
  /** The corruption the model was trained on; null for an autoencoder loaded without a record of it. */
  noise: Corruption | null;

  constructor(model: Autoencoder, noise: Corruption | null) {
    const shape = model.inputShape;
    if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3))
      throw shapeMismatch(`a denoiser needs an image model with input [1 or 3, h, w]; this autoencoder takes ${shapeToString(shape)}`);
    this.model = model;
    this.noise = noise;
  }

  static create(options: DenoiserOptions): Denoiser {
    const imageShape = options.imageShape ?? [1, 28, 28];
    if (imageShape.length !== 3 || (imageShape[0] !== 1 && imageShape[0] !== 3) || !imageShape.every((d) => Number.isInteger(d) && d >= 1))
      throw invalid(`denoiser image shape must be [1 or 3, height, width], got ${shapeToString(imageShape)}`);
    const noise = typeof options.noise === 'string' ? parseCorruption(options.noise) : checkCorruption(options.noise);
    const arch = options.arch ?? 'dense';
    if (arch !== 'dense' && arch !== 'conv') throw invalid(`denoiser architecture must be dense or conv, got '${String(arch)}'`);
    const model = buildAutoencoder({
      arch,
      inputShape: imageShape,
      hidden: options.hidden ?? [...DENSE_DENOISER_HIDDEN],
      filters: options.filters ?? [...CONV_DENOISER_FILTERS],
      bottleneck: options.bottleneck ?? (arch === 'dense' ? DENSE_DENOISER_BOTTLENECK : undefined),
      outputActivation: 'sigmoid',
      scaler: null,
      seed: options.seed ?? 0,
    });
    return new Denoiser(model, noise);
  }

  /** [channels, height, width] of the images the model was trained on. */
  get imageShape(): [number, number, number] {
    const [c, h, w] = this.model.inputShape;
    return [c, h, w];
  }

  /**
   * Trains noisy -> clean on clean images [n, c, h, w] in [0, 1]: every batch of every
   * epoch is corrupted afresh (seeded by options.seed); validation images are corrupted once.
   */
  async fit(clean: Tensor, options: DenoiserFitOptions = {}): Promise<TrainingRecord> {
    if (!this.noise) throw invalid('this denoiser has no corruption to train on; create it with a noise spec such as gaussian:0.3');
    if (this.model.scaler) throw invalid('Denoiser.fit trains models without an input scaler (images in [0, 1]); this autoencoder has one');
    const seed = options.seed ?? 0;
    checkImageBatch(clean, this.imageShape, 'training images');
    let train = clean;
    let validation = options.validation;
    if (validation) checkImageBatch(validation, this.imageShape, 'validation images');
    else if (options.validationSplit !== undefined) {
      const f = options.validationSplit;
      if (!(f > 0 && f < 1)) throw invalid(`validation split must be in (0, 1), got ${f}`);
      const split = splitValidation(clean, f, new Rng(seed ^ 0x7a11d));
      train = split.train;
      validation = split.validation;
    }
    const { validation: _v, validationSplit: _s, ...fitOptions } = options;
    const record = await fit(this.model, train, null, {
      ...fitOptions,
      transformInput: corruptionTransform(this.noise),
      validationData: validation ? { x: corruptWithSeed(validation, this.noise, seed ^ 0x5eed), y: validation } : undefined,
    });
    record.options.noise = formatCorruption(this.noise);
    this.model.markTrained(record);
    return record;
  }

  /**
   * Denoised copies of images [n, c, h, w] (values in [0, 1]; output clipped to [0, 1]).
   * Any height and width: sizes other than the training size go through overlapping tiles.
   * `stride` sets the tile step (default half a tile).
   */
  denoise(x: Tensor, { stride }: { stride?: readonly [number, number] } = {}): Tensor {
    if (x.shape.length !== 4) throw shapeMismatch(`denoise takes images [n, c, h, w]; got ${shapeToString(x.shape)}`);
    const [n, c, h, w] = x.shape;
    const [mc, mh, mw] = this.imageShape;
    if (n < 1 || h < 1 || w < 1) throw invalid(`denoise: no images in a batch of shape ${shapeToString(x.shape)}`);
    checkUnitRange(x);
    if (c !== mc) {
      if (mc === 1) {
        // A grey model denoises each channel as a grey image: planes are contiguous in NCHW.
        const planes = this.denoise({ shape: [n * c, 1, h, w], data: x.data }, { stride });
        return { shape: [n, c, h, w], data: planes.data };
      }
      throw shapeMismatch(`this denoiser was trained on ${mc}-channel images; got ${c}-channel images ${shapeToString(x.shape)}: give RGB images, or use a model trained on grey images`);
    }
    let out: Tensor;
    if (h === mh && w === mw) out = this.model.reconstruct(x);
    else {
      out = tensor(x.shape);
      const per = c * h * w;
      const run = (tiles: Tensor) => this.model.reconstruct(tiles);
      for (let i = 0; i < n; i++) {
        const image = { shape: [c, h, w], data: x.data.subarray(i * per, (i + 1) * per) };
        out.data.set(processTiled(image, run, { tile: [mh, mw], stride }).data, i * per);
      }
    }
    for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, out.data[i]));
    return out;
  }

  toModelFile(): ModelFileContents {
    const contents = this.model.toModelFile();
    const record: DenoisingRecord = { noise: this.noise ? formatCorruption(this.noise) : null, range: [0, 1] };
    return { ...contents, extra: { ...contents.extra, [DENOISING_KEY]: record } };
  }

  /**
   * Reads a denoiser, which is an autoencoder model file whose extra records the noise; a
   * plain image autoencoder loads too (with noise null) and denoises as well as it reconstructs.
   */
  static fromModelFile(contents: ModelFileContents, source = 'model file'): Denoiser {
    if (contents.kind !== 'autoencoder')
      throw new HourglassError('MODEL_MISMATCH', `${source} holds a ${contents.kind} model; a denoiser is an autoencoder (train one with 'hourglass denoise train')`);
    const model = Autoencoder.fromModelFile(contents, source);
    const record = contents.extra?.[DENOISING_KEY] as DenoisingRecord | undefined;
    let noise: Corruption | null = null;
    if (record && record.noise !== null && record.noise !== undefined) {
      try {
        noise = parseCorruption(String(record.noise));
      } catch (e) {
        throw new HourglassError('BAD_FILE', `${source}: the recorded noise is invalid: ${(e as Error).message}`);
      }
    }
    if (model.inputShape.length !== 3 || (model.inputShape[0] !== 1 && model.inputShape[0] !== 3))
      throw new HourglassError('MODEL_MISMATCH', `${source}: this autoencoder takes ${shapeToString(model.inputShape)}, not images [1 or 3, h, w], so it cannot denoise images`);
    return new Denoiser(model, noise);
  }

  async save(path: string): Promise<void> {
    await saveModelFile(path, this.toModelFile());
  }

  static async load(path: string): Promise<Denoiser> {
    return Denoiser.fromModelFile(await loadModelFile(path), path);
  }
}

/** Images [n, c, h, w] of the model's shape, with every value finite and in [0, 1]. */
export function checkImageBatch(x: Tensor, imageShape: Shape, what: string): void {
  const [c, h, w] = imageShape;
  if (x.shape.length !== 4 || x.shape[1] !== c || x.shape[2] !== h || x.shape[3] !== w)
    throw shapeMismatch(`${what} have shape ${shapeToString(x.shape)}; this denoiser trains on [n, ${c}, ${h}, ${w}]`);
  if (x.shape[0] < 1) throw invalid(`${what}: none given`);
  checkUnitRange(x, what);
}

function checkUnitRange(x: Tensor, what = 'images'): void {
  const per = sizeOf(x.shape.slice(1));
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i];
    if (!(v >= 0 && v <= 1))
      throw new HourglassError('BAD_DATA', `${what} hold ${v} at image ${Math.floor(i / per)}, value ${i % per}: a denoiser works on pixel values in [0, 1] (divide bytes by 255)`);
  }
}
