import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { HourglassError } from '../src/core/errors.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { Autoencoder } from '../src/models/autoencoder.js';
import { StandardScaler } from '../src/data/scaler.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hourglass-ae-'));

test('dense preset: 784-256-64-32-64-256-784 with a linear bottleneck and sigmoid output', () => {
  const model = denseAutoencoder({ inputShape: [1, 28, 28] });
  assert.deepEqual(model.encoder.layers.map((l) => l.type), ['flatten', 'dense', 'relu', 'dense', 'relu', 'dense']);
  assert.deepEqual(model.decoder.layers.map((l) => l.type), ['dense', 'relu', 'dense', 'relu', 'dense', 'sigmoid', 'reshape']);
  assert.deepEqual(model.latentShape, [32]);
  assert.deepEqual(
    model.params().map((p) => `${p.name}:${p.value.shape.join('x')}`),
    ['encoder.1.weight:256x784', 'encoder.1.bias:256', 'encoder.3.weight:64x256', 'encoder.3.bias:64', 'encoder.5.weight:32x64', 'encoder.5.bias:32',
      'decoder.0.weight:64x32', 'decoder.0.bias:64', 'decoder.2.weight:256x64', 'decoder.2.bias:256', 'decoder.4.weight:784x256', 'decoder.4.bias:784'],
  );
});

test('encode, decode and reconstruct agree, and work on inputs of any batch size', () => {
  const model = denseAutoencoder({ inputDim: 20, hidden: [12], bottleneck: 4, seed: 2, outputActivation: 'sigmoid' });
  const rng = new Rng(1);
  const x = tensor([2500, 20], Float32Array.from({ length: 50000 }, () => rng.uniform()));
  const z = model.encode(x);
  assert.deepEqual(z.shape, [2500, 4]);
  const viaCodes = model.decode(z);
  const direct = model.reconstruct(x);
  assert.deepEqual(viaCodes.data, direct.data);
  const errors = model.reconstructionError(x);
  let mse0 = 0;
  for (let j = 0; j < 20; j++) mse0 += (direct.data[j] - x.data[j]) ** 2;
  assert.ok(Math.abs(errors[0] - mse0 / 20) < 1e-6);
  assert.throws(() => model.decode(tensor([3, 5])), /bottleneck is \[n, 4\]/);
  assert.throws(() => model.encode(tensor([3, 21])), /21 values per sample.*expects 20/);
});

test('save and load: same outputs, scaler and training record kept; errors name what is wrong', async () => {
  const rng = new Rng(9);
  const x = tensor([200, 6], Float32Array.from({ length: 1200 }, () => rng.normal() * 5 + 3));
  const model = denseAutoencoder({ inputDim: 6, hidden: [8], bottleneck: 3, outputActivation: 'linear', scaler: new StandardScaler(), seed: 4 });
  await model.fit(x, { epochs: 2, batchSize: 50 });
  const file = path.join(tmp, 'model.safetensors');
  await model.save(file);
  const loaded = await Autoencoder.load(file);
  assert.deepEqual(loaded.reconstruct(x).data, model.reconstruct(x).data);
  assert.equal(loaded.history?.epochs.length, 2);
  assert.deepEqual(readdirSync(tmp), ['model.safetensors'], 'no temporary files left behind');

  const other = denseAutoencoder({ inputDim: 6, hidden: [9], bottleneck: 3, outputActivation: 'sigmoid' });
  const contents = other.toModelFile();
  contents.architecture = model.architecture();
  await assert.rejects(
    async () => Autoencoder.fromModelFile(contents, 'other.safetensors'),
    (e: unknown) => e instanceof HourglassError && /other.safetensors: tensor 'encoder.0.weight' has shape \[9, 6\], the architecture needs \[8, 6\]/.test(e.message),
  );
  writeFileSync(path.join(tmp, 'garbage.safetensors'), 'not a model');
  await assert.rejects(Autoencoder.load(path.join(tmp, 'garbage.safetensors')), HourglassError);
  await assert.rejects(Autoencoder.load(path.join(tmp, 'missing.safetensors')), (e: unknown) => e instanceof HourglassError && e.code === 'FILE_NOT_FOUND');
});

test('end to end: a few epochs on a Fashion-MNIST subset reach a loss only learning can reach', async () => {
  const train = await loadFashionMnist({ split: 'train', limit: 6000 });
  const test = await loadFashionMnist({ split: 'test', limit: 1000 });
  // Baseline without learning: predict the mean training image for every input.
  const per = 784;
  const mean = new Float64Array(per);
  for (let i = 0; i < train.images.data.length; i++) mean[i % per] += train.images.data[i] / 6000;
  let meanMse = 0;
  for (let i = 0; i < test.images.data.length; i++) meanMse += (test.images.data[i] - mean[i % per]) ** 2;
  meanMse /= test.images.data.length;

  const model = denseAutoencoder({ inputShape: [1, 28, 28], seed: 0 });
  const before = model.evaluate(test.images).mse;
  await model.fit(train.images, { epochs: 4, batchSize: 64 });
  const after = model.evaluate(test.images).mse;
  assert.ok(after < 0.03 && after < meanMse / 2, `test MSE ${after} (untrained ${before}, mean-image baseline ${meanMse})`);
});
