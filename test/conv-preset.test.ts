import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../src/core/tensor.js';
import { HourglassError } from '../src/core/errors.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
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
