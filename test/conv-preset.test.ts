import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../src/core/tensor.js';
import { HourglassError } from '../src/core/errors.js';
import { convAutoencoder, describeConvPreset, resolveConvPreset } from '../src/models/conv-preset.js';
import { buildAutoencoder } from '../src/models/build.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';

test('conv preset: the reference CAE layout on 1x28x28', () => {
  const model = convAutoencoder({ inputShape: [1, 28, 28] });
  assert.deepEqual(
    [...model.encoder.layers, ...model.decoder.layers].map((l) => l.config()),
    [
      { type: 'conv2d', inChannels: 1, outChannels: 32, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], bias: true },
      { type: 'relu' },
      { type: 'max_pool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
      { type: 'conv2d', inChannels: 32, outChannels: 64, kernelSize: [3, 3], stride: [1, 1], padding: [1, 1], bias: true },
      { type: 'relu' },
      { type: 'max_pool2d', kernelSize: [2, 2], stride: [2, 2], padding: [0, 0] },
      { type: 'conv2d_transpose', inChannels: 64, outChannels: 32, kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], bias: true },
      { type: 'relu' },
      { type: 'conv2d_transpose', inChannels: 32, outChannels: 1, kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], bias: true },
      { type: 'sigmoid' },
    ],
  );
});

test('conv preset: other sizes (RGB, odd, large, non-square) come back at their exact size', () => {
  for (const shape of [[3, 32, 32], [1, 29, 29], [1, 64, 64], [2, 15, 22], [1, 5, 5]]) {
    const model = convAutoencoder({ inputShape: shape, filters: [4, 8], bottleneck: shape[1] === 5 ? undefined : 6 });
    assert.deepEqual(model.decoder.outputShape, shape);
    const x = tensor([3, ...shape]);
    assert.deepEqual(model.reconstruct(x).shape, [3, ...shape]);
  }
});

test('conv preset: impossible configurations fail when the model is built, saying what fits', () => {
  assert.throws(() => convAutoencoder({ inputShape: [1, 4, 4], filters: [8, 8, 8] }), /a 4x4 input allows at most 2 conv\+pool stages/);
  assert.throws(() => convAutoencoder({ inputShape: [784] as unknown as number[] }), /inputShape must be \[channels, height, width\]/);
  assert.throws(() => buildAutoencoder({ arch: 'conv', inputShape: [30] }), /needs images \[channels, height, width\].*use --arch dense/);
  const model = convAutoencoder({ inputShape: [1, 28, 28] });
  assert.throws(() => model.reconstruct(tensor([2, 3, 28, 28])), (e: unknown) => e instanceof HourglassError && /2352 values per sample.*expects 784/.test(e.message));
});

test('conv autoencoder learns on a Fashion-MNIST subset', async () => {
  const train = await loadFashionMnist({ split: 'train', limit: 2048 });
  const test = await loadFashionMnist({ split: 'test', limit: 256 });
  const model = convAutoencoder({ inputShape: [1, 28, 28], filters: [8, 16], seed: 0 });
  const before = model.evaluate(test.images).mse;
  await model.fit(train.images, { epochs: 2, batchSize: 32, learningRate: 2e-3 });
  const after = model.evaluate(test.images).mse;
  assert.ok(after < 0.035 && after < before / 3, `test MSE ${before} -> ${after}`);
});

test('conv preset defaults by input size: the reference CAE below 64 px, stride-2 stages to 8x8 with batch norm, leaky ReLU and a 256 waist from 64 px', () => {
  const small = resolveConvPreset({ inputShape: [1, 28, 28] });
  assert.deepEqual([small.filters, small.downsample, small.bottleneck, small.batchNorm, small.activation], [[32, 64], 'pool', null, false, 'relu']);
  for (const [shape, filters] of [
    [[1, 64, 64], [32, 64, 128]],
    [[1, 128, 128], [32, 64, 128, 256]],
    [[3, 256, 256], [32, 64, 128, 256, 256]],
    [[1, 128, 192], [32, 64, 128, 256, 256]],
  ] as const) {
    const s = resolveConvPreset({ inputShape: [...shape] });
    assert.deepEqual([s.filters, s.downsample, s.bottleneck, s.batchNorm, s.activation], [filters, 'stride', 256, true, 'leaky_relu'], shape.join('x'));
  }
  assert.deepEqual(resolveConvPreset({ inputShape: [1, 128, 128], depth: 2 }).filters, [32, 64]);
  assert.deepEqual(resolveConvPreset({ inputShape: [1, 128, 128], depth: 6 }).filters, [32, 64, 128, 256, 256, 256]);
  const given = resolveConvPreset({ inputShape: [1, 128, 128], filters: [8, 16], downsample: 'pool', bottleneck: null, batchNorm: false, activation: 'tanh' });
  assert.deepEqual([given.filters, given.downsample, given.bottleneck, given.batchNorm, given.activation], [[8, 16], 'pool', null, false, 'tanh']);
  assert.equal(
    describeConvPreset(resolveConvPreset({ inputShape: [1, 128, 128] })),
    'conv autoencoder for 1x128x128: 4 stride-2 convolutions, filters 32,64,128,256, dense waist 256, batch norm, leaky_relu 0.01',
  );
});

test('conv preset, stride-2 stages: conv (stride 2) + batch norm + leaky ReLU per stage, no pooling, and odd sizes come back exactly', () => {
  const model = convAutoencoder({ inputShape: [1, 64, 64], filters: [4, 8], bottleneck: null });
  assert.deepEqual(
    model.encoder.layers.map((l) => l.config()),
    [
      { type: 'conv2d', inChannels: 1, outChannels: 4, kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], bias: true },
      { type: 'batch_norm2d', numFeatures: 4, eps: 1e-5, momentum: 0.1 },
      { type: 'leaky_relu', negativeSlope: 0.01 },
      { type: 'conv2d', inChannels: 4, outChannels: 8, kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], bias: true },
      { type: 'batch_norm2d', numFeatures: 8, eps: 1e-5, momentum: 0.1 },
      { type: 'leaky_relu', negativeSlope: 0.01 },
    ],
  );
  assert.deepEqual(model.encoder.outputShape, [8, 16, 16]);
  for (const shape of [[1, 65, 67], [3, 99, 64], [1, 70, 129]]) {
    const m = convAutoencoder({ inputShape: shape, filters: [4, 4, 4], bottleneck: 3, downsample: 'stride' });
    assert.deepEqual(m.decoder.outputShape, shape);
    assert.deepEqual(m.reconstruct(tensor([2, ...shape])).shape, [2, ...shape]);
  }
});

test('conv preset: bad depth, downsample or stride-2 stage counts fail when the model is built', () => {
  assert.throws(() => convAutoencoder({ inputShape: [1, 128, 128], depth: 0 }), /depth must be a positive whole number of stages, got 0/);
  assert.throws(() => convAutoencoder({ inputShape: [1, 128, 128], depth: 3, filters: [8, 8] }), /depth 3 and 2 filters disagree/);
  assert.throws(() => convAutoencoder({ inputShape: [1, 128, 128], downsample: 'avg' as 'pool' }), /downsample must be 'pool' or 'stride', got 'avg'/);
  assert.throws(() => convAutoencoder({ inputShape: [1, 5, 5], filters: [2, 2, 2, 2], downsample: 'stride' }), /a 5x5 input allows at most 3 stride-2 stages/);
  assert.throws(() => buildAutoencoder({ arch: 'dense', inputShape: [1, 8, 8], depth: 2 }), /--depth and --downsample apply to the conv architecture only/);
  assert.throws(() => buildAutoencoder({ arch: 'conv', inputShape: [1, 8, 8], downsample: 'max' }), /--downsample must be pool or stride, got 'max'/);
  // --bottleneck 0: no dense waist.
  assert.equal(buildAutoencoder({ arch: 'conv', inputShape: [1, 64, 64], filters: [4, 4, 4], bottleneck: 0 }).encoder.layers.some((l) => l.type === 'dense'), false);
});

test('a large-image conv preset saves and loads back with the same layers and reconstructions', async () => {
  const { mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { Autoencoder } = await import('../src/models/autoencoder.js');
  const model = convAutoencoder({ inputShape: [3, 64, 66], filters: [4, 8], bottleneck: 6, seed: 4 });
  const x = tensor([2, 3, 64, 66]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = (i % 97) / 97;
  await model.fit(x, { epochs: 1, batchSize: 2 });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hourglass-conv-preset-')), 'large.safetensors');
  await model.save(file);
  const loaded = await Autoencoder.load(file);
  assert.deepEqual([...loaded.encoder.layers, ...loaded.decoder.layers].map((l) => l.config()), [...model.encoder.layers, ...model.decoder.layers].map((l) => l.config()));
  assert.deepEqual(loaded.reconstruct(x).data, model.reconstruct(x).data);
});
