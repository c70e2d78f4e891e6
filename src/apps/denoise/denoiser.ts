import { HourglassError, invalid, shapeMismatch } from '../../core/errors.js';
import { exclusiveFit } from '../../models/fit-guard.js';
import { checkTensor } from '../../core/tensor.js';
import { shapeToString, sizeOf, tensor, type Shape, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import { Autoencoder } from '../../models/autoencoder.js';
import { buildAutoencoder } from '../../models/build.js';
import { fit, type FitOptions, type TrainingRecord } from '../../train/fit.js';
import type { ModelFileContents } from '../../io/model-file.js';
import { meanPsnr } from '../../metrics/psnr.js';
import { meanSsim } from '../../metrics/ssim.js';
import type { Model, Reconstructor } from '../../models/contract.js';
import { reconstructorFromModelFile } from '../../models/reconstructor-file.js';
import { SavedModel } from '../../models/saved-model.js';
import type { Score } from './evaluation.js';
import { splitValidation } from '../../data/dataset.js';
import { checkCorruption, corruptionTransform, corruptWithSeed, formatCorruption, parseCorruption, type Corruption } from './corruption.js';
import { processTiled } from './tiling.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export type DenoiserArch = 'dense' | 'conv';

export interface DenoiserOptions {
  /** The corruption learned, e.g. 'gaussian:0.3'; null for a model trained without a record of it (it cannot be fitted). */
  noise: Corruption | string | null;
  /**
   * The model that denoises: any Reconstructor. An autoencoder is trained noisy -> clean; a
   * PCA (a classic linear denoiser) is fitted on the clean images and denoises by projection.
   * Default: an autoencoder built from the options below.
   */
  model?: Reconstructor;
  /** Image shape the built model is trained on (and a PCA's before it is fitted), [channels, height, width]; 1 channel (grey) or 3 (RGB). Default [1, 28, 28]. */
  imageShape?: Shape;
  /** The built autoencoder's architecture; default 'dense'. */
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

/** fit() options for a denoiser: validation images are clean (`validationData: { x }`, or `validationSplit`), corrupted once with a fixed seed for val_loss. */
export type DenoiserFitOptions = Omit<FitOptions, 'transformInput'>;

/** What `Denoiser.evaluate` returns: the same noisy copies of clean images before and after denoising, against the clean ones. */
export interface DenoiseMetrics {
  samples: number;
  /** The corruption applied, e.g. 'gaussian:0.3'. */
  noise: string;
  /** Mean per-image PSNR (dB) and SSIM of the noisy images (SSIM null for images smaller than its 11x11 window). */
  noisy: Score;
  /** The same for the denoised images. */
  denoised: Score;
}

/** Model-file `extra` key that marks a model as a denoiser and records what it learned to remove. */
export const DENOISING_KEY = 'denoising';

interface DenoisingRecord {
  noise: string | null;
  range: [number, number];
}

/**
 * A Reconstructor that maps corrupted images to clean ones: an autoencoder trained noisy ->
 * clean, or a PCA fitted on clean images (denoising by projection). Inputs and outputs are
 * images in [0, 1]. Images of the training size go through the model directly; other sizes
 * are processed in overlapping tiles blended without seams. RGB images go through a grey
 * model one channel at a time; a model trained on RGB images needs RGB input.
 *
 * Saved as the model's own file with the noise under extra.denoising, so the model loads by itself too.
 */
export class Denoiser<M extends Reconstructor = Reconstructor> extends SavedModel implements Model<[Tensor, DenoiserFitOptions?], [Tensor, DenoiseEvaluateOptions?], DenoiseMetrics> {
  readonly kind = 'denoiser' as const;
  readonly model: M;
  /** The corruption the model was trained on; null for a model loaded without a record of it. */
  noise: Corruption | null;
  /** The image shape asked for, used while a PCA is not fitted (it takes any shape). */
  private readonly requestedShape: [number, number, number];

  constructor(options: DenoiserOptions & { model?: M }) {
    super();
    if (typeof options !== 'object' || options === null) throw invalid("Denoiser needs options, e.g. new Denoiser({ noise: 'gaussian:0.3' })");
    const given = options.model?.sampleShape ?? null;
    const imageShape = given ?? options.imageShape ?? [1, 28, 28];
    if (imageShape.length !== 3 || (imageShape[0] !== 1 && imageShape[0] !== 3) || !imageShape.every((d) => Number.isInteger(d) && d >= 1))
      throw given
        ? shapeMismatch(`a denoiser needs an image model with input [1 or 3, h, w]; this ${options.model!.kind} takes ${shapeToString(imageShape)}`)
        : invalid(`denoiser image shape must be [1 or 3, height, width], got ${shapeToString(imageShape)}`);
    this.requestedShape = [imageShape[0], imageShape[1], imageShape[2]];
    const noise = options.noise;
    this.noise = noise === null || noise === undefined ? null : typeof noise === 'string' ? parseCorruption(noise) : checkCorruption(noise);
    this.model = options.model ?? (buildDenoisingAutoencoder(options, imageShape) as unknown as M);
  }

  /** True once the model is fitted (or was loaded from a file). */
  get isFitted(): boolean {
    return this.model.isFitted;
  }
  /** The model's training record; null for a PCA. */
  get history(): TrainingRecord | null {
    return this.model.history;
  }

  /** [channels, height, width] of the images the model was trained on. */
  get imageShape(): [number, number, number] {
    const shape = this.model.sampleShape;
    return shape ? [shape[0], shape[1], shape[2]] : [...this.requestedShape];
  }

  /**
   * Fits on clean images [n, c, h, w] in [0, 1] and resolves to the denoiser. An autoencoder
   * trains noisy -> clean: every batch of every epoch is corrupted afresh (seeded by
   * options.seed); validation images are corrupted once. A PCA is fitted on the clean images.
   */
  async fit(clean: Tensor, options: DenoiserFitOptions = {}): Promise<this> {
    checkTensor(clean, 'training images');
    return exclusiveFit(this, 'Denoiser', () => this.fitOnce(clean, options));
  }

  private async fitOnce(clean: Tensor, options: DenoiserFitOptions): Promise<this> {
    if (!this.noise) throw invalid('this denoiser has no corruption to train on; create it with a noise spec such as gaussian:0.3');
    const seed = options.seed ?? 0;
    checkImageBatch(clean, this.imageShape, 'training images');
    let train = clean;
    let validation = options.validationData?.x;
    if (validation) checkImageBatch(validation, this.imageShape, 'validation images');
    else if (options.validationSplit !== undefined) {
      const f = options.validationSplit;
      if (!(f > 0 && f < 1)) throw invalid(`validation split must be in (0, 1), got ${f}`);
      const split = splitValidation(clean, f, new Rng(RANDOM_STREAMS.validationSplit(seed)));
      train = split.train;
      validation = split.validation;
    }
    const { validationData: _v, validationSplit: _s, ...fitOptions } = options;
    if (!(this.model instanceof Autoencoder)) {
      // A linear denoiser: the principal subspace of clean images, onto which noise projects away.
      await this.model.fit(train, fitOptions);
      return this;
    }
    if (this.model.scaler) throw invalid('Denoiser.fit trains models without an input scaler (images in [0, 1]); this autoencoder has one');
    const record = await fit(this.model, train, null, {
      ...fitOptions,
      transformInput: corruptionTransform(this.noise),
      validationData: validation ? { x: corruptWithSeed(validation, this.noise, RANDOM_STREAMS.denoiserValidationNoise(seed)), y: validation } : undefined,
    });
    record.options.noise = formatCorruption(this.noise);
    this.model.markTrained(record);
    return this;
  }

  /** PSNR and SSIM of noisy copies of clean images [n, c, h, w] (corrupted with a fixed seed) and of their denoised versions, against the clean images. */
  evaluate(clean: Tensor, options: DenoiseEvaluateOptions = {}): DenoiseMetrics {
    const noise = options.noise === undefined ? this.noise : typeof options.noise === 'string' ? parseCorruption(options.noise) : checkCorruption(options.noise);
    if (!noise) throw invalid("this denoiser has no recorded noise: give evaluate a noise, e.g. { noise: 'gaussian:0.3' }");
    if (clean.shape.length !== 4 || clean.shape[0] < 1) throw shapeMismatch(`evaluate takes clean images [n, c, h, w]; got ${shapeToString(clean.shape)}`);
    checkUnitRange(clean, 'clean images');
    const noisy = corruptWithSeed(clean, noise, options.seed ?? 1);
    const [, , h, w] = clean.shape;
    const score = (out: Tensor): Score => ({ psnr: meanPsnr(out, clean), ssim: h >= 11 && w >= 11 ? meanSsim(out, clean) : null });
    return { samples: clean.shape[0], noise: formatCorruption(noise), noisy: score(noisy), denoised: score(this.denoise(noisy)) };
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
   * Reads a denoiser, which is an autoencoder or PCA model file whose extra records the noise;
   * a plain image model loads too (with noise null) and denoises as well as it reconstructs.
   */
  static fromModelFile(contents: ModelFileContents, source = 'model file'): Denoiser {
    if (contents.kind !== 'autoencoder' && contents.kind !== 'pca')
      throw new HourglassError('MODEL_MISMATCH', `${source} holds a ${contents.kind} model; a denoiser is an autoencoder or a PCA (train one with 'hourglass denoise train')`);
    const model = reconstructorFromModelFile(contents, source);
    const record = contents.extra?.[DENOISING_KEY] as DenoisingRecord | undefined;
    let noise: Corruption | null = null;
    if (record && record.noise !== null && record.noise !== undefined) {
      try {
        noise = parseCorruption(String(record.noise));
      } catch (e) {
        throw new HourglassError('BAD_FILE', `${source}: the recorded noise is invalid: ${(e as Error).message}`);
      }
    }
    const shape = model.sampleShape ?? [];
    if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3))
      throw new HourglassError('MODEL_MISMATCH', `${source}: this ${model.kind === 'pca' ? 'PCA' : 'autoencoder'} takes ${shapeToString(shape)}, not images [1 or 3, h, w], so it cannot denoise images`);
    return new Denoiser({ model, noise });
  }
}

/** Options of `Denoiser.evaluate`. */
export interface DenoiseEvaluateOptions {
  /** The corruption applied to the clean images; default the denoiser's own. */
  noise?: Corruption | string;
  /** Seed of the corruption (default 1, as the denoising benchmark's first level). */
  seed?: number;
}

function buildDenoisingAutoencoder(options: DenoiserOptions, imageShape: Shape): Autoencoder {
  const arch = options.arch ?? 'dense';
  if (arch !== 'dense' && arch !== 'conv') throw invalid(`denoiser architecture must be dense or conv, got '${String(arch)}'`);
  try {
    return buildAutoencoder({
      arch,
      inputShape: imageShape,
      hidden: options.hidden ?? [...DENSE_DENOISER_HIDDEN],
      filters: options.filters ?? [...CONV_DENOISER_FILTERS],
      bottleneck: options.bottleneck ?? (arch === 'dense' ? DENSE_DENOISER_BOTTLENECK : undefined),
      outputActivation: 'sigmoid',
      scaler: null,
      seed: options.seed ?? 0,
    });
  } catch (e) {
    if (arch === 'conv' && e instanceof HourglassError && /unknown architecture/.test(e.message))
      throw invalid('the conv autoencoder preset is not available in this build of hourglass; use the dense architecture');
    throw e;
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
