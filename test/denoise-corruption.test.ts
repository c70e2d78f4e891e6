import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corrupt, corruptionTransform, corruptWithSeed, formatCorruption, parseCorruption } from '../src/apps/denoise/corruption.js';
import { Rng } from '../src/core/rng.js';
import { tensor } from '../src/core/tensor.js';
import { hourglassError } from './support/data-files.js';

function stats(values: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < values.length; i++) {
    s += values[i];
    s2 += values[i] * values[i];
  }
  const mean = s / values.length;
  return { mean, std: Math.sqrt(s2 / values.length - mean * mean) };
}

test('parses noise specs and rejects bad ones with the accepted forms in the message', () => {
  assert.deepEqual(parseCorruption('gaussian:0.3'), { kind: 'gaussian', sigma: 0.3 });
  assert.deepEqual(parseCorruption(' salt-pepper:0.1 '), { kind: 'salt-pepper', fraction: 0.1 });
  assert.deepEqual(parseCorruption('mask:0.25'), { kind: 'mask', fraction: 0.25 });
  for (const spec of ['gaussian:0.3', 'salt-pepper:0.1', 'mask:0.25']) assert.equal(formatCorruption(parseCorruption(spec)), spec);
  const bad: [string, RegExp][] = [
    ['gaussian', /expected KIND:AMOUNT/],
    ['gaussian:', /expected KIND:AMOUNT/],
    ['gaussian:abc', /'abc' is not a number/],
    ['gaussian:-0.1', /sigma must be positive/],
    ['salt-pepper:1.5', /fraction must be in \(0, 1\]/],
    ['mask:1', /masked fraction must be in \(0, 1\)/],
    ['blur:0.3', /unknown kind 'blur'/],
    ['gaussian:0.1:0.2', /expected KIND:AMOUNT/],
  ];
  for (const [spec, message] of bad) {
    assert.throws(() => parseCorruption(spec), hourglassError('INVALID_ARGUMENT', message), spec);
    assert.throws(() => parseCorruption(spec), /use gaussian:SIGMA \(e\.g\. gaussian:0\.3\), salt-pepper:FRACTION/);
  }
});

test('Gaussian noise has the requested mean and standard deviation before clipping, and is clipped to the range', () => {
  const x = tensor([40, 1, 25, 25], new Float32Array(25000).fill(0.5));
  const noisy = corrupt(x, { kind: 'gaussian', sigma: 0.1 }, new Rng(3));
  const d = stats(noisy.data.map((v) => v - 0.5));
  assert.ok(Math.abs(d.mean) < 0.002, `mean ${d.mean}`);
  assert.ok(Math.abs(d.std - 0.1) < 0.002, `std ${d.std}`);
  assert.equal(x.data[0], 0.5, 'the input is left alone');
  const strong = corrupt(x, { kind: 'gaussian', sigma: 1 }, new Rng(3));
  assert.ok(strong.data.every((v) => v >= 0 && v <= 1));
  // About 30.9% of N(0.5, 1) lies beyond each end of [0, 1].
  const atZero = strong.data.filter((v) => v === 0).length / strong.data.length;
  assert.ok(Math.abs(atZero - 0.3085) < 0.01, `clipped at 0: ${atZero}`);
});

test('salt-and-pepper hits the requested fraction of pixels, half white, half black, every channel alike', () => {
  const x = tensor([10, 3, 40, 50], new Float32Array(60000).fill(0.5));
  const noisy = corrupt(x, { kind: 'salt-pepper', fraction: 0.1 }, new Rng(5));
  const plane = 2000;
  let salt = 0;
  let pepper = 0;
  for (let n = 0; n < 10; n++)
    for (let p = 0; p < plane; p++) {
      const r = noisy.data[(n * 3) * plane + p];
      assert.equal(noisy.data[(n * 3 + 1) * plane + p], r);
      assert.equal(noisy.data[(n * 3 + 2) * plane + p], r);
      if (r === 1) salt++;
      else if (r === 0) pepper++;
      else assert.equal(r, 0.5);
    }
  const fraction = (salt + pepper) / (10 * plane);
  assert.ok(Math.abs(fraction - 0.1) < 0.01, `fraction ${fraction}`);
  assert.ok(Math.abs(salt / (salt + pepper) - 0.5) < 0.06, `salt share ${salt / (salt + pepper)}`);
});

test('masking drops the requested fraction of pixels to the low end of the range', () => {
  const x = tensor([20, 1, 50, 50], new Float32Array(50000).fill(0.8));
  const masked = corrupt(x, { kind: 'mask', fraction: 0.25 }, new Rng(7), { low: -1, high: 1 });
  const dropped = masked.data.filter((v) => v === -1).length / masked.data.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.01, `dropped ${dropped}`);
  assert.ok(masked.data.every((v) => v === -1 || Math.abs(v - 0.8) < 1e-7));
});

test('the same seed gives the same noise; the training hook gives fresh noise every batch', () => {
  const x = tensor([4, 1, 8, 8], new Float32Array(256).map((_, i) => (i % 9) / 9));
  for (const spec of ['gaussian:0.2', 'salt-pepper:0.2', 'mask:0.3']) {
    const c = parseCorruption(spec);
    assert.deepEqual(corruptWithSeed(x, c, 11).data, corruptWithSeed(x, c, 11).data, spec);
    assert.notDeepEqual(corruptWithSeed(x, c, 11).data, corruptWithSeed(x, c, 12).data, spec);
  }
  const hook = corruptionTransform(parseCorruption('gaussian:0.2'));
  const rng = new Rng(1);
  const first = Float32Array.from(hook(x, rng).data);
  const second = Float32Array.from(hook(x, rng).data);
  assert.notDeepEqual(first, second);
  const replay = new Rng(1);
  assert.deepEqual(Float32Array.from(hook(x, replay).data), first);
  assert.throws(() => corrupt(x, parseCorruption('mask:0.2'), rng, { low: 1, high: 0 }), hourglassError('INVALID_ARGUMENT', /low < high/));
});
