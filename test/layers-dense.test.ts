import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from './support/gradcheck.js';
import { Dense } from '../src/layers/dense.js';
import { Activation } from '../src/layers/activation.js';
import { Dropout } from '../src/layers/dropout.js';
import { Flatten, Identity, Reshape } from '../src/layers/reshape.js';
import { Sequential } from '../src/layers/sequential.js';
import { layerFromConfig } from '../src/layers/registry.js';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { HourglassError } from '../src/core/errors.js';

test('dense: finite-difference gradients (with and without bias, several shapes)', () => {
  gradcheck(new Dense({ inFeatures: 7, outFeatures: 5 }), [3, 7]);
  gradcheck(new Dense({ inFeatures: 1, outFeatures: 1 }), [1, 1]);
  gradcheck(new Dense({ inFeatures: 33, outFeatures: 17, bias: false, init: 'glorot' }), [9, 33], { seed: 7 });
});

for (const kind of ['relu', 'leaky_relu', 'sigmoid', 'tanh'] as const) {
  test(`${kind}: finite-difference gradients`, () => {
    // Small eps keeps the piecewise-linear kinks out of the differences.
    gradcheck(new Activation(kind, 0.2), [4, 13], { eps: 1e-3, tolerance: 3e-2 });
  });
}

test('view layers: flatten, reshape and identity pass gradients through unchanged', () => {
  gradcheck(new Flatten(), [2, 3, 4, 5]);
  gradcheck(new Reshape([2, 6]), [3, 12]);
  gradcheck(new Identity(), [2, 5]);
});

test('dropout: identity at inference, inverted scaling while training, gradient through the same mask', () => {
  const layer = new Dropout(0.5);
  layer.initialize(new Rng(3));
  const x = tensor([4, 1000], new Float32Array(4000).fill(1));
  assert.equal(layer.forward(x, false), x);
  const y = layer.forward(x, true);
  const zeros = y.data.filter((v) => v === 0).length;
  assert.ok(zeros > 1700 && zeros < 2300, `about half dropped, got ${zeros}`);
  assert.ok(y.data.every((v) => v === 0 || v === 2));
  const dy = tensor(y.shape, new Float32Array(4000).fill(1));
  const dx = layer.backward(dy, true)!;
  for (let i = 0; i < 4000; i++) assert.equal(dx.data[i], y.data[i]);
  assert.throws(() => new Dropout(1), /p must be in \[0, 1\)/);
});

test('sequential: shapes are checked when the network is built, naming the layer', () => {
  assert.throws(
    () => new Sequential([new Dense({ inFeatures: 10, outFeatures: 4 }), new Dense({ inFeatures: 5, outFeatures: 2 })], [10]),
    (e: unknown) => e instanceof HourglassError && /layer 1 \(dense\).*expects 5 features.*\[4\]/.test(e.message),
  );
  assert.throws(() => new Sequential([new Dense({ inFeatures: 784, outFeatures: 4 })], [1, 28, 28]), /add a flatten layer/);
  const net = new Sequential([new Flatten(), new Dense({ inFeatures: 784, outFeatures: 4 })], [1, 28, 28]);
  assert.deepEqual(net.outputShape, [4]);
  assert.deepEqual(net.params().map((p) => p.name), ['1.weight', '1.bias']);
  assert.throws(() => net.forward(tensor([2, 783]), false), /expected input of shape \[n, 1, 28, 28\], got \[2, 783\]/);
});

test('layer configs round-trip through layerFromConfig, and unknown types are rejected', () => {
  const layers = [new Dense({ inFeatures: 3, outFeatures: 2, bias: false }), new Activation('leaky_relu', 0.3), new Dropout(0.25), new Reshape([2, 1]), new Flatten(), new Identity()];
  for (const l of layers) assert.deepEqual(layerFromConfig(l.config()).config(), l.config());
  assert.throws(() => layerFromConfig({ type: 'lstm' }), /unknown layer type 'lstm'/);
  assert.throws(() => layerFromConfig({ type: 'dense', inFeatures: -1, outFeatures: 2 }), /inFeatures must be a positive integer/);
});

test('dense: He initialisation has the expected spread and is reproducible from the seed', () => {
  const a = new Dense({ inFeatures: 400, outFeatures: 300 });
  const b = new Dense({ inFeatures: 400, outFeatures: 300 });
  a.initialize(new Rng(5));
  b.initialize(new Rng(5));
  assert.deepEqual(a.weight.value.data, b.weight.value.data);
  let s = 0;
  for (const v of a.weight.value.data) s += v * v;
  const std = Math.sqrt(s / a.weight.value.data.length);
  assert.ok(Math.abs(std - Math.sqrt(2 / 400)) < 0.002, `std ${std}`);
});
