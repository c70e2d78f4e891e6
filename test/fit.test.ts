import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { HourglassError } from '../src/core/errors.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { evaluateLoss } from '../src/train/fit.js';
import { ReconstructionLoss } from '../src/train/loss.js';

/** Points near a 2-D plane in 10-D, squashed into (0, 1): learnable by a small autoencoder. */
function planeData(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const basis = Array.from({ length: 2 }, () => Array.from({ length: 10 }, () => rng.normal()));
  const x = tensor([n, 10]);
  for (let i = 0; i < n; i++) {
    const a = rng.normal(), b = rng.normal();
    for (let j = 0; j < 10; j++) x.data[i * 10 + j] = 1 / (1 + Math.exp(-(a * basis[0][j] + b * basis[1][j]) / 2)) + 0.01 * rng.normal();
  }
  return x;
}

const small = () => denseAutoencoder({ inputDim: 10, hidden: [16], bottleneck: 2, seed: 3, outputActivation: 'sigmoid' });

test('fit: the loss goes down and the record has one entry per epoch', async () => {
  const model = small();
  const x = planeData(512, 1);
  const before = model.evaluate(x).mse;
  const { history: record } = await model.fit(x, { epochs: 15, batchSize: 32, learningRate: 1e-2 });
  assert.equal(record.epochs.length, 15);
  const after = model.evaluate(x).mse;
  assert.ok(after < before * 0.3, `loss ${before} -> ${after}`);
  assert.ok(record.epochs[14].loss < record.epochs[0].loss);
});

test('fit: same seed and data give bit-identical weights; another seed does not', async () => {
  const x = planeData(300, 2);
  const run = async (seed: number) => {
    const m = denseAutoencoder({ inputDim: 10, hidden: [16], bottleneck: 2, seed, outputActivation: 'sigmoid' });
    await m.fit(x, { epochs: 3, batchSize: 64, seed, validationSplit: 0.2 });
    return m.params().map((p) => Array.from(p.value.data));
  };
  assert.deepEqual(await run(4), await run(4));
  assert.notDeepEqual(await run(4), await run(5));
});

test('fit: a diverging run stops with TRAINING_DIVERGED and keeps finite, last-good weights', async () => {
  const model = denseAutoencoder({ inputDim: 10, hidden: [16], bottleneck: 2, outputActivation: 'linear', seed: 1 });
  const x = planeData(256, 3);
  for (let i = 0; i < x.data.length; i++) x.data[i] *= 1e3;
  const initial = model.params().map((p) => Float32Array.from(p.value.data));
  await assert.rejects(
    model.fit(x, { epochs: 5, batchSize: 32, optimizer: 'sgd', learningRate: 10 }),
    (e: unknown) => e instanceof HourglassError && e.code === 'TRAINING_DIVERGED' && /lower learning rate/.test(e.message),
  );
  model.params().forEach((p, i) => assert.deepEqual(p.value.data, initial[i]));
});

test('fit: early stopping restores the weights of the best validation epoch', async () => {
  const model = small();
  const x = planeData(64, 4);
  const val = planeData(256, 5);
  for (let i = 0; i < val.data.length; i++) val.data[i] = 1 - val.data[i];
  const { history: record } = await model.fit(x, { epochs: 40, batchSize: 8, learningRate: 3e-2, validationData: { x: val }, earlyStopping: { patience: 3 } });
  const best = record.epochs.reduce((a, b) => ((b.valLoss ?? Infinity) < (a.valLoss ?? Infinity) ? b : a));
  assert.equal(record.bestEpoch, best.epoch);
  if (record.stoppedEarly) assert.ok(record.epochs.length < 40 && record.epochs.length - best.epoch === 3);
  const now = evaluateLoss(model, val, val, new ReconstructionLoss('mse'));
  assert.ok(Math.abs(now - (best.valLoss as number)) < 1e-6, `val loss now ${now}, best ${best.valLoss}`);
});

test('fit: progress callbacks, abort signal and argument errors', async () => {
  const model = small();
  const x = planeData(100, 6);
  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    model.fit(x, {
      epochs: 3,
      batchSize: 10,
      signal: controller.signal,
      onBatchEnd: (p) => {
        seen.push(p.batch);
        assert.equal(p.batches, 10);
        assert.ok(p.samplesPerSecond > 0 && p.etaSeconds >= 0);
        if (p.batch === 4) controller.abort();
      },
    }),
    (e: unknown) => e instanceof HourglassError && e.code === 'ABORTED',
  );
  assert.deepEqual(seen, [1, 2, 3, 4]);
  // fit yields to the event loop as it goes (at least every 10 ms): an abort from a timer stops it mid-run.
  const timed = new AbortController();
  let batchesRun = 0;
  const long = model.fit(planeData(2000, 8), { epochs: 200, batchSize: 10, signal: timed.signal, onBatchEnd: () => batchesRun++ });
  setTimeout(() => timed.abort(), 50);
  await assert.rejects(long, (e: unknown) => e instanceof HourglassError && e.code === 'ABORTED');
  assert.ok(batchesRun > 0 && batchesRun < 200 * 200, `stopped after ${batchesRun} batches`);
  await assert.rejects(model.fit(x, { epochs: 0 }), /epochs must be a positive integer/);
  await assert.rejects(model.fit(x, { batchSize: 2.5 }), /batch size must be a positive integer/);
  await assert.rejects(model.fit(x, { validationSplit: 1.5 }), /validation split must be in \(0, 1\)/);
  await assert.rejects(model.fit(tensor([5, 9]), {}), /9 values per sample.*expects 10/);
  const bad = planeData(10, 7);
  bad.data[23] = NaN;
  await assert.rejects(model.fit(bad, {}), /NaN at sample 2, value 3/);
});
