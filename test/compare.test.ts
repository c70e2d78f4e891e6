import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticData } from '../src/data/synthetic.js';
import { compareBottlenecks } from '../src/apps/compare.js';
import { compareTable } from '../src/apps/compare-report.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

test('synthetic data: seeded, in [0, 1], and the same manifold for every seed', () => {
  const a = syntheticData('curve', { samples: 100, seed: 1 });
  const b = syntheticData('curve', { samples: 100, seed: 1 });
  assert.deepEqual(a.x.data, b.x.data);
  assert.ok(a.x.data.every((v) => v >= 0 && v <= 1));
  assert.equal(a.intrinsicDimension, 1);
  assert.throws(() => syntheticData('torus'), /unknown synthetic data set 'torus'/);
  assert.throws(() => syntheticData('curve', { dims: 2 }), /dims must be an integer >= 3/);
});

test('on a curve in 20 dimensions, a 1-unit autoencoder reconstructs far better than 1-component PCA', async () => {
  const train = syntheticData('curve', { samples: 3000, seed: 1 }).x;
  const test = syntheticData('curve', { samples: 500, seed: 2 }).x;
  const entries = await compareBottlenecks({ train, test, sizes: [1], methods: ['pca', 'dense'], epochs: 15, batchSize: 32, learningRate: 3e-3, hidden: [64, 32] });
  const [pca, dense] = entries;
  assert.ok(dense.testMse < pca.testMse / 4, `autoencoder ${dense.testMse} vs PCA ${pca.testMse}`);
  assert.match(compareTable(entries), /^\s+1\s+0\.\d{5}\s+0\.\d{5}\s+-\d+\.\d%$/m);
});

test('hourglass compare writes the table, the MSE plot, reconstruction grids and the 2-D latent scatter', () => {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'hourglass-compare-')), 'report');
  const r = spawnSync(process.execPath, [cli, 'compare', '--limit', '512', '--test-limit', '200', '--sizes', '2,8', '--epochs', '1', '--filters', '4,8', '--hidden', '32', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /bottleneck\s+PCA MSE\s+dense autoencoder MSE\s+conv autoencoder MSE\s+best vs PCA/);
  assert.deepEqual(readdirSync(out).sort(), ['latent-2d.png', 'mse-vs-bottleneck.png', 'reconstructions-k2.png', 'reconstructions-k8.png', 'results.json']);
  const bad = spawnSync(process.execPath, [cli, 'compare', '--data', 'curve', '--methods', 'conv', '--out', path.join(out, 'x')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /conv needs image data/);
});
