import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../src/core/rng.js';
import { tensor } from '../src/core/tensor.js';
import { TABLE_TARGET_STEPS, tableDetectorDefaults } from '../src/models/defaults.js';
import { planTableDetector, describeTableSettings } from '../src/apps/anomaly/table-detector.js';
import { TableEnsemble } from '../src/apps/anomaly/table-ensemble.js';
import { auroc } from '../src/metrics/auroc.js';
import { cliRunner } from './support/cli.js';
import { tempDir } from './support/data-files.js';

test('table defaults: widths and bottleneck from the columns, batch and epochs from the rows for a number of optimiser steps', () => {
  const small = tableDetectorDefaults(214, 9);
  assert.deepEqual(small.hidden, [32]);
  assert.equal(small.bottleneck, 5);
  assert.equal(small.batchSize, 16);
  const wide = tableDetectorDefaults(3000, 60);
  assert.deepEqual(wide.hidden, [120]);
  assert.equal(wide.bottleneck, 16);
  assert.equal(wide.batchSize, 128);
  // About TABLE_TARGET_STEPS steps on the rows left after the early-stopping hold-out.
  const trainRows = Math.round(3000 * (1 - wide.validationSplit));
  const steps = wide.epochs * Math.ceil(trainRows / wide.batchSize);
  assert.ok(steps >= TABLE_TARGET_STEPS && steps < TABLE_TARGET_STEPS + Math.ceil(trainRows / wide.batchSize), `${steps} steps`);
  assert.deepEqual(tableDetectorDefaults(1_000_000, 500).hidden, [128]);
  assert.equal(tableDetectorDefaults(100, 3).bottleneck, 2);
  assert.equal(tableDetectorDefaults(1_000_000, 500).epochs, 10);
  assert.equal(tableDetectorDefaults(20, 3).epochs, 300);
  assert.ok(small.validationSplit > 0 && small.patience >= 5);
  assert.throws(() => tableDetectorDefaults(1, 4), /rows must be an integer >= 2/);
  assert.throws(() => tableDetectorDefaults(10, 0), /columns must be an integer >= 1/);
});

test('planTableDetector: overrides win over the defaults, early stopping is on the held-out normal rows, the description names it all', () => {
  const plan = planTableDetector(500, 12, { overrides: { hidden: [20], bottleneck: 3, epochs: undefined } });
  assert.deepEqual(plan.settings.hidden, [20]);
  assert.equal(plan.settings.bottleneck, 3);
  assert.equal(plan.settings.epochs, tableDetectorDefaults(500, 12).epochs);
  assert.equal(plan.fitOptions.validationSplit, 0.15);
  assert.equal(plan.fitOptions.earlyStopping?.restoreBestWeights, true);
  assert.match(describeTableSettings(plan.settings), /^dense autoencoder 20-3, \d+ epochs x batch \d+ \(lr 0.001\), early stopping on 15% of the normal rows/);
  assert.equal(planTableDetector(500, 12, { overrides: { validationSplit: 0 } }).fitOptions.earlyStopping, undefined);
});

/** Rows on a 2-D plane in 6 columns; anomalies off the plane. */
function planeRows(n: number, rng: Rng, offPlane: boolean): Float32Array {
  const out = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const [a, b] = [rng.uniform() * 2 - 1, rng.uniform() * 2 - 1];
    const row = [a, b, a + b, a - b, 2 * a, -b];
    for (let j = 0; j < 6; j++) out[i * 6 + j] = offPlane ? rng.uniform() * 4 - 2 : row[j] + 0.02 * (rng.uniform() - 0.5);
  }
  return out;
}

test('the default table detector and the ensemble rank off-plane rows above normal ones', async () => {
  const rng = new Rng(4);
  const train = tensor([300, 6], planeRows(300, rng, false));
  const test = tensor([60, 6], Float32Array.from([...planeRows(40, rng, false), ...planeRows(20, rng, true)]));
  const labels = [...new Array(40).fill(0), ...new Array(20).fill(1)];
  const plan = planTableDetector(300, 6, { overrides: { epochs: 40 } });
  await plan.detector.fit(train, plan.fitOptions);
  assert.ok(auroc(labels, plan.detector.score(test)) > 0.9);
  const ensemble = await new TableEnsemble({ members: 2, overrides: { epochs: 20 } }).fit(train);
  assert.ok(auroc(labels, ensemble.score(test)) > 0.9);
  assert.throws(() => new TableEnsemble({ members: 0 }), /members must be an integer in \[1, 100\]/);
  assert.throws(() => new TableEnsemble().score(test), /not fitted/);
});

test('detect fit on a table prints the settings it chose from the data, and takes overrides', () => {
  const dir = tempDir('hourglass-table-defaults-');
  const rng = new Rng(1);
  const rows = planeRows(120, rng, false);
  const lines = ['a,b,c,d,e,f', ...Array.from({ length: 120 }, (_, i) => Array.from(rows.subarray(i * 6, i * 6 + 6), (v) => v.toFixed(4)).join(','))];
  writeFileSync(path.join(dir, 'normal.csv'), lines.join('\n') + '\n');
  const run = cliRunner(dir);
  const auto = run('detect', 'fit', '--data', 'normal.csv', '--out', 'auto.safetensors');
  assert.equal(auto.code, 0, auto.stderr);
  const d = tableDetectorDefaults(120, 6);
  assert.match(auto.stdout, new RegExp(`table settings \\(from 120 rows x 6 columns; --hidden, --bottleneck, --epochs, --batch-size override\\): dense autoencoder ${d.hidden.join('-')}-${d.bottleneck}, ${d.epochs} epochs x batch ${d.batchSize}`));
  assert.match(auto.stdout, /early stopping on 15% of the normal rows/);
  assert.ok(existsSync(path.join(dir, 'auto.safetensors')));
  const given = run('detect', 'fit', '--data', 'normal.csv', '--out', 'given.safetensors', '--hidden', '8', '--bottleneck', '2', '--epochs', '3');
  assert.equal(given.code, 0, given.stderr);
  assert.match(given.stdout, /dense autoencoder 8-2, 3 epochs x batch 16 \(lr 0\.001\)\n/);
});
