import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { HourglassError } from '../src/core/errors.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { MinMaxScaler } from '../src/data/scaler.js';
import type { FitOptions } from '../src/train/fit.js';
import type { TrainingState } from '../src/train/training-state.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/train/checkpoint-file.js';

/** Points near a 2-D plane in 12-D, squashed into (0, 1). */
function planeData(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const basis = Array.from({ length: 2 }, () => Array.from({ length: 12 }, () => rng.normal()));
  const x = tensor([n, 12]);
  for (let i = 0; i < n; i++) {
    const a = rng.normal(), b = rng.normal();
    for (let j = 0; j < 12; j++) x.data[i * 12 + j] = 1 / (1 + Math.exp(-(a * basis[0][j] + b * basis[1][j]) / 2)) + 0.01 * rng.normal();
  }
  return x;
}

const model = (dropout = 0) => denseAutoencoder({ inputDim: 12, hidden: [16], bottleneck: 3, seed: 7, outputActivation: 'sigmoid', dropout, scaler: new MinMaxScaler() });
const weightsOf = (m: ReturnType<typeof model>) => [...m.params(), ...m.buffers()].map((p) => Array.from(p.value.data));

/**
 * `epochs` straight against a run that saves a state after every epoch, then resumed from each
 * of them by a freshly built model (same seed, its scaler not fitted: it comes from the state),
 * the state going through a checkpoint file's bytes: every weight must be equal.
 */
async function straightAgainstResumed(options: FitOptions, { epochs = 4, dropout = 0 } = {}) {
  const x = planeData(300, 5);
  const straight = model(dropout);
  const { history: full } = await straight.fit(x, { ...options, epochs });

  const states: TrainingState[] = [];
  const first = model(dropout);
  await first.fit(x, { ...options, epochs, checkpoint: { every: 1, save: (s) => void states.push(s) } });
  assert.equal(states.length, full.epochs.length);
  assert.deepEqual(weightsOf(first), weightsOf(straight), 'checkpointing changes nothing');

  for (const saved of states) {
    const { state } = decodeCheckpoint(encodeCheckpoint({ state: saved, extra: {} }), 'memory');
    const resumed = model(dropout);
    const { history } = await resumed.fit(x, { ...options, epochs, resumeFrom: state });
    assert.deepEqual(weightsOf(resumed), weightsOf(straight), `resumed after epoch ${state.epoch}`);
    assert.deepEqual(resumed.scaler?.toJSON(), straight.scaler?.toJSON());
    assert.deepEqual(history.epochs.map((e) => [e.epoch, e.loss, e.valLoss]), full.epochs.map((e) => [e.epoch, e.loss, e.valLoss]));
    assert.equal(history.bestEpoch, full.bestEpoch);
    assert.equal(history.stoppedEarly, full.stoppedEarly);
  }
  return full;
}

test('resume: Adam, 4 epochs straight = 2 + resumed 2 (and 1 + 3, 3 + 1), bit for bit', { timeout: 30_000 }, async () => {
  await straightAgainstResumed({ batchSize: 32, learningRate: 1e-2, seed: 3 });
});

test('resume: SGD with momentum, a validation split and early stopping that restores the best weights at the end', { timeout: 30_000 }, async () => {
  const full = await straightAgainstResumed(
    { batchSize: 32, optimizer: 'sgd', momentum: 0.9, learningRate: 0.05, seed: 6, validationSplit: 0.25, earlyStopping: { patience: 2, minDelta: 0.0005 } },
    { epochs: 10 },
  );
  // The run had epochs without improvement (the patience counter is part of the state) and ends on the best epoch's weights.
  assert.ok(full.bestEpoch < full.epochs.length, `best epoch ${full.bestEpoch} of ${full.epochs.length}`);
});

test('resume: Adam with dropout and a validation split, stopped early (best loss, best weights and patience carry over)', { timeout: 30_000 }, async () => {
  const full = await straightAgainstResumed(
    { batchSize: 16, learningRate: 1e-2, seed: 5, validationSplit: 0.25, earlyStopping: { patience: 2, minDelta: 0.001 } },
    { epochs: 10, dropout: 0.2 },
  );
  assert.ok(full.stoppedEarly && full.epochs.length < 10 && full.bestEpoch < full.epochs.length, JSON.stringify(full.epochs.map((e) => e.valLoss)));
});

test('resume: a transformInput drawing from the rng continues its sequence', { timeout: 30_000 }, async () => {
  const noisy = (b: Tensor, rng: Rng): Tensor => ({ shape: b.shape, data: b.data.map((v) => v + 0.1 * rng.normal()) });
  await straightAgainstResumed({ batchSize: 32, seed: 8, transformInput: noisy });
});

test('resume: other options are refused, naming the difference; more epochs are allowed', { timeout: 30_000 }, async () => {
  const x = planeData(200, 9);
  let saved: TrainingState | null = null;
  await model().fit(x, { epochs: 2, batchSize: 32, seed: 1, checkpoint: { every: 2, save: (s) => void (saved = s) } });
  assert.ok(saved);
  await assert.rejects(
    model().fit(x, { epochs: 4, batchSize: 64, seed: 1, resumeFrom: saved }),
    (e: unknown) => e instanceof HourglassError && /batchSize was 32, now 64/.test(e.message),
  );
  await assert.rejects(
    model().fit(x, { epochs: 4, batchSize: 32, seed: 2, resumeFrom: saved }),
    (e: unknown) => e instanceof HourglassError && /seed was 1, now 2/.test(e.message),
  );
  const { history } = await model().fit(x, { epochs: 3, batchSize: 32, seed: 1, resumeFrom: saved });
  assert.deepEqual(history.epochs.map((e) => e.epoch), [1, 2, 3]);
});
