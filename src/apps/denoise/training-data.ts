import { stat } from 'node:fs/promises';
import { HourglassError, invalid } from '../../core/errors.js';
import { gatherRows, tensor, type Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import { holdOutRows } from '../../data/dataset.js';
import { loadFashionMnist } from '../../data/fashion-mnist.js';
import { isArrayPath, readImageArray } from './array-file.js';
import { listImages, readImage, type ColorMode } from './image-file.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export interface DenoiseDataOptions {
  /** 'fashion-mnist', an image array (.npy, .idx[.gz]), or a folder of PNG/JPEG images. */
  data: string;
  dataDir?: string;
  /** Use only the first N training images (patches, for a folder). */
  limit?: number;
  /** Use only the first N test images. */
  testLimit?: number;
  /** Fraction held out as test images when the source has no test split. */
  testSplit?: number;
  /** Folder images are cut into square patches of this size... */
  patchSize?: number;
  /** ...this many pixels apart (default half a patch). */
  patchStride?: number;
  /** Folder images: grey, rgb, or auto (grey unless some image has colour). */
  color?: ColorMode;
  seed?: number;
}

export interface DenoiseData {
  train: Tensor;
  test: Tensor;
  source: string;
  testSource: string;
}

export const DENOISE_DATA_HELP = "'fashion-mnist' (default), an image array (.npy or .idx[.gz], [n, h, w] or [n, c, h, w], values in [0, 1] or bytes) or a folder of PNG/JPEG images (cut into patches)";

/** Clean training and test images [n, c, h, w] in [0, 1] for `hourglass denoise train`. */
export async function loadDenoiseData(o: DenoiseDataOptions): Promise<DenoiseData> {
  const seed = o.seed ?? 0;
  if (o.testLimit !== undefined && (!Number.isInteger(o.testLimit) || o.testLimit < 1)) throw invalid(`--test-limit must be a positive integer, got ${o.testLimit}`);
  if (o.data === 'fashion-mnist') {
    const train = await loadFashionMnist({ split: 'train', limit: o.limit, dir: o.dataDir });
    const test = await loadFashionMnist({ split: 'test', limit: o.testLimit, dir: o.dataDir });
    return { train: train.images, test: test.images, source: 'fashion-mnist/train', testSource: 'fashion-mnist/test' };
  }
  let all: Tensor;
  if (await isDirectory(o.data)) all = await folderPatches(o.data, o.patchSize ?? 32, o.color ?? 'auto', o.patchStride);
  else if (isArrayPath(o.data)) {
    all = (await readImageArray(o.data)).images;
  }
  else throw new HourglassError('FILE_NOT_FOUND', `--data ${o.data}: not an existing folder, nor a .npy or .idx file; use ${DENOISE_DATA_HELP}`);
  const split = o.testSplit ?? 0.1;
  if (!(split > 0 && split < 1)) throw invalid(`--test-split must be in (0, 1), got ${split}`);
  const rows = holdOutRows(all.shape[0], split, new Rng(RANDOM_STREAMS.testSplit(seed)), `${o.data} (images)`);
  let trainIdx = rows.kept;
  let testIdx = rows.held;
  if (o.limit !== undefined) trainIdx = trainIdx.subarray(0, o.limit);
  if (o.testLimit !== undefined) testIdx = testIdx.subarray(0, o.testLimit);
  return {
    train: gatherRows(all, trainIdx),
    test: gatherRows(all, testIdx),
    source: o.data,
    testSource: `${o.data} (held-out ${split})`,
  };
}

/**
 * Every image of a folder cut into size x size patches, `stride` apart (default half a patch,
 * so the model also sees content off the patch grid, as it will in overlapping tiles). A
 * ragged strip at the right and bottom edges narrower than the stride is left out.
 */
export async function folderPatches(dir: string, size: number, color: ColorMode, stride = Math.max(1, Math.floor(size / 2))): Promise<Tensor> {
  if (!Number.isInteger(size) || size < 11) throw invalid(`--patch-size must be an integer of at least 11 (the SSIM window), got ${size}`);
  if (!Number.isInteger(stride) || stride < 1) throw invalid(`patch stride must be a positive integer, got ${stride}`);
  const files = await listImages(dir);
  const images: Tensor[] = [];
  for (const file of files) images.push(await readImage(file, color));
  // auto: grey only when every image is grey; grey images then join RGB ones as three equal channels.
  const channels = images.some((im) => im.shape[1] === 3) ? 3 : 1;
  let count = 0;
  images.forEach((im, i) => {
    const [, , h, w] = im.shape;
    if (h < size || w < size) throw new HourglassError('BAD_DATA', `${files[i]} is ${w}x${h}, smaller than the ${size}x${size} patches; lower --patch-size`);
    count += (Math.floor((h - size) / stride) + 1) * (Math.floor((w - size) / stride) + 1);
  });
  const out = tensor([count, channels, size, size]);
  let k = 0;
  for (const im of images) {
    const [, c, h, w] = im.shape;
    for (let py = 0; py + size <= h; py += stride)
      for (let px = 0; px + size <= w; px += stride) {
        for (let ch = 0; ch < channels; ch++) {
          const src = Math.min(ch, c - 1) * h * w;
          for (let y = 0; y < size; y++) {
            const from = src + (py + y) * w + px;
            out.data.set(im.data.subarray(from, from + size), ((k * channels + ch) * size + y) * size);
          }
        }
        k++;
      }
  }
  return out;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
