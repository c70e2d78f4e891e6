import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bestBlurSigma, clip, blurKernel, gaussianBlur, medianFilter, mirrorIndex } from '../src/apps/denoise/filters.js';
import { corruptWithSeed } from '../src/apps/denoise/corruption.js';
import { tensor } from '../src/core/tensor.js';
import { hourglassError } from './support/data-files.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/denoise');
const ref = JSON.parse(readFileSync(path.join(fixtures, 'filters.json'), 'utf8')) as {
  shape: number[];
  input: number[];
  median3: number[];
  blur: { sigma: number; output: number[] }[];
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('mirror indexing repeats the edge pixel: d c b a | a b c d | d c b a', () => {
  assert.deepEqual([-3, -2, -1, 0, 3, 4, 5, 6].map((i) => mirrorIndex(i, 4)), [2, 1, 0, 0, 3, 3, 2, 1]);
  assert.deepEqual([-1, 1, 2].map((i) => mirrorIndex(i, 1)), [0, 0, 0]);
});

test('median 3x3 by hand: an isolated speck vanishes, an edge survives, a corner uses mirrored neighbours', () => {
  const speck = tensor([1, 1, 5, 5]);
  speck.data[12] = 1;
  assert.equal(medianFilter(speck).data.reduce((s, v) => s + v, 0), 0);
  // Left half 0, right half 1: the median keeps the step where it is.
  const step = tensor([1, 1, 4, 6], new Float32Array(24).map((_, i) => (i % 6 >= 3 ? 1 : 0)));
  assert.deepEqual([...medianFilter(step).data], [...step.data]);
  // Corner (0,0) of [[1,2,3],[4,5,6],[7,8,9]] sees 1 1 2 / 1 1 2 / 4 4 5 once mirrored: median 2.
  const grid = tensor([1, 1, 3, 3], new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const out = medianFilter(grid);
  assert.equal(out.data[0], 2);
  assert.equal(out.data[4], 5);
});

test('median 3x3 and Gaussian blur match scipy.ndimage on random images', () => {
  const x = tensor([ref.shape[0], 1, ref.shape[1], ref.shape[2]], new Float32Array(ref.input));
  assert.ok(maxDiff(medianFilter(x).data, ref.median3) < 1e-7);
  for (const { sigma, output } of ref.blur) assert.ok(maxDiff(gaussianBlur(x, sigma).data, output) < 1e-6, `sigma ${sigma}`);
});

test('Gaussian blur keeps a constant image and spreads an impulse into the kernel', () => {
  const flat = tensor([1, 2, 7, 9], new Float32Array(126).fill(0.37));
  assert.ok(maxDiff(gaussianBlur(flat, 1.3).data, flat.data) < 1e-6);
  const impulse = tensor([1, 1, 15, 15]);
  impulse.data[7 * 15 + 7] = 1;
  const k = blurKernel(1);
  assert.equal(k.length, 9);
  const out = gaussianBlur(impulse, 1);
  assert.ok(Math.abs(out.data[7 * 15 + 7] - k[4] * k[4]) < 1e-7);
  assert.ok(Math.abs(out.data[5 * 15 + 8] - k[2] * k[5]) < 1e-7);
  assert.ok(Math.abs(out.data.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  assert.throws(() => gaussianBlur(flat, 0), hourglassError('INVALID_ARGUMENT', /sigma must be a positive number/));
  assert.throws(() => medianFilter(tensor([4, 4])), hourglassError('SHAPE_MISMATCH', /\[n, c, h, w\]/));
  assert.throws(() => medianFilter(flat, 2), hourglassError('INVALID_ARGUMENT', /odd/));
});

test('the best blur sigma grows with the noise and beats the noisy input', () => {
  // Smooth blobs: blur helps, and more so for stronger noise.
  const clean = tensor([16, 1, 20, 20]);
  for (let i = 0; i < clean.data.length; i++) {
    const n = Math.floor(i / 400);
    const y = Math.floor((i % 400) / 20);
    const x = i % 20;
    clean.data[i] = 0.5 + 0.3 * Math.sin((x + n) / 3) * Math.cos((y - n) / 4);
  }
  const weak = bestBlurSigma(corruptWithSeed(clean, { kind: 'gaussian', sigma: 0.05 }, 1), clean);
  const strong = bestBlurSigma(corruptWithSeed(clean, { kind: 'gaussian', sigma: 0.3 }, 1), clean);
  assert.ok(strong.sigma > weak.sigma, `${strong.sigma} > ${weak.sigma}`);
  assert.ok(strong.psnr > 20, `blurred PSNR ${strong.psnr}`);
  assert.deepEqual([...clip(tensor([3], new Float32Array([-1, 0.5, 2]))).data], [0, 0.5, 1]);
});
