import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Rng } from '../src/core/rng.js';
import { gatherRows, tensor, type Tensor } from '../src/core/tensor.js';
import { StandardScaler } from '../src/data/scaler.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { PCA } from '../src/models/pca.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { auroc } from '../src/metrics/auroc.js';
import { hourglassError, tempDir } from './support/data-files.js';

const FEATURES = 12;
const COLUMNS = Array.from({ length: FEATURES }, (_, j) => `f${j}`);

/** Rows near a 3-D subspace of 12-D space, with columns on very different scales; anomalies leave the subspace in column 5. */
function table(n: number, anomalies: number, seed: number): { x: Tensor; labels: Uint8Array } {
  const rng = new Rng(seed);
  const basis = new Rng(99);
  const a = Array.from({ length: 3 * FEATURES }, () => basis.normal());
  const x = tensor([n, FEATURES]);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal(), rng.normal()];
    for (let j = 0; j < FEATURES; j++) {
      let v = 0.05 * rng.normal();
      for (let k = 0; k < 3; k++) v += z[k] * a[k * FEATURES + j];
      x.data[i * FEATURES + j] = v * (j + 1) * 10 + 100 * j;
    }
    if (i >= n - anomalies) {
      labels[i] = 1;
      x.data[i * FEATURES + 5] += (rng.uniform() < 0.5 ? -1 : 1) * 60 * (1 + rng.uniform());
    }
  }
  return { x, labels };
}

test('a PCA detector on a table: standardised on normal data, ranks anomalies first, explains them by the right column', async () => {
  const normal = table(600, 0, 1).x;
  const { x, labels } = table(300, 30, 2);
  const detector = new AnomalyDetector({ model: new PCA({ nComponents: 3, scaler: new StandardScaler() }), featureNames: COLUMNS });
  await detector.fit(normal);
  const scaler = detector.inputScaler as StandardScaler;
  assert.ok(Math.abs(scaler.mean![3] - 300) < 15, `column means learned from the normal data: ${scaler.mean![3]}`);
  const scores = detector.score(x);
  assert.ok(auroc(labels, scores) > 0.99, `AUROC ${auroc(labels, scores)}`);
  // Contamination 0.1 (the default): about 10% of the normal training data is above the threshold.
  const flaggedNormal = detector.predict(normal).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(flaggedNormal - 60) <= 1, `flagged ${flaggedNormal} of 600 normal rows`);
  const anomalies = gatherRows(x, Array.from({ length: 30 }, (_, i) => 270 + i));
  const map = detector.explain(anomalies).map;
  let right = 0;
  for (let i = 0; i < 30; i++) {
    const row = Array.from(map.data.subarray(i * FEATURES, (i + 1) * FEATURES));
    if (row.indexOf(Math.max(...row)) === 5) right++;
  }
  assert.ok(right >= 27, `column f5 explains ${right} of 30 anomalies`);
  const normalized = detector.normalizedScore(x);
  assert.ok(normalized.every((v) => v >= 0 && v <= 1));
  assert.ok(normalized.subarray(270).every((v) => v === 1), 'the anomalies score above every normal row');
});

test('save and load keep scores, threshold, scaler and column names; other model files are refused', async () => {
  const dir = tempDir('detector');
  const normal = table(400, 0, 3).x;
  const { x } = table(100, 10, 4);
  const model = denseAutoencoder({ inputDim: FEATURES, hidden: [16], bottleneck: 3, outputActivation: 'linear', scaler: new StandardScaler(), seed: 1 });
  const detector = new AnomalyDetector({ model, score: ['mse', 'mae'], latentWeight: 0.5, featureNames: COLUMNS, threshold: { kind: 'zscore', z: 2.5 } });
  await detector.fit(normal, { epochs: 3, batchSize: 32, seed: 1 });
  const file = path.join(dir, 'detector.safetensors');
  await detector.save(file);
  const loaded = await AnomalyDetector.load(file);
  assert.deepEqual([...loaded.score(x)], [...detector.score(x)]);
  assert.equal(loaded.threshold, detector.threshold);
  assert.deepEqual(loaded.thresholdRule, { kind: 'zscore', z: 2.5 });
  assert.deepEqual(loaded.columns, COLUMNS);
  assert.deepEqual(loaded.scoreKinds, ['mse', 'mae']);
  assert.equal(loaded.latentWeight, 0.5);
  assert.ok(Object.keys(loaded.scoreParts(x).components).includes('latent'));

  const autoencoderFile = path.join(dir, 'ae.safetensors');
  await model.save(autoencoderFile);
  await assert.rejects(AnomalyDetector.load(autoencoderFile), hourglassError('MODEL_MISMATCH', /holds an autoencoder model, not an anomaly detector; make one with `hourglass detect fit`/));
});

test('bad input: wrong width, NaN, empty normal set, unfitted use, no anomalies to calibrate on', async () => {
  const normal = table(200, 0, 5).x;
  const detector = new AnomalyDetector({ model: new PCA({ nComponents: 2, scaler: new StandardScaler() }), featureNames: COLUMNS });
  assert.throws(() => detector.score(normal), /not fitted yet; call fit\(normalData\) first/);
  await assert.rejects(detector.fit(tensor([0, FEATURES])), /normal data holds 0 samples; a detector needs at least 2/);
  await detector.fit(normal);
  assert.throws(() => detector.score(tensor([3, FEATURES - 1])), hourglassError('SHAPE_MISMATCH', /has 11 values per sample .* fitted on 12 \(columns f0, f1/));
  const withNaN = tensor([2, FEATURES], new Float32Array(2 * FEATURES));
  withNaN.data[FEATURES + 4] = NaN;
  assert.throws(() => detector.score(withNaN), hourglassError('BAD_DATA', /sample 1, column 'f4' is NaN/));
  withNaN.data[FEATURES + 4] = Infinity;
  assert.throws(() => detector.predict(withNaN), /sample 1, column 'f4' is Infinity/);
  assert.throws(() => detector.score(tensor([0, FEATURES])), /input is empty/);
  assert.throws(() => detector.calibrate(normal, new Uint8Array(200)), /no anomalies .* contamination, z-score or explicit-value rule/);
  await assert.rejects(new AnomalyDetector({ model: new PCA({ nComponents: 2 }), score: 'ssim' }).fit(normal), /score 'ssim' needs images/);
  assert.throws(() => new AnomalyDetector({ model: new PCA({ nComponents: 2 }), score: 'psnr' as never }), /unknown score 'psnr'/);
  assert.throws(() => new AnomalyDetector({ model: {} as never }), /wraps an Autoencoder or a PCA/);
  assert.throws(() => detector.setThreshold({ kind: 'contamination', contamination: 0.7 }), /in \(0, 0\.5\)/);
});

test('threshold rules and max-F1 calibration on labelled data', async () => {
  const normal = table(500, 0, 6).x;
  const { x, labels } = table(200, 40, 7);
  const detector = await new AnomalyDetector({ model: new PCA({ nComponents: 3, scaler: new StandardScaler() }) }).fit(normal);
  const stats = detector.normalScores;
  detector.setThreshold({ kind: 'zscore', z: 3 });
  assert.ok(Math.abs(detector.threshold - (stats.mean + 3 * stats.std)) < 1e-9);
  detector.setThreshold({ kind: 'value', value: 1.5 });
  assert.equal(detector.threshold, 1.5);
  const choice = detector.calibrate(x, labels);
  assert.equal(detector.thresholdRule.kind, 'max-f1');
  assert.ok(choice.f1 > 0.95, `F1 ${choice.f1}`);
  const evaluation = detector.evaluate(x, labels);
  assert.equal(evaluation.atThreshold.f1, choice.f1);
  assert.equal(evaluation.anomalies, 40);
});

test('images: smoothed-mse + SSIM on a Fashion-MNIST subset, error maps shaped like the images', async () => {
  const train = await loadFashionMnist({ split: 'train', limit: 3000 });
  const test = await loadFashionMnist({ split: 'test', limit: 600 });
  const rows: number[] = [];
  train.labels.forEach((l, i) => l === 1 && rows.push(i));
  const normal = gatherRows(train.images, rows);
  const labels = Uint8Array.from(test.labels, (l) => (l === 1 ? 0 : 1));
  const plain = await new AnomalyDetector({ model: new PCA({ nComponents: 16 }) }).fit(normal);
  const structured = await new AnomalyDetector({ model: new PCA({ nComponents: 16 }), score: ['smoothed-mse', 'ssim'], latentWeight: 1 }).fit(normal);
  const a = auroc(labels, plain.score(test.images));
  const b = auroc(labels, structured.score(test.images));
  assert.ok(a > 0.9 && b > 0.9, `AUROC mse ${a}, composite ${b}`);
  const explanation = plain.explain(gatherRows(test.images, [0, 1]));
  assert.deepEqual(explanation.map.shape, [2, 1, 28, 28]);
  assert.deepEqual(explanation.reconstruction.shape, [2, 1, 28, 28]);
  // For a single score kind the map is exactly the per-pixel share of the score.
  const mean = explanation.map.data.subarray(0, 784).reduce((s, v) => s + v, 0) / 784;
  assert.ok(Math.abs(mean - explanation.scores[0]) < 1e-6 * Math.max(1, mean));
});

test('a convolutional autoencoder detector with a latent term saves and loads', async () => {
  const train = await loadFashionMnist({ split: 'train', limit: 300 });
  const model = convAutoencoder({ inputShape: [1, 28, 28], filters: [4, 8], bottleneck: 6, seed: 2 });
  const detector = await new AnomalyDetector({ model, score: ['smoothed-mse', 'ssim'], latentWeight: 1 }).fit(train.images, { epochs: 1, batchSize: 50 });
  const file = path.join(tempDir('conv-detector'), 'conv.safetensors');
  await detector.save(file);
  const loaded = await AnomalyDetector.load(file);
  const x = gatherRows(train.images, [0, 1, 2, 3]);
  assert.deepEqual([...loaded.score(x)], [...detector.score(x)]);
  assert.equal(loaded.modelKind, 'autoencoder');
  // A code too wide for a Gaussian is refused with the way out.
  const wide = convAutoencoder({ inputShape: [1, 28, 28], filters: [8, 32], seed: 2 });
  await assert.rejects(new AnomalyDetector({ model: wide, latentWeight: 1 }).fit(train.images, { epochs: 1, batchSize: 100 }), /at most 1024 values; this bottleneck has 1568.*--bottleneck/);
});

test('a detector on a PCA with a StandardScaler: the scaler is the model\'s, fitted by the model, never replaced or refitted by the detector', async () => {
  const scaler = new StandardScaler();
  const pca = new PCA({ nComponents: 3, scaler });
  // The model's own fit fits its scaler on this data ...
  await pca.fit(table(300, 0, 11).x);
  const before = JSON.stringify(scaler.toJSON());
  // ... and the detector, refitting the PCA on other data, leaves that scaler as it is.
  const detector = await new AnomalyDetector({ model: pca }).fit(table(500, 0, 12).x);
  assert.equal(pca.scaler, scaler);
  assert.equal(detector.inputScaler, scaler);
  assert.equal(JSON.stringify(scaler.toJSON()), before);
  // Scores are reconstruction errors in the scaler's space.
  const { x, labels } = table(200, 20, 13);
  assert.deepEqual([...detector.score(x)], [...pca.reconstructionError(x, 'mse')]);
  assert.ok(auroc(labels, detector.score(x)) > 0.99);
  assert.throws(() => new AnomalyDetector({ model: pca, scaler: new StandardScaler() } as never), /takes no scaler: give it to the model/);
});

test('trainModel: false scores with an autoencoder fitted beforehand and leaves it untouched; an unfitted model is refused', async () => {
  const normal = table(400, 0, 14).x;
  const model = denseAutoencoder({ inputDim: FEATURES, hidden: [16], bottleneck: 3, outputActivation: 'linear', scaler: new StandardScaler(), seed: 2 });
  await model.fit(normal, { epochs: 2, batchSize: 32, seed: 2 });
  const history = model.history;
  const weights = Float32Array.from(model.params()[0].value.data);
  const detector = await new AnomalyDetector({ model }).fit(table(300, 0, 15).x, { trainModel: false });
  assert.equal(model.history, history, 'no new training');
  assert.equal(detector.history, history);
  assert.deepEqual(model.params()[0].value.data, weights);
  const { x } = table(100, 10, 16);
  assert.deepEqual([...detector.score(x)], [...model.reconstructionError(x)]);
  const fresh = denseAutoencoder({ inputDim: FEATURES, hidden: [16], bottleneck: 3, outputActivation: 'linear', seed: 2 });
  await assert.rejects(new AnomalyDetector({ model: fresh }).fit(normal, { trainModel: false }), /trainModel: false needs a model that is already fitted/);
});

test('a detector file from before the model owned its scaler (a PCA\'s scaler in the detector\'s extra.scaler) still loads', async () => {
  const normal = table(400, 0, 17).x;
  const { x } = table(100, 10, 18);
  const detector = await new AnomalyDetector({ model: new PCA({ nComponents: 3, scaler: new StandardScaler() }), featureNames: COLUMNS }).fit(normal);
  const contents = detector.toModelFile();
  // The old layout: the PCA's own metadata without a scaler, the scaler next to the detector record.
  const modelExtra = { ...(contents.extra!.model_extra as Record<string, unknown>) };
  const scalerJson = modelExtra.scaler;
  delete modelExtra.scaler;
  const old = { ...contents, extra: { ...contents.extra, model_extra: modelExtra, scaler: scalerJson } };
  const loaded = AnomalyDetector.fromModelFile(old, 'old.safetensors');
  assert.equal(loaded.modelKind, 'pca');
  assert.ok(loaded.model.scaler, 'the scaler is on the PCA');
  assert.deepEqual(loaded.model.scaler!.toJSON(), scalerJson);
  assert.deepEqual([...loaded.score(x)], [...detector.score(x)]);
  assert.equal(loaded.threshold, detector.threshold);
});
