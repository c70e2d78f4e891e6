import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HourglassError, invalid } from '../core/errors.js';
import { tensor, type Tensor } from '../core/tensor.js';
import { readIdx, type IdxArray } from './idx.js';

/** Images with one class label each. */
export interface LabeledImages {
  /** [n, 1, 28, 28], float32, pixel / 255, so in [0, 1]. */
  images: Tensor;
  labels: Uint8Array;
  classNames: string[];
}

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Where the Debian package dataset-fashion-mnist installs the files. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DIR_ENV = 'HOURGLASS_FASHION_MNIST_DIR';

export interface FashionMnistOptions {
  /** Folder holding the four IDX files; overrides $HOURGLASS_FASHION_MNIST_DIR and the default. */
  dir?: string;
  split: 'train' | 'test';
  /** Keep only the first `limit` images (all of them when the split is smaller). */
  limit?: number;
}

export function fashionMnistDir(dir?: string): string {
  return dir ?? process.env[FASHION_MNIST_DIR_ENV] ?? DEFAULT_FASHION_MNIST_DIR;
}

const IMAGE_SIZE = 28;

/** Loads one split of Fashion-MNIST: 60,000 training or 10,000 test images, 28x28 grey. */
export async function loadFashionMnist(options: FashionMnistOptions): Promise<LabeledImages> {
  const { split, limit } = options;
  if (split !== 'train' && split !== 'test') throw invalid(`Fashion-MNIST split must be 'train' or 'test', got '${String(split)}'`);
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    throw invalid(`Fashion-MNIST limit must be a positive integer, got ${limit}`);

  const dir = fashionMnistDir(options.dir);
  await checkDatasetDir(dir);
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = await findDatasetFile(dir, prefix, 'images', 3);
  const labelsFile = await findDatasetFile(dir, prefix, 'labels', 1);
  const [images, labels] = await Promise.all([readIdx(imagesFile), readIdx(labelsFile)]);

  checkLayout(imagesFile, images, [IMAGE_SIZE, IMAGE_SIZE]);
  checkLayout(labelsFile, labels, []);
  const count = images.dims[0];
  if (labels.dims[0] !== count)
    throw new HourglassError(
      'BAD_DATA',
      `Fashion-MNIST ${split} split is inconsistent: ${imagesFile} holds ${count} images but ${labelsFile} holds ` +
        `${labels.dims[0]} labels; the files come from different downloads or one is damaged, reinstall dataset-fashion-mnist`,
    );

  const n = limit === undefined ? count : Math.min(limit, count);
  const labelData = (labels.data as Uint8Array).slice(0, n);
  for (let i = 0; i < n; i++)
    if (labelData[i] >= FASHION_MNIST_CLASS_NAMES.length)
      throw new HourglassError('BAD_DATA', `${labelsFile}: label ${labelData[i]} of image ${i} is not a class (expected 0-9)`);

  const pixels = images.data as Uint8Array;
  const values = new Float32Array(n * IMAGE_SIZE * IMAGE_SIZE);
  const inv255 = 1 / 255;
  for (let i = 0; i < values.length; i++) values[i] = pixels[i] * inv255;
  return {
    images: tensor([n, 1, IMAGE_SIZE, IMAGE_SIZE], values),
    labels: labelData,
    classNames: [...FASHION_MNIST_CLASS_NAMES],
  };
}

async function checkDatasetDir(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir)
    throw new HourglassError(
      'FILE_NOT_FOUND',
      `Fashion-MNIST not found: ${dir} is not a directory. Install it with \`apt-get install dataset-fashion-mnist\`, ` +
        `or pass --data-dir DIR (or set ${FASHION_MNIST_DIR_ENV}) pointing to a folder with ` +
        'train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz',
    );
}

/**
 * Finds e.g. train-images-idx3-ubyte(.gz) in `dir` or one folder below it. Copies of the
 * data set differ in details: gzipped or not, and the original MNIST archives spell the
 * name with a dot (train-images.idx3-ubyte).
 */
async function findDatasetFile(dir: string, prefix: string, kind: 'images' | 'labels', rank: number): Promise<string> {
  const names = [`${prefix}-${kind}-idx${rank}-ubyte`, `${prefix}-${kind}.idx${rank}-ubyte`].flatMap((n) => [
    `${n}.gz`,
    n,
  ]);
  const folders = [dir, ...(await subfolders(dir))];
  for (const folder of folders) {
    let entries: Set<string>;
    try {
      entries = new Set(await readdir(folder));
    } catch {
      continue;
    }
    const found = names.find((n) => entries.has(n));
    if (found) return path.join(folder, found);
  }
  throw new HourglassError(
    'FILE_NOT_FOUND',
    `Fashion-MNIST: no ${names[0]} (or ${names[1]}) in ${dir} or its subfolders; reinstall it with ` +
      '`apt-get install --reinstall dataset-fashion-mnist` or pass --data-dir DIR pointing to a complete copy',
  );
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

function checkLayout(file: string, array: IdxArray, itemDims: number[]): void {
  const expected = `uint8 with dimensions [n${itemDims.map((d) => `, ${d}`).join('')}]`;
  const ok =
    array.type === 'uint8' &&
    array.dims.length === itemDims.length + 1 &&
    itemDims.every((d, i) => array.dims[i + 1] === d);
  if (!ok)
    throw new HourglassError(
      'BAD_FILE',
      `${file}: expected ${expected} for Fashion-MNIST, got ${array.type} [${array.dims.join(', ')}]`,
    );
}
