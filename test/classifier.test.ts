import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatherRows, tensor, type Tensor } from '../src/core/tensor.js';
import { Dense } from '../src/layers/dense.js';
import { Activation } from '../src/layers/activation.js';
import { Classifier, type FineTuneMode } from '../src/models/classifier.js';
import { classifierFromAutoencoder } from '../src/apps/finetune/classifier-from-autoencoder.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { Autoencoder } from '../src/models/autoencoder.js';
import { StandardScaler } from '../src/data/scaler.js';
import { CrossEntropyLoss, oneHot } from '../src/train/cross-entropy.js';
import { classificationMetrics } from '../src/metrics/classification.js';
import { loadModelFile, saveModelFile } from '../src/io/model-file.js';
import { fit } from '../src/train/fit.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { balancedSample } from '../src/data/balanced-sample.js';
import { hourglassError, tempDir } from './support/data-files.js';
import { blobs } from './support/blobs.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/cross-entropy');

interface ClassifierFixture {
  shapes: Record<string, number[]>;
  weights: Record<string, number[]>;
  x: number[];
  labels: number[];
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
  after2AdamSteps: Record<FineTuneMode, Record<string, number[]>>;
  learningRate: number;
}

const fixture = JSON.parse(readFileSync(path.join(fixtures, 'classifier.json'), 'utf8')) as ClassifierFixture;
const NAMES = ['a', 'b', 'c'];

/** The PyTorch fixture's network: encoder Linear(12,8) ReLU Linear(8,4), head Linear(4,6) ReLU Linear(6,3). */
function fixtureClassifier(mode: FineTuneMode): Classifier {
  const model = new Classifier({
    inputShape: [12],
    encoder: [new Dense({ inFeatures: 12, outFeatures: 8 }), new Activation('relu'), new Dense({ inFeatures: 8, outFeatures: 4 })],
    head: [new Dense({ inFeatures: 4, outFeatures: 6 }), new Activation('relu'), new Dense({ inFeatures: 6, outFeatures: 3 })],
    classNames: NAMES,
    mode,
    encoderLearningRateScale: 0.1,
  });
  for (const p of model.params()) p.value.data.set(fixture.weights[p.name]);
  return model;
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}


function smallAutoencoder(seed = 1): Autoencoder {
  return denseAutoencoder({ inputDim: 6, hidden: [10], bottleneck: 3, outputActivation: 'linear', seed });
}

test('classifier forward, loss and gradients match PyTorch', () => {
  const model = fixtureClassifier('full');
  const x = tensor([7, 12], Float32Array.from(fixture.x));
  close(model.logits(x).data, fixture.logits, 1e-5, 'logits');
  const metrics = model.evaluate(x, fixture.labels);
  close([metrics.loss as number], [fixture.loss], 1e-5, 'loss');
  // One training forward/backward through the Network interface that fit() uses.
  const out = model.forward(x, true);
  const grad = tensor([7, 3]);
  new CrossEntropyLoss().gradient(out, oneHot(fixture.labels, 3), grad);
  model.backward(grad);
  for (const p of model.params()) close(p.grad.data, fixture.grads[p.name], 1e-5, `grad ${p.name}`);
});

for (const mode of ['full', 'frozen', 'discriminative'] as const) {
  test(`two Adam steps in ${mode} mode match PyTorch`, async () => {
    const model = fixtureClassifier(mode);
    const x = tensor([7, 12], Float32Array.from(fixture.x));
    await model.fit(x, fixture.labels, { epochs: 2, batchSize: 7, shuffle: false, learningRate: fixture.learningRate });
    for (const p of model.params()) close(p.value.data, fixture.after2AdamSteps[mode][p.name], 2e-5, `${mode} ${p.name}`);
  });
}

test('frozen mode leaves the encoder bit-identical while the head learns, with and without cached features', async () => {
  const { x, labels } = blobs(300, 2);
  const ae = smallAutoencoder();
  await ae.fit(x, { epochs: 2, batchSize: 32 });
  const before = ae.encoder.params().map((p) => Float32Array.from(p.value.data));
  for (const transform of [undefined, (b: Tensor) => b]) {
    const model = classifierFromAutoencoder(ae, { classes: 3, hidden: [8], mode: 'frozen', seed: 4 });
    const headBefore = model.head.params().map((p) => Float32Array.from(p.value.data));
    assert.ok(model.params().filter((p) => p.name.startsWith('encoder.')).every((p) => p.learningRateScale === 0));
    await model.fit(x, labels, { epochs: 5, batchSize: 32, learningRate: 1e-2, transformInput: transform });
    model.encoder.params().forEach((p, i) => assert.deepEqual(p.value.data, before[i], `encoder param ${i} changed`));
    assert.ok(model.head.params().some((p, i) => p.value.data.some((v, k) => v !== headBefore[i][k])), 'the head trained');
    assert.ok(model.evaluate(x, labels).accuracy > 0.9);
  }
  // The autoencoder the encoder was copied from is never touched, even by full fine-tuning.
  const full = classifierFromAutoencoder(ae, { classes: 3, mode: 'full' });
  await full.fit(x, labels, { epochs: 2, batchSize: 32, learningRate: 1e-2 });
  ae.encoder.params().forEach((p, i) => assert.deepEqual(p.value.data, before[i]));
  assert.ok(full.encoder.params().some((p, i) => p.value.data.some((v, k) => v !== before[i][k])), 'full mode trains the encoder');
});

test('fromAutoencoder copies the pre-trained weights, random init does not, and encoderLayers truncates', () => {
  const ae = smallAutoencoder(5);
  const pre = classifierFromAutoencoder(ae, { classNames: ['x', 'y', 'z'], seed: 9 });
  const rnd = classifierFromAutoencoder(ae, { classes: 3, weights: 'random', seed: 9 });
  ae.encoder.params().forEach((p, i) => {
    assert.deepEqual(pre.encoder.params()[i].value.data, p.value.data);
    // Biases start at zero either way; weights are drawn anew.
    if (p.name.endsWith('weight')) assert.notDeepEqual(rnd.encoder.params()[i].value.data, p.value.data);
  });
  assert.deepEqual(pre.featureShape, [3]);
  const cut = classifierFromAutoencoder(ae, { classes: 3, encoderLayers: 2 });
  assert.deepEqual(cut.featureShape, [10]);
  assert.equal(cut.encoder.layers.length, 2);
  assert.throws(() => classifierFromAutoencoder(ae, { classes: 3, encoderLayers: 9 }), hourglassError('INVALID_ARGUMENT', /encoderLayers must be an integer from 1 to 3/));
  assert.throws(() => classifierFromAutoencoder(ae, { classes: 1 }), hourglassError('INVALID_ARGUMENT', /at least 2 classes/));
  assert.throws(() => classifierFromAutoencoder(ae, { classes: 3, mode: 'thaw' as FineTuneMode }), hourglassError('INVALID_ARGUMENT', /mode must be one of frozen, full, discriminative/));
});

test("fit's shape checks accept one-hot [n, classes] targets and reject bad labels and shapes", async () => {
  const { x, labels } = blobs(60, 3);
  const model = classifierFromAutoencoder(smallAutoencoder(), { classes: 3 });
  const { history: record } = await model.fit(x, oneHot(labels, 3), { epochs: 1, batchSize: 16, validationSplit: 0.2 });
  assert.equal(record.epochs.length, 1);
  assert.ok(Number.isFinite(record.epochs[0].valLoss));
  await assert.rejects(model.fit(x, tensor([60, 4]), { epochs: 1 }), hourglassError('SHAPE_MISMATCH', /training labels have shape \[60, 4\]; expected one-hot rows \[60, 3\]/));
  await assert.rejects(model.fit(x, labels.slice(1), { epochs: 1 }), hourglassError('SHAPE_MISMATCH', /60 samples but 59 training labels/));
  await assert.rejects(model.fit(x, labels.map((l) => l * 2), { epochs: 1 }), hourglassError('BAD_DATA', /label 4 of sample 2 is not a class; with 3 classes/));
  await assert.rejects(model.fit(tensor([5, 7]), [0, 1, 2, 0, 1], { epochs: 1 }), hourglassError('SHAPE_MISMATCH', /7 values per sample.*expects 6/));
  // The generic fit() trains a Classifier as any Network; its own check covers [n, classes] targets.
  const loss = new CrossEntropyLoss();
  const direct = await fit(model, x, oneHot(labels, 3), { epochs: 1, batchSize: 16, loss });
  assert.equal(direct.options.loss, 'cross_entropy');
  await assert.rejects(fit(model, x, tensor([60, 4]), { epochs: 1, loss }), hourglassError('SHAPE_MISMATCH', /targets have shape \[60, 4\], the network outputs \[60, 3\]/));
  await assert.rejects(fit(model, x, tensor([59, 3]), { epochs: 1, loss }), hourglassError('SHAPE_MISMATCH', /targets have shape \[59, 3\]/));
});

test('save and load round-trip the classifier, its scaler and its predictions; load validates the file', async () => {
  const dir = tempDir('classifier');
  const { x, labels } = blobs(90, 4);
  const ae = denseAutoencoder({ inputDim: 6, hidden: [10], bottleneck: 3, outputActivation: 'linear', scaler: new StandardScaler(), seed: 2 });
  await ae.fit(x, { epochs: 1 });
  const model = classifierFromAutoencoder(ae, { classNames: ['red', 'green', 'blue'], hidden: [5], dropout: 0.2, mode: 'discriminative', encoderLearningRateScale: 0.2 });
  await model.fit(x, labels, { epochs: 3, batchSize: 16 });
  const file = path.join(dir, 'clf.safetensors');
  await model.save(file);
  const loaded = await Classifier.load(file);
  assert.deepEqual(loaded.classNames, ['red', 'green', 'blue']);
  assert.equal(loaded.mode, 'discriminative');
  assert.equal(loaded.encoderLearningRateScale, 0.2);
  assert.deepEqual(loaded.predictProba(x).data, model.predictProba(x).data);
  assert.deepEqual(loaded.scaler?.toJSON(), model.scaler?.toJSON());
  const contents = await loadModelFile(file);
  assert.equal(contents.kind, 'classifier');
  assert.ok(contents.tensors.has('encoder.0.weight') && contents.tensors.has('head.0.weight'));

  const aeFile = path.join(dir, 'ae.safetensors');
  await ae.save(aeFile);
  await assert.rejects(Classifier.load(aeFile), hourglassError('MODEL_MISMATCH', /holds an autoencoder model, not a classifier/));
  contents.tensors.delete('head.0.bias');
  await saveModelFile(path.join(dir, 'broken.safetensors'), contents);
  await assert.rejects(Classifier.load(path.join(dir, 'broken.safetensors')), hourglassError('BAD_FILE', /tensor 'head\.0\.bias' is missing/));
});

test('predict, predictProba and evaluate agree; metrics count the confusion matrix by hand', () => {
  const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 2], ['a', 'b', 'c']);
  assert.deepEqual(m.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
  assert.equal(m.accuracy, 4 / 6);
  assert.deepEqual(m.perClass.map((c) => [c.precision, c.recall, c.support]), [[0.5, 0.5, 2], [2 / 3, 1, 2], [1, 0.5, 2]]);
  const model = fixtureClassifier('full');
  const x = tensor([7, 12], Float32Array.from(fixture.x));
  const p = model.predictProba(x);
  const predicted = model.predict(x);
  for (let r = 0; r < 7; r++) {
    const row = Array.from(p.data.subarray(r * 3, r * 3 + 3));
    assert.equal(predicted[r], row.indexOf(Math.max(...row)));
  }
  const metrics = model.evaluate(x, fixture.labels);
  assert.equal(metrics.accuracy, predicted.filter((c, i) => c === fixture.labels[i]).length / 7);
});

test('a small fine-tune on a Fashion-MNIST subset beats chance by a wide margin', async () => {
  const train = await loadFashionMnist({ split: 'train', limit: 3000 });
  const test = await loadFashionMnist({ split: 'test', limit: 1000 });
  const ae = denseAutoencoder({ inputShape: [1, 28, 28], hidden: [64], bottleneck: 16, seed: 0 });
  await ae.fit(train.images, { epochs: 2, batchSize: 64, learningRate: 2e-3 });
  const idx = balancedSample(train.labels, 300, { classes: 10, seed: 1 });
  const model = classifierFromAutoencoder(ae, { classNames: train.classNames, hidden: [32], mode: 'full', seed: 1 });
  await model.fit(gatherRows(train.images, idx), Array.from(idx, (i) => train.labels[i]), { epochs: 20, batchSize: 32, learningRate: 1e-3, seed: 1 });
  const metrics = model.evaluate(test.images, test.labels);
  assert.ok(metrics.accuracy > 0.6, `accuracy ${metrics.accuracy} (chance is 0.1)`);
  assert.equal(metrics.confusion.flat().reduce((a, b) => a + b, 0), 1000);
});
