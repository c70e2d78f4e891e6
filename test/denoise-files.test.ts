import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { tensor } from '../src/core/tensor.js';
import { encodeNpy } from '../src/data/npy.js';
import { encodeIdx } from '../src/data/idx.js';
import { decodeImage, encodeImage, listImages, readImage } from '../src/apps/denoise/image-file.js';
import { readImageArray } from '../src/apps/denoise/array-file.js';
import { folderPatches, loadDenoiseData } from '../src/apps/denoise/training-data.js';
import { hourglassError, tempDir } from './support/data-files.js';

const tmp = tempDir('denoise-files');

function ramp(c: number, h: number, w: number) {
  return tensor([1, c, h, w], Float32Array.from({ length: c * h * w }, (_, i) => Math.round(((i * 37) % 256)) / 255));
}

test('PNG round trip keeps grey and RGB pixels exactly, planar CHW in [0, 1]', async () => {
  for (const c of [1, 3]) {
    const image = ramp(c, 5, 7);
    const png = await encodeImage(image, 'png');
    assert.equal((await sharp(png).metadata()).channels, c);
    const back = await decodeImage(png, 'test.png');
    assert.deepEqual(back.shape, [1, c, 5, 7]);
    for (let i = 0; i < image.data.length; i++) assert.ok(Math.abs(back.data[i] - image.data[i]) < 1e-6, `c=${c} value ${i}`);
  }
  // Interleaved RGB bytes become planes: the first pixel's red, green and blue are a plane apart.
  const rgb = await sharp(Buffer.from([255, 0, 51, 0, 0, 0]), { raw: { width: 2, height: 1, channels: 3 } }).png().toBuffer();
  const planes = await decodeImage(rgb, 'rgb.png');
  assert.deepEqual([...planes.data].map((v) => Math.round(v * 255)), [255, 0, 0, 0, 51, 0]);
  // Colour modes: force grey or RGB whatever the file holds.
  assert.deepEqual((await decodeImage(rgb, 'rgb.png', 'grey')).shape, [1, 1, 1, 2]);
  assert.deepEqual((await decodeImage(await encodeImage(ramp(1, 3, 3), 'png'), 'g.png', 'rgb')).shape, [1, 3, 3, 3]);
  // Transparent pixels are flattened onto white.
  const clear = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
  assert.ok((await decodeImage(clear, 'clear.png')).data.every((v) => v === 1));
});

test('unreadable images and wrong extensions give clear errors', async () => {
  writeFileSync(path.join(tmp, 'fake.png'), 'not an image at all');
  await assert.rejects(readImage(path.join(tmp, 'fake.png')), hourglassError('BAD_FILE', /fake\.png: not a readable PNG or JPEG image/));
  await assert.rejects(readImage(path.join(tmp, 'none.png')), hourglassError('FILE_NOT_FOUND', /none\.png: no such file/));
  await assert.rejects(encodeImage(tensor([1, 2, 3, 3]), 'png'), hourglassError('INVALID_ARGUMENT', /1 or 3 channels/));
  mkdirSync(path.join(tmp, 'empty'));
  await assert.rejects(listImages(path.join(tmp, 'empty')), hourglassError('BAD_DATA', /holds no \.png, \.jpg or \.jpeg images/));
});

test('image arrays: byte arrays are scaled, shapes are folded, and their kind is remembered for output', async () => {
  const bytes = Uint8Array.from({ length: 2 * 4 * 4 }, (_, i) => i * 7);
  writeFileSync(path.join(tmp, 'b.npy'), encodeNpy({ shape: [2, 4, 4], data: bytes }));
  const npy = await readImageArray(path.join(tmp, 'b.npy'));
  assert.equal(npy.bytes, true);
  assert.deepEqual(npy.images.shape, [2, 1, 4, 4]);
  assert.ok(Math.abs(npy.images.data[3] - 21 / 255) < 1e-7);

  writeFileSync(path.join(tmp, 'rows.idx'), encodeIdx([3, 16], new Float32Array(48).fill(0.25)));
  const idx = await readImageArray(path.join(tmp, 'rows.idx'), [1, 4, 4]);
  assert.equal(idx.bytes, false);
  assert.deepEqual(idx.images.shape, [3, 1, 4, 4]);
  assert.deepEqual(idx.shape, [3, 16]);
  await assert.rejects(readImageArray(path.join(tmp, 'rows.idx'), [1, 5, 5]), hourglassError('SHAPE_MISMATCH', /rows of 16 values, but this model's images have 25 \(1x5x5\)/));

  writeFileSync(path.join(tmp, 'rgba.npy'), encodeNpy({ shape: [1, 4, 2, 2], data: new Float32Array(16) }));
  await assert.rejects(readImageArray(path.join(tmp, 'rgba.npy')), hourglassError('SHAPE_MISMATCH', /\[1, 4, 2, 2\].*c = 1 or 3/));
  writeFileSync(path.join(tmp, 'neg.npy'), encodeNpy({ shape: [1, 2, 2], data: new Float32Array([0, -0.5, 0, 0]) }));
  await assert.rejects(readImageArray(path.join(tmp, 'neg.npy')), hourglassError('BAD_DATA', /holds -0\.5 at position 1/));
});

test('a folder of images becomes training patches; grey images join RGB ones as three equal channels', async () => {
  const dir = path.join(tmp, 'photos');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'a.png'), await encodeImage(ramp(3, 40, 70), 'png'));
  writeFileSync(path.join(dir, 'b.png'), await encodeImage(ramp(1, 33, 33), 'png'));
  const patches = await folderPatches(dir, 16, 'auto');
  // Patches every 8 pixels: a (40x70) gives 4 x 7, b (33x33) 3 x 3.
  assert.deepEqual(patches.shape, [37, 3, 16, 16]);
  const last = patches.data.subarray(36 * 768, 37 * 768);
  assert.deepEqual(last.subarray(0, 256), last.subarray(256, 512), 'grey image: equal channels');
  assert.deepEqual((await folderPatches(dir, 16, 'grey')).shape, [37, 1, 16, 16]);
  assert.deepEqual((await folderPatches(dir, 16, 'auto', 16)).shape, [12, 3, 16, 16], 'a 2 x 4 + b 2 x 2 without overlap');
  await assert.rejects(folderPatches(dir, 34, 'auto'), hourglassError('BAD_DATA', /b\.png is 33x33, smaller than the 34x34 patches/));
  await assert.rejects(folderPatches(dir, 8, 'auto'), hourglassError('INVALID_ARGUMENT', /--patch-size must be an integer of at least 11/));

  const data = await loadDenoiseData({ data: dir, patchSize: 16, testSplit: 0.25, seed: 1 });
  assert.deepEqual([data.train.shape[0], data.test.shape[0]], [28, 9]);
  await assert.rejects(loadDenoiseData({ data: path.join(tmp, 'nothing-here') }), hourglassError('FILE_NOT_FOUND', /not an existing folder, nor a \.npy or \.idx file/));
});
