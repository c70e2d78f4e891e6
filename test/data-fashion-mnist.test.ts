import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DIR_ENV,
  loadFashionMnist,
} from '../src/data/fashion-mnist.js';
import { writeIdx } from '../src/data/idx.js';
import { hourglassError, tempDir } from './support/data-files.js';

const realDir = DEFAULT_FASHION_MNIST_DIR;
const haveRealData = existsSync(path.join(realDir, 'train-labels-idx1-ubyte.gz'));
const skipReal = haveRealData ? false : `Fashion-MNIST is not installed in ${realDir} (apt-get install dataset-fashion-mnist)`;
const tmp = tempDir('fmnist');

function rawBytes(name: string): Buffer {
  return gunzipSync(readFileSync(path.join(realDir, name)));
}

/** A tiny data set in Fashion-MNIST's layout: image i is filled with the value 10 * i. */
async function writeFakeDataset(dir: string, { images = 3, labels = 3, side = 28, prefix = 'train', gz = true } = {}) {
  await mkdir(dir, { recursive: true });
  const pixels = new Uint8Array(images * side * side);
  for (let i = 0; i < images; i++) pixels.fill(10 * i, i * side * side, (i + 1) * side * side);
  const suffix = gz ? '.gz' : '';
  await writeIdx(path.join(dir, `${prefix}-images-idx3-ubyte${suffix}`), [images, side, side], pixels);
  await writeIdx(path.join(dir, `${prefix}-labels-idx1-ubyte${suffix}`), [labels], Uint8Array.from({ length: labels }, (_, i) => i % 10));
}

test('real Fashion-MNIST training images: shapes, range, labels as in the raw file', { skip: skipReal }, async () => {
  const { images, labels, classNames } = await loadFashionMnist({ dir: realDir, split: 'train', limit: 1000 });
  assert.deepEqual(images.shape, [1000, 1, 28, 28]);
  assert.equal(images.data.length, 1000 * 784);
  assert.equal(labels.length, 1000);
  let min = Infinity;
  let max = -Infinity;
  for (const v of images.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);

  const rawLabels = rawBytes('train-labels-idx1-ubyte.gz');
  assert.deepEqual(Array.from(labels.subarray(0, 10)), Array.from(rawLabels.subarray(8, 18)));
  assert.deepEqual(Array.from(labels.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);

  // Pixel values are byte / 255, in the file's order (image 999 is the last one kept).
  const rawImages = rawBytes('train-images-idx3-ubyte.gz');
  for (const i of [0, 1, 999])
    for (let p = 0; p < 784; p++) assert.equal(images.data[i * 784 + p], Math.fround(rawImages[16 + i * 784 + p] / 255));

  assert.equal(classNames.length, 10);
  assert.equal(classNames[0], 'T-shirt/top');
  assert.equal(classNames[9], 'Ankle boot');
  assert.equal(classNames[labels[0]], 'Ankle boot');
});

test('real Fashion-MNIST test split holds 10,000 images', { skip: skipReal }, async () => {
  const { images, labels } = await loadFashionMnist({ dir: realDir, split: 'test' });
  assert.deepEqual(images.shape, [10000, 1, 28, 28]);
  assert.equal(labels.length, 10000);
  const raw = rawBytes('t10k-labels-idx1-ubyte.gz');
  assert.deepEqual(Array.from(labels.subarray(9990)), Array.from(raw.subarray(8 + 9990)));
});

test('class names are the ten Fashion-MNIST classes', () => {
  assert.deepEqual(FASHION_MNIST_CLASS_NAMES, [
    'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
  ]);
});

test('a missing data directory says how to install the data set', async () => {
  const missing = path.join(tmp, 'not-there');
  await assert.rejects(
    loadFashionMnist({ dir: missing, split: 'train' }),
    hourglassError('FILE_NOT_FOUND', /not-there is not a directory.*apt-get install dataset-fashion-mnist.*--data-dir/),
  );
});

test('the environment variable sets the directory and the dir option overrides it', async () => {
  const fromEnv = path.join(tmp, 'env');
  const fromOption = path.join(tmp, 'option');
  await writeFakeDataset(fromEnv, { images: 2, labels: 2, prefix: 't10k' });
  await writeFakeDataset(fromOption, { images: 4, labels: 4, prefix: 't10k' });
  const saved = process.env[FASHION_MNIST_DIR_ENV];
  process.env[FASHION_MNIST_DIR_ENV] = fromEnv;
  try {
    assert.equal((await loadFashionMnist({ split: 'test' })).labels.length, 2);
    assert.equal((await loadFashionMnist({ split: 'test', dir: fromOption })).labels.length, 4);
  } finally {
    if (saved === undefined) delete process.env[FASHION_MNIST_DIR_ENV];
    else process.env[FASHION_MNIST_DIR_ENV] = saved;
  }
});

test('files in a subfolder and without gzip are found; limit keeps the first images', async () => {
  const root = path.join(tmp, 'nested');
  await writeFakeDataset(path.join(root, 'fashion'), { images: 5, labels: 5, gz: false });
  const { images, labels } = await loadFashionMnist({ dir: root, split: 'train', limit: 3 });
  assert.deepEqual(images.shape, [3, 1, 28, 28]);
  assert.deepEqual(Array.from(labels), [0, 1, 2]);
  assert.equal(images.data[2 * 784 + 100], Math.fround(20 / 255));
  // A limit beyond the data returns everything.
  assert.equal((await loadFashionMnist({ dir: root, split: 'train', limit: 50 })).labels.length, 5);
});

test('a missing file in the directory is named', async () => {
  const only = path.join(tmp, 'only-train');
  await writeFakeDataset(only);
  await assert.rejects(
    loadFashionMnist({ dir: only, split: 'test' }),
    hourglassError('FILE_NOT_FOUND', /no t10k-images-idx3-ubyte\.gz .*only-train/),
  );
});

test('images and labels of different counts are refused', async () => {
  const d = path.join(tmp, 'mismatch');
  await writeFakeDataset(d, { images: 3, labels: 2 });
  await assert.rejects(loadFashionMnist({ dir: d, split: 'train' }), hourglassError('BAD_DATA', /holds 3 images but .* holds 2 labels/));
});

test('images that are not 28x28 and labels out of range are refused', async () => {
  const small = path.join(tmp, 'small');
  await writeFakeDataset(small, { side: 27 });
  await assert.rejects(loadFashionMnist({ dir: small, split: 'train' }), hourglassError('BAD_FILE', /expected uint8 with dimensions \[n, 28, 28\] for Fashion-MNIST, got uint8 \[3, 27, 27\]/));

  const badLabels = path.join(tmp, 'bad-labels');
  await writeFakeDataset(badLabels);
  await writeIdx(path.join(badLabels, 'train-labels-idx1-ubyte.gz'), [3], new Uint8Array([0, 12, 1]));
  await assert.rejects(loadFashionMnist({ dir: badLabels, split: 'train' }), hourglassError('BAD_DATA', /label 12 of image 1/));
});

test('invalid options are refused', async () => {
  await assert.rejects(loadFashionMnist({ split: 'train', limit: 0 }), hourglassError('INVALID_ARGUMENT', /limit must be a positive integer/));
  await assert.rejects(loadFashionMnist({ split: 'valid' as 'train' }), hourglassError('INVALID_ARGUMENT', /split must be/));
});
