import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendWindow, processTiled, tilePositions } from '../src/apps/denoise/tiling.js';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { hourglassError } from './support/data-files.js';

const identity = (tiles: Tensor): Tensor => ({ shape: tiles.shape, data: Float32Array.from(tiles.data) });

/** A model with the flaws that cause seams: darkened tile borders (like zero padding) and a per-tile brightness offset. */
function flawedModel(seed: number): (tiles: Tensor) => Tensor {
  const rng = new Rng(seed);
  return (tiles) => {
    const [k, c, h, w] = tiles.shape;
    const out = tensor(tiles.shape);
    for (let t = 0; t < k; t++) {
      const offset = (rng.uniform() - 0.5) * 0.1;
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const border = Math.min(y, x, h - 1 - y, w - 1 - x);
            const at = ((t * c + ch) * h + y) * w + x;
            out.data[at] = tiles.data[at] * (border < 3 ? 0.8 + 0.05 * border : 1) + offset;
          }
    }
    return out;
  };
}

/** Largest jump between neighbouring pixels of one plane [h, w], across rows and columns. */
function largestStep(img: Tensor, h: number, w: number): number {
  let m = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = img.data[y * w + x];
      if (x + 1 < w) m = Math.max(m, Math.abs(img.data[y * w + x + 1] - v));
      if (y + 1 < h) m = Math.max(m, Math.abs(img.data[(y + 1) * w + x] - v));
    }
  return m;
}

test('tile positions cover the image and end flush with it', () => {
  assert.deepEqual(tilePositions(28, 28, 14), [0]);
  assert.deepEqual(tilePositions(20, 28, 14), [0]);
  assert.deepEqual(tilePositions(56, 28, 14), [0, 14, 28]);
  assert.deepEqual(tilePositions(50, 28, 14), [0, 14, 22]);
  assert.deepEqual(tilePositions(60, 28, 28), [0, 28, 32]);
});

test('the blend window is positive and sums to one at half-tile steps', () => {
  const win = blendWindow(28);
  assert.ok(win.every((v) => v > 0));
  for (let i = 0; i < 14; i++) assert.ok(Math.abs(win[i] + win[i + 14] - 1) < 1e-12);
});

test('an identity model reproduces images of any size exactly, smaller than a tile too', () => {
  const rng = new Rng(2);
  for (const [c, h, w] of [[1, 50, 61], [3, 28, 40], [1, 20, 15], [1, 28, 28], [3, 9, 100]]) {
    const image = tensor([c, h, w], new Float32Array(c * h * w).map(() => rng.uniform()));
    const out = processTiled(image, identity, { tile: [28, 28] });
    assert.deepEqual(out.shape, [c, h, w]);
    let m = 0;
    for (let i = 0; i < out.data.length; i++) m = Math.max(m, Math.abs(out.data[i] - image.data[i]));
    assert.ok(m < 1e-6, `[${c}, ${h}, ${w}]: max error ${m}`);
  }
});

test('no seams: a constant image through a flawed model blends smoothly, where plain tiling shows edges', () => {
  const [h, w] = [90, 120];
  const image = tensor([1, h, w], new Float32Array(h * w).fill(0.5));
  const plain = processTiled(image, flawedModel(1), { tile: [28, 28], stride: [28, 28], margin: [0, 0] });
  const blended = processTiled(image, flawedModel(1), { tile: [28, 28] });
  const plainStep = largestStep(plain, h, w);
  const blendedStep = largestStep(blended, h, w);
  // The blend turns the per-tile offsets (up to 0.1 apart) into ramps a tile wide, about 0.01 per pixel.
  assert.ok(plainStep > 0.05, `plain tiling has seams (step ${plainStep})`);
  assert.ok(blendedStep < 0.015 && blendedStep * 4 < plainStep, `blended tiling is smooth (largest step ${blendedStep}, plain ${plainStep})`);
  // Away from the image border the blend also undoes most of the border darkening.
  let worst = 0;
  for (let y = 14; y < h - 14; y++) for (let x = 14; x < w - 14; x++) worst = Math.max(worst, Math.abs(blended.data[y * w + x] - 0.5));
  assert.ok(worst < 0.06, `interior error ${worst}`);
});

test('a smooth gradient through the flawed model keeps its slope across tile borders', () => {
  const [h, w] = [56, 84];
  const image = tensor([1, h, w], new Float32Array(h * w).map((_, i) => 0.2 + 0.6 * ((i % w) / (w - 1))));
  // Second differences along rows: the image's are zero; seams show as spikes.
  const spike = (out: Tensor): number => {
    let m = 0;
    for (let y = 0; y < h; y++)
      for (let x = 1; x + 1 < w; x++) m = Math.max(m, Math.abs(out.data[y * w + x - 1] - 2 * out.data[y * w + x] + out.data[y * w + x + 1]));
    return m;
  };
  const blended = spike(processTiled(image, flawedModel(4), { tile: [28, 28] }));
  const plain = spike(processTiled(image, flawedModel(4), { tile: [28, 28], stride: [28, 28], margin: [0, 0] }));
  assert.ok(blended < 0.015 && blended * 4 < plain, `largest second difference ${blended}, plain tiling ${plain}`);
});

test('bad tiling arguments are refused', () => {
  const image = tensor([1, 30, 30]);
  assert.throws(() => processTiled(tensor([1, 1, 30, 30]), identity, { tile: [28, 28] }), hourglassError('SHAPE_MISMATCH', /one image \[c, h, w\]/));
  assert.throws(() => processTiled(image, identity, { tile: [28, 0] }), hourglassError('INVALID_ARGUMENT', /tile size/));
  assert.throws(() => processTiled(image, identity, { tile: [28, 28], stride: [30, 14] }), hourglassError('INVALID_ARGUMENT', /stride/));
  assert.throws(() => processTiled(image, (t) => tensor([1, 1, 2, 2]), { tile: [28, 28] }), hourglassError('SHAPE_MISMATCH', /returned shape/));
});
