import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gradcheck, randomTensor } from './support/gradcheck.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { HourglassError } from '../src/core/errors.js';
import { addon } from '../src/core/native/addon.js';
import { CONV2D_KERNELS, DECONV2D_KERNELS, pool2dBackward, pool2dForward, pool2dWorkspaceBytes } from '../src/core/native/conv.js';
import type { Layer, LayerConfig } from '../src/layers/layer.js';
import { Conv2d } from '../src/layers/conv2d.js';
import { Conv2dTranspose } from '../src/layers/conv2d-transpose.js';
import { MaxPool2d } from '../src/layers/max-pool2d.js';
import { AvgPool2d } from '../src/layers/avg-pool2d.js';
import { Upsampling2d } from '../src/layers/upsampling2d.js';
import { BatchNorm2d } from '../src/layers/batch-norm2d.js';

const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/conv');

const fromConfig: Record<string, (c: LayerConfig) => Layer> = {
  conv2d: Conv2d.fromConfig,
  conv2d_transpose: Conv2dTranspose.fromConfig,
  max_pool2d: MaxPool2d.fromConfig,
  avg_pool2d: AvgPool2d.fromConfig,
  upsampling2d: Upsampling2d.fromConfig,
  batch_norm2d: BatchNorm2d.fromConfig,
};

test('gradcheck: conv2d with strides, paddings, odd sizes and non-square kernels', () => {
  gradcheck(new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: [3, 2], padding: [1, 0] }), [2, 2, 5, 6]);
  gradcheck(new Conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, padding: 1 }), [3, 2, 7, 7], { seed: 2 });
  gradcheck(new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: [2, 3], stride: [2, 1], bias: false }), [2, 3, 6, 5], { seed: 3 });
  gradcheck(new Conv2d({ inChannels: 1, outChannels: 5, kernelSize: 3, padding: 'same' }), [2, 1, 5, 5], { seed: 4 });
  // 4 or more input channels run blocked layouts (fewer run im2col + GEMM on plain arrays).
  gradcheck(new Conv2d({ inChannels: 6, outChannels: 4, kernelSize: [3, 2], stride: 2, padding: [1, 0] }), [2, 6, 7, 6], { seed: 13 });
});

test('conv2d: a large batch (where oneDNN may pick Winograd kernels) agrees with small batches (direct kernels)', () => {
  const rng = new Rng(14);
  const big = new Conv2d({ inChannels: 32, outChannels: 64, kernelSize: 3, padding: 1 });
  const small = new Conv2d({ inChannels: 32, outChannels: 64, kernelSize: 3, padding: 1 });
  big.initialize(rng);
  const bias = big.bias!.value.data;
  for (let i = 0; i < bias.length; i++) bias[i] = rng.normal();
  small.weight.value.data.set(big.weight.value.data);
  small.bias!.value.data.set(bias);
  const batch = 32;
  const chunk = 4;
  const x = randomTensor([batch, 32, 14, 14], rng);
  const dy = randomTensor([batch, 64, 14, 14], rng);
  const y = Float32Array.from(big.forward(x, true).data);
  const dx = Float32Array.from(big.backward(dy, true)!.data);
  const dw = new Float64Array(big.weight.grad.data.length);
  const db = new Float64Array(64);
  const rowX = 32 * 14 * 14;
  const rowY = 64 * 14 * 14;
  const close = (a: number, b: number, scale: number, what: string): void => {
    if (!(Math.abs(a - b) <= 1e-3 * scale)) assert.fail(`${what}: large batch ${a}, small batches ${b}`);
  };
  for (let start = 0; start < batch; start += chunk) {
    const xs = tensor([chunk, 32, 14, 14], x.data.slice(start * rowX, (start + chunk) * rowX));
    const ys = small.forward(xs, true);
    for (let i = 0; i < ys.data.length; i++) close(y[start * rowY + i], ys.data[i], 1 + Math.abs(ys.data[i]), 'y');
    const dxs = small.backward(tensor([chunk, 64, 14, 14], dy.data.slice(start * rowY, (start + chunk) * rowY)), true)!;
    for (let i = 0; i < dxs.data.length; i++) close(dx[start * rowX + i], dxs.data[i], 1 + Math.abs(dxs.data[i]), 'dx');
    small.weight.grad.data.forEach((v, i) => (dw[i] += v));
    small.bias!.grad.data.forEach((v, i) => (db[i] += v));
  }
  const scale = Math.sqrt(batch * 14 * 14);
  dw.forEach((v, i) => close(big.weight.grad.data[i], v, scale, `dweight[${i}]`));
  db.forEach((v, i) => close(big.bias!.grad.data[i], v, scale, `dbias[${i}]`));
});

test('gradcheck: conv2d_transpose with strides, paddings and output padding', () => {
  // Fewer than 4 output channels run forward as a convolution's backward-data pass; more
  // run oneDNN's deconvolution: both routes are checked.
  gradcheck(new Conv2dTranspose({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 }), [2, 2, 3, 4]);
  gradcheck(new Conv2dTranspose({ inChannels: 3, outChannels: 5, kernelSize: [2, 3], stride: [1, 2], padding: [0, 1], outputPadding: [0, 1] }), [2, 3, 4, 3], { seed: 5 });
  gradcheck(new Conv2dTranspose({ inChannels: 2, outChannels: 1, kernelSize: 2, stride: 2, outputPadding: 1, bias: false }), [3, 2, 3, 3], { seed: 6 });
  // Output padding beyond the padding: the output grows past the symmetric crop.
  gradcheck(new Conv2dTranspose({ inChannels: 3, outChannels: 4, kernelSize: [3, 2], stride: 2, padding: [0, 1], outputPadding: 1 }), [2, 3, 3, 4], { seed: 12 });
});

test('gradcheck: max and average pooling', () => {
  // Smaller steps for max pooling: a step must not move the maximum of a window.
  gradcheck(new MaxPool2d({ kernelSize: 2 }), [2, 3, 5, 6], { eps: 1e-3 });
  gradcheck(new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }), [2, 2, 7, 6], { eps: 1e-3, seed: 7 });
  gradcheck(new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }), [2, 2, 7, 6]);
  gradcheck(new AvgPool2d({ kernelSize: [2, 3], stride: [1, 2] }), [3, 2, 4, 7], { seed: 8 });
});

test('gradcheck: nearest upsampling and batch normalization', () => {
  gradcheck(new Upsampling2d({ scale: [2, 3] }), [2, 2, 3, 2]);
  gradcheck(new Upsampling2d(), [1, 3, 2, 3], { seed: 9 });
  gradcheck(new BatchNorm2d({ numFeatures: 3 }), [4, 3, 3, 2]);
  gradcheck(new BatchNorm2d({ numFeatures: 2 }), [2, 2, 3, 3], { seed: 10 });
});

interface FixtureTensor {
  shape: number[];
  data: number[];
}

interface Fixture {
  name: string;
  config: LayerConfig;
  input: FixtureTensor;
  params: Record<string, FixtureTensor>;
  output: FixtureTensor;
  dy: FixtureTensor;
  dx: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  buffers?: Record<string, FixtureTensor>;
  evalOutput?: FixtureTensor;
}

function toTensor(t: FixtureTensor): Tensor {
  return tensor(t.shape, Float32Array.from(t.data));
}

function assertClose(actual: Tensor, expected: FixtureTensor, what: string, tolerance = 1e-4): void {
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  for (let i = 0; i < expected.data.length; i++) {
    const diff = Math.abs(actual.data[i] - expected.data[i]);
    assert.ok(diff <= tolerance * (1 + Math.abs(expected.data[i])), `${what}[${i}]: got ${actual.data[i]}, PyTorch ${expected.data[i]}`);
  }
}

const fixtures = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(fixtureDir, f), 'utf8')) as Fixture);

test('fixtures cover every layer kind', () => {
  assert.deepEqual(new Set(fixtures.map((f) => f.config.type)), new Set(Object.keys(fromConfig)));
});

for (const fx of fixtures) {
  test(`matches PyTorch: ${fx.name}`, () => {
    const layer = fromConfig[fx.config.type](fx.config);
    assert.deepEqual(layer.config(), fx.config, 'config() must round-trip the format the torch script reads');
    layer.initialize(new Rng(0));
    const params = layer.params();
    assert.deepEqual(params.map((p) => p.name).sort(), Object.keys(fx.params).sort());
    for (const p of params) {
      assert.deepEqual([...p.value.shape], fx.params[p.name].shape, `${p.name} layout`);
      p.value.data.set(fx.params[p.name].data);
    }
    const x = toTensor(fx.input);
    assert.deepEqual([...layer.outputShape(x.shape.slice(1))], fx.output.shape.slice(1));
    assertClose(layer.forward(x, true), fx.output, 'output');
    const dx = layer.backward(toTensor(fx.dy), true);
    assert.ok(dx);
    assertClose(dx, fx.dx, 'dx');
    for (const p of params) assertClose(p.grad, fx.grads[p.name], `d${p.name}`);
    if (fx.buffers) {
      const buffers = new Map(layer.buffers().map((b) => [b.name, b.value]));
      assert.deepEqual([...buffers.keys()].sort(), Object.keys(fx.buffers).sort());
      // num_batches_tracked is a 0-d int64 tensor in PyTorch; a float32 scalar here.
      for (const [name, expected] of Object.entries(fx.buffers)) assertClose(buffers.get(name)!, expected, name);
    }
    if (fx.evalOutput) assertClose(layer.forward(x, false), fx.evalOutput, 'inference output');
  });
}

test('backward overwrites parameter gradients and skips dx when not needed', () => {
  const rng = new Rng(11);
  for (const layer of [
    new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
    new Conv2dTranspose({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2 }),
    new BatchNorm2d({ numFeatures: 2 }),
  ]) {
    layer.initialize(rng);
    const x = randomTensor([2, 2, 4, 5], rng);
    const y = layer.forward(x, true);
    const dy = randomTensor(y.shape, rng);
    assert.ok(layer.backward(dy, true));
    const first = layer.params().map((p) => Float32Array.from(p.grad.data));
    assert.equal(layer.backward(dy, false), null, `${layer.type}: no dx requested`);
    layer.params().forEach((p, k) => assert.deepEqual(p.grad.data, first[k], `${layer.type} ${p.name}: overwritten, not accumulated`));
    assert.ok(first.some((g) => g.some((v) => v !== 0)));
  }
  const pool = new MaxPool2d({ kernelSize: 2 });
  pool.forward(randomTensor([1, 1, 4, 4], rng), true);
  assert.equal(pool.backward(randomTensor([1, 1, 2, 2], rng), false), null);
});

test('conv2d: same and valid padding, output shapes', () => {
  const same = new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: [5, 3], padding: 'same' });
  assert.deepEqual(same.config().padding, [2, 1]);
  assert.deepEqual(same.outputShape([1, 28, 28]), [8, 28, 28]);
  const valid = new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, padding: 'valid', stride: 2 });
  assert.deepEqual(valid.outputShape([1, 28, 28]), [8, 13, 13]);
  const up = new Conv2dTranspose({ inChannels: 8, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual(up.outputShape([8, 14, 14]), [1, 28, 28]);
});

test('batch_norm2d: inference uses the running statistics', () => {
  const bn = new BatchNorm2d({ numFeatures: 1, eps: 1e-5, momentum: 0.5 });
  const x = tensor([1, 1, 1, 4], Float32Array.from([1, 2, 3, 6]));
  bn.forward(x, true);
  // mean 3, biased var 3.5, unbiased 14/3; running: 0.5 * 0 + 0.5 * 3, 0.5 * 1 + 0.5 * 14/3.
  assert.ok(Math.abs(bn.runningMean.data[0] - 1.5) < 1e-6);
  assert.ok(Math.abs(bn.runningVar.data[0] - (0.5 + 7 / 3)) < 1e-5);
  assert.equal(bn.numBatchesTracked.data[0], 1);
  const y = bn.forward(x, false);
  const expected = (6 - 1.5) / Math.sqrt(0.5 + 7 / 3 + 1e-5);
  assert.ok(Math.abs(y.data[3] - expected) < 1e-5);
});

function throwsNamed(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof HourglassError && pattern.test(e.message), `expected an HourglassError matching ${pattern}`);
}

test('impossible configurations give clear errors naming the layer and the sizes', () => {
  throwsNamed(() => new MaxPool2d({ kernelSize: 2 }).outputShape([4, 1, 1]), /max_pool2d: window 2x2 does not fit input \[4, 1, 1\].*at least 2x2/);
  throwsNamed(() => new AvgPool2d({ kernelSize: [3, 2], stride: 1 }).outputShape([2, 2, 5]), /avg_pool2d: window 3x2 does not fit input \[2, 2, 5\].*at least 3x2/);
  throwsNamed(() => new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 5 }).outputShape([1, 3, 8]), /conv2d: kernel 5x5 is larger than the padded input 3x8.*at least 5x5/);
  throwsNamed(() => new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3 }).outputShape([1, 8, 8]), /conv2d expects 3 input channels, got input \[1, 8, 8\]/);
  throwsNamed(() => new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 }).outputShape([784]), /conv2d expects images shaped \[channels, height, width\].*reshape/);
  throwsNamed(() => new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, stride: 2, padding: 'same' }), /conv2d: padding 'same' needs stride 1 and an odd kernel/);
  throwsNamed(() => new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 4, padding: 'same' }), /odd kernel/);
  throwsNamed(() => new Conv2d({ inChannels: 0, outChannels: 2, kernelSize: 3 }), /conv2d: inChannels must be a positive integer/);
  throwsNamed(() => new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: [3, 0] }), /conv2d: kernelSize must be an integer >= 1/);
  throwsNamed(() => new Conv2dTranspose({ inChannels: 1, outChannels: 2, kernelSize: 3, stride: 2, outputPadding: 2 }), /conv2d_transpose: outputPadding 2x2 must be smaller than the stride 2x2/);
  throwsNamed(() => new Conv2dTranspose({ inChannels: 1, outChannels: 2, kernelSize: 1, padding: 1 }).outputShape([1, 1, 1]), /conv2d_transpose: padding 1x1 removes the whole output.*at least 3x3/);
  throwsNamed(() => new Conv2dTranspose({ inChannels: 4, outChannels: 2, kernelSize: 3 }).outputShape([2, 5, 5]), /conv2d_transpose expects 4 input channels/);
  throwsNamed(() => new MaxPool2d({ kernelSize: 2, padding: 2 }), /max_pool2d: padding 2x2 must be at most half the kernel size 2x2/);
  throwsNamed(() => new Upsampling2d({ scale: 1.5 }), /upsampling2d: scale must be an integer >= 1/);
  throwsNamed(() => new BatchNorm2d({ numFeatures: 4 }).outputShape([3, 5, 5]), /batch_norm2d expects 4 input channels, got input \[3, 5, 5\]/);
  throwsNamed(() => new BatchNorm2d({ numFeatures: 2 }).forward(tensor([1, 2, 1, 1]), true), /batch_norm2d: training needs more than one value per channel/);
  throwsNamed(() => new BatchNorm2d({ numFeatures: 2, momentum: 2 }), /batch_norm2d: momentum must be in \[0, 1\]/);
  throwsNamed(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1 }).backward(tensor([1, 1, 1, 1]), true), /conv2d: backward\(\) called without a training forward\(\)/);
  const conv = new Conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 });
  conv.initialize(new Rng(1));
  conv.forward(tensor([1, 1, 5, 5]), true);
  throwsNamed(() => conv.backward(tensor([1, 2, 4, 4]), true), /conv2d: backward\(\) got a gradient shaped \[1, 2, 4, 4\], expected \[1, 2, 3, 3\]/);
});

test('typed wrappers reject wrong calls before the native engine', () => {
  const g = { batch: 1, inChannels: 1, height: 4, width: 4, outChannels: 2, kernel: [3, 3] as const, stride: [1, 1] as const, padding: [0, 0] as const };
  throwsNamed(() => CONV2D_KERNELS.forward(g, new Float32Array(15), new Float32Array(18), null, new Float32Array(8)), /conv2dForward: x has 15 elements, expected 16 \(\[1, 1, 4, 4\]\)/);
  throwsNamed(() => CONV2D_KERNELS.forward(g, new Float32Array(16), new Float32Array(18), new Float32Array(3), new Float32Array(8)), /conv2dForward: bias has 3 elements, expected 2/);
  throwsNamed(() => CONV2D_KERNELS.forward({ ...g, stride: [0, 1] }, new Float32Array(16), new Float32Array(18), null, new Float32Array(8)), /stride\[0\] must be a positive integer/);
  const pg = { batch: 1, channels: 1, height: 4, width: 4, kernel: [2, 2] as const, stride: [2, 2] as const, padding: [0, 0] as const };
  throwsNamed(() => pool2dBackward('max', pg, new Float32Array(4), new Float32Array(16), null), /max pooling needs the workspace/);
});

test('native entry points throw on wrong calls instead of crashing', () => {
  const f = (n: number): Float32Array => new Float32Array(n);
  const geometry = [1, 1, 4, 4, 2, 3, 3, 1, 1, 0, 0];
  assert.throws(() => addon.conv2dForward(...geometry, f(16), f(18), null), /expects 15 arguments/);
  assert.throws(() => addon.conv2dForward(...geometry, f(15), f(18), null, f(8)), /x has 15 elements/);
  assert.throws(() => addon.conv2dForward(...geometry, f(16), f(18), null, f(9)), /y has 9 elements, expected exactly 8/);
  assert.throws(() => addon.conv2dForward(1, 1, 4, 4, 2, 7, 7, 1, 1, 0, 0, f(16), f(98), null, f(8)), /kernel 7x7 is larger than the padded input 4x4/);
  assert.throws(() => addon.conv2dForward(1, 1, 4, 4, 2, 3, 3, 0, 1, 0, 0, f(16), f(18), null, f(8)), /strideH must be at least 1/);
  assert.throws(() => addon.conv2dForward(1, -1, 4, 4, 2, 3, 3, 1, 1, 0, 0, f(16), f(18), null, f(8)), /inChannels must be a non-negative integer/);
  assert.throws(() => addon.conv2dBackwardWeights(...geometry, f(16), new Float64Array(8), f(18), null), /dy must be a Float32Array/);
  assert.throws(() => addon.deconv2dForward(1, 1, 2, 2, 1, 3, 3, 2, 2, 1, 1, 2, 0, f(4), f(9), null, f(30)), /output padding must be smaller than the stride/);
  assert.throws(() => addon.pool2dForward(true, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, f(16), f(4), new Uint8Array(1)), /workspace has 1 bytes/);
  assert.throws(() => addon.pool2dForward(true, 1, 1, 1, 1, 3, 3, 1, 1, 0, 0, f(1), f(1), null), /kernel 3x3 is larger than the padded input 1x1/);
  assert.throws(() => addon.pool2dForward(false, 1, 1, 4, 4, 2, 2, 1, 1, 2, 0, f(16), f(49), null), /padding must be at most half the kernel/);
  assert.throws(() => addon.batchNorm2dForward(1, 2, 2, 2, 0, true, f(8), f(2), f(2), f(8), f(2), f(2)), /eps must be in/);
  assert.throws(() => addon.upsampleNearest2dForward(1, 1, 2, 2, 2, 2, f(4), f(15)), /y has 15 elements/);

  // A max-pooling workspace that no forward filled would send gradients outside dx.
  const pg = { batch: 1, channels: 2, height: 4, width: 4, kernel: [2, 2] as const, stride: [2, 2] as const, padding: [0, 0] as const };
  const workspace = new Uint8Array(pool2dWorkspaceBytes('max', pg)).fill(255);
  throwsNamed(() => pool2dBackward('max', pg, f(8), f(32), workspace), /workspace does not come from pool2dForward/);
  // After a forward it is accepted and routes each gradient to its maximum.
  const x = f(32).map((_, i) => (i * 7) % 11);
  const y = f(8);
  pool2dForward('max', pg, x, y, workspace);
  const dx = f(32);
  pool2dBackward('max', pg, f(8).fill(1), dx, workspace);
  assert.equal(dx.reduce((a, b) => a + b, 0), 8);
  for (let i = 0; i < 32; i++) if (dx[i] === 1) assert.ok(y.includes(x[i]));
});

test('conv2dBackward and deconv2dBackward (dy staged once) give what the two separate backward passes give', () => {
  const rng = new Rng(21);
  const fill = (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal();
    return a;
  };
  // Blocked layouts (16+ channels), a plain-layout pass (1 channel), stride 2 and odd sizes.
  const convs = [
    { batch: 3, inChannels: 16, height: 9, width: 11, outChannels: 32, kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
    { batch: 2, inChannels: 1, height: 8, width: 8, outChannels: 16, kernel: [3, 3], stride: [1, 1], padding: [1, 1] },
  ] as const;
  for (const g0 of convs) {
    const g = { ...g0, kernel: [...g0.kernel] as [number, number], stride: [...g0.stride] as [number, number], padding: [...g0.padding] as [number, number] };
    const [oh, ow] = [Math.floor((g.height + 2 - 3) / g.stride[0]) + 1, Math.floor((g.width + 2 - 3) / g.stride[1]) + 1];
    const x = fill(g.batch * g.inChannels * g.height * g.width);
    const dy = fill(g.batch * g.outChannels * oh * ow);
    const w = fill(g.outChannels * g.inChannels * 9);
    const [dw1, db1, dx1] = [new Float32Array(w.length), new Float32Array(g.outChannels), new Float32Array(x.length)];
    const [dw2, db2, dx2] = [new Float32Array(w.length), new Float32Array(g.outChannels), new Float32Array(x.length)];
    CONV2D_KERNELS.backwardWeights(g, x, dy, dw1, db1);
    CONV2D_KERNELS.backwardData(g, dy, w, dx1);
    CONV2D_KERNELS.backward(g, x, dy, w, dw2, db2, dx2);
    assert.deepEqual([dw2, db2, dx2], [dw1, db1, dx1]);
  }
  const d = { batch: 2, inChannels: 32, height: 5, width: 6, outChannels: 16, kernel: [3, 3] as [number, number], stride: [2, 2] as [number, number], padding: [1, 1] as [number, number], outputPadding: [1, 0] as [number, number] };
  const [dh, dwid] = [(d.height - 1) * 2 - 2 + 3 + 1, (d.width - 1) * 2 - 2 + 3 + 0];
  const x = fill(d.batch * d.inChannels * d.height * d.width);
  const dy = fill(d.batch * d.outChannels * dh * dwid);
  const w = fill(d.inChannels * d.outChannels * 9);
  const [dw1, dx1, dw2, dx2] = [new Float32Array(w.length), new Float32Array(x.length), new Float32Array(w.length), new Float32Array(x.length)];
  DECONV2D_KERNELS.backwardWeights(d, x, dy, dw1, null);
  DECONV2D_KERNELS.backwardData(d, dy, w, dx1);
  DECONV2D_KERNELS.backward(d, x, dy, w, dw2, null, dx2);
  assert.deepEqual([dw2, dx2], [dw1, dx1]);
  assert.throws(() => CONV2D_KERNELS.backward({ ...convs[1], kernel: [3, 3], stride: [1, 1], padding: [1, 1] }, x, dy, w, dw2, null, dx2), HourglassError);
});
