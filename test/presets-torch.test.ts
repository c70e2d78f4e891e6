// The dense and conv presets, trained briefly, saved, and loaded into the equivalent
// torch.nn.Sequential with load_state_dict(strict=True) by scripts/torch_model.py: PyTorch
// must compute the same reconstructions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '../src/core/tensor.js';
import { Rng } from '../src/core/rng.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import type { Autoencoder } from '../src/models/autoencoder.js';
import { readNpy, writeNpy } from '../src/data/npy.js';

const python = '/usr/bin/python3';
const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/torch_model.py');
const hasTorch = spawnSync(python, ['-c', 'import torch']).status === 0;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hourglass-presets-'));

async function compareWithTorch(model: Autoencoder, name: string): Promise<number> {
  const rng = new Rng(11);
  const x = tensor([5, ...model.inputShape]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
  await model.fit(x, { epochs: 2, batchSize: 2 }); // moves weights and BatchNorm statistics off their initial values
  const file = path.join(tmp, `${name}.safetensors`);
  await model.save(file);
  await writeNpy(path.join(tmp, `${name}-in.npy`), x);
  const r = spawnSync(python, [script, file, '--input', path.join(tmp, `${name}-in.npy`), '--output', path.join(tmp, `${name}-out.npy`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const theirs = await readNpy(path.join(tmp, `${name}-out.npy`));
  const ours = model.reconstruct(x);
  assert.deepEqual(theirs.shape, ours.shape);
  let worst = 0;
  for (let i = 0; i < ours.data.length; i++) worst = Math.max(worst, Math.abs(ours.data[i] - theirs.data[i]));
  return worst;
}

test('a saved dense preset loads into torch and reconstructs the same', { skip: !hasTorch && 'python3-torch is not installed' }, async () => {
  assert.ok((await compareWithTorch(denseAutoencoder({ inputShape: [1, 28, 28], hidden: [64], bottleneck: 8, seed: 1 }), 'dense')) < 1e-5);
});

test('a saved conv preset (odd size, batch norm, dense waist) loads into torch and reconstructs the same', { skip: !hasTorch && 'python3-torch is not installed' }, async () => {
  const model = convAutoencoder({ inputShape: [2, 13, 11], filters: [4, 6], bottleneck: 5, batchNorm: true, seed: 2 });
  assert.ok((await compareWithTorch(model, 'conv')) < 1e-5);
});

test('a saved large-image conv preset (stride-2 stages, batch norm, leaky ReLU, waist, RGB, odd size) loads into torch and reconstructs the same', { skip: !hasTorch && 'python3-torch is not installed' }, async () => {
  const model = convAutoencoder({ inputShape: [3, 65, 66], filters: [4, 6, 8], bottleneck: 5, seed: 3 });
  assert.ok(model.encoder.layers.some((l) => l.type === 'leaky_relu') && !model.encoder.layers.some((l) => l.type === 'max_pool2d'));
  assert.ok((await compareWithTorch(model, 'conv-large')) < 1e-5);
});
