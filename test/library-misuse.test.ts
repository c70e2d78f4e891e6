import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { PCA } from '../src/models/pca.js';
import { MAX_PARAMETERS } from '../src/models/size-limits.js';
import { classifierFromAutoencoder } from '../src/apps/finetune/classifier-from-autoencoder.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { hourglassError } from './support/data-files.js';

function table(n: number, d: number, seed = 1): Tensor {
  const rng = new Rng(seed);
  return tensor([n, d], Float32Array.from({ length: n * d }, () => rng.normal()));
}

test('a tensor whose data is shorter than its shape, a plain Array or null is an HourglassError at every model entry', async () => {
  const model = denseAutoencoder({ inputDim: 8, hidden: [4], bottleneck: 2, data: 'table' });
  const short = { shape: [10, 8], data: new Float32Array(20) };
  await assert.rejects(model.fit(short, { epochs: 1 }), hourglassError('SHAPE_MISMATCH', /training data: shape \[10, 8\] needs 80 values, got 20/));
  await assert.rejects(model.fit({ shape: [2, 8], data: Array(16).fill(0) } as unknown as Tensor), hourglassError('INVALID_ARGUMENT', /training data\.data must be a Float32Array, got a plain Array \(convert it with Float32Array\.from\)/));
  await assert.rejects(model.fit(null as unknown as Tensor), hourglassError('INVALID_ARGUMENT', /training data must be a Tensor \{ shape, data: Float32Array \}, got null/));
  await model.fit(table(20, 8), { epochs: 1 });
  for (const call of [() => model.reconstruct(short), () => model.encode(short), () => model.reconstructionError(short), () => model.evaluate(short)])
    assert.throws(call, hourglassError('SHAPE_MISMATCH', /input: shape \[10, 8\] needs 80 values, got 20/));
  assert.throws(() => model.decode({ shape: [3, 2], data: new Float32Array(2) }), hourglassError('SHAPE_MISMATCH', /codes: shape \[3, 2\] needs 6 values/));
  assert.throws(() => model.reconstruct([1, 2, 3] as unknown as Tensor), hourglassError('INVALID_ARGUMENT', /input must be a Tensor .* got a plain Array/));

  const pca = new PCA({ nComponents: 2 });
  await assert.rejects(pca.fit(short), hourglassError('SHAPE_MISMATCH', /needs 80 values, got 20/));
  await assert.rejects(pca.fit(null as unknown as Tensor), hourglassError('INVALID_ARGUMENT', /got null/));

  const detector = new AnomalyDetector({ model: new PCA({ nComponents: 2 }) });
  await assert.rejects(detector.fit(short), hourglassError('SHAPE_MISMATCH', /needs 80 values, got 20/));
  await assert.rejects(detector.fit(undefined as unknown as Tensor), hourglassError('INVALID_ARGUMENT', /got undefined/));
});

test('a second fit() while the first runs rejects; the first completes; afterwards fit works again', async () => {
  const model = denseAutoencoder({ inputDim: 8, hidden: [16], bottleneck: 2, data: 'table' });
  const x = table(512, 8);
  const first = model.fit(x, { epochs: 3, batchSize: 16 });
  await assert.rejects(model.fit(x, { epochs: 1 }), hourglassError('INVALID_ARGUMENT', /Autoencoder\.fit\(\) is already running on this model/));
  const done = await first;
  assert.equal(done.history.epochs.length, 3, 'the first fit ran all its epochs alone');
  await model.fit(x, { epochs: 1 });

  const detector = new AnomalyDetector({ model: denseAutoencoder({ inputDim: 8, hidden: [16], bottleneck: 2, data: 'table' }) });
  const fitting = detector.fit(x, { epochs: 2, batchSize: 16 });
  await assert.rejects(detector.fit(x, { epochs: 1 }), hourglassError('INVALID_ARGUMENT', /AnomalyDetector\.fit\(\) is already running/));
  await fitting;

  const classifier = classifierFromAutoencoder(model, { classes: 2, hidden: [4], mode: 'full', seed: 1 });
  const labels = Uint8Array.from({ length: 512 }, (_, i) => i % 2);
  const training = classifier.fit(x, labels, { epochs: 2, batchSize: 16 });
  await assert.rejects(classifier.fit(x, labels, { epochs: 1 }), hourglassError('INVALID_ARGUMENT', /Classifier\.fit\(\) is already running/));
  await training;
  await assert.rejects(classifier.fit({ shape: [4, 8], data: new Float32Array(8) }, [0, 1, 0, 1]), hourglassError('SHAPE_MISMATCH', /needs 32 values, got 8/));
});

test('presets refuse models beyond MAX_PARAMETERS before allocating (no RangeError)', () => {
  assert.throws(() => denseAutoencoder({ inputDim: 784, bottleneck: 1e9 }), hourglassError('INVALID_ARGUMENT', /would have .* parameters; hourglass builds models of at most 268,435,456/));
  assert.throws(() => denseAutoencoder({ inputDim: 784, hidden: [1_000_000_000] }), hourglassError('INVALID_ARGUMENT', /at most/));
  assert.throws(() => convAutoencoder({ inputShape: [1, 28, 28], filters: [100_000, 100_000] }), hourglassError('INVALID_ARGUMENT', /at most/));
  assert.equal(MAX_PARAMETERS, 2 ** 28);
  // The default model is far below the bound.
  denseAutoencoder({ inputDim: 784 });
});
