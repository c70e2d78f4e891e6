// `hourglass train --arch conv` on images of 64 px and more: the preset picked for the size is
// printed, the conv options reach it, and wrong ones stop the run with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { writeNpy } from '../src/data/npy.js';
import { cliRunner } from './support/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hourglass-cli-conv-'));
const hourglass = cliRunner(tmp);
const rng = new Rng(5);
const images = tensor([12, 1, 64, 64]);
for (let i = 0; i < images.data.length; i++) images.data[i] = rng.uniform();
await writeNpy(path.join(tmp, 'scans.npy'), images);

test('train --arch conv on 64x64 images prints the stride-2 preset it picked and trains it', () => {
  const r = hourglass('train', '--arch', 'conv', '--data', 'scans.npy', '--epochs', '1', '--batch-size', '4', '--out', 'run64', '--no-progress');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /conv autoencoder for 1x64x64: 3 stride-2 convolutions, filters 32,64,128, dense waist 256, batch norm, leaky_relu 0\.01/);
  assert.ok(existsSync(path.join(tmp, 'run64', 'model.safetensors')));
});

test('train --arch conv: --depth, --downsample, --no-batch-norm, --bottleneck 0 and --activation reach the preset', () => {
  const r = hourglass('train', '--arch', 'conv', '--data', 'scans.npy', '--epochs', '1', '--batch-size', '4', '--depth', '2', '--downsample', 'pool', '--no-batch-norm', '--bottleneck', '0', '--activation', 'relu', '--out', 'run-options', '--no-progress');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /conv autoencoder for 1x64x64: 2 conv \+ max-pool stages, filters 32,64, no dense waist, relu/);
});

test('train: wrong conv options stop the run with one line and write nothing', () => {
  const bad = hourglass('train', '--arch', 'conv', '--data', 'scans.npy', '--epochs', '1', '--downsample', 'avg', '--out', 'run-bad', '--no-progress');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--downsample must be pool or stride, got 'avg'/);
  assert.equal(existsSync(path.join(tmp, 'run-bad')), false);
  const dense = hourglass('train', '--arch', 'dense', '--data', 'scans.npy', '--epochs', '1', '--depth', '3', '--out', 'run-dense', '--no-progress');
  assert.notEqual(dense.code, 0);
  assert.match(dense.stderr, /--depth and --downsample apply to the conv architecture only/);
});
