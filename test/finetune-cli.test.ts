import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readNpy, writeNpy } from '../src/data/npy.js';
import { tensor } from '../src/core/tensor.js';
import { saveModelFile } from '../src/io/model-file.js';
import { tempDir } from './support/data-files.js';
import { cliRunner } from './support/cli.js';

const tmp = tempDir('finetune-cli');

const hourglass = cliRunner(tmp);

const ae = path.join(tmp, 'ae', 'model.safetensors');

test('train -> encode -> finetune -> classify round trip on Fashion-MNIST', async () => {
  const train = hourglass('train', '--limit', '1500', '--epochs', '1', '--hidden', '32', '--bottleneck', '8', '--out', path.join(tmp, 'ae'), '--no-progress');
  assert.equal(train.code, 0, train.stderr);

  const csv = hourglass('encode', '--model', ae, '--split', 'test', '--limit', '20', '--out', 'features.csv');
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, /encoded 20 samples of fashion-mnist\/test .* into 8 features and a label column -> features\.csv/);
  const lines = readFileSync(path.join(tmp, 'features.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'z0,z1,z2,z3,z4,z5,z6,z7,label');
  assert.equal(lines.length, 21);
  assert.ok(lines.slice(1).every((l) => l.split(',').length === 9 && /^\d$/.test(l.split(',')[8])));

  const npy = hourglass('encode', '--model', ae, '--limit', '30', '--out', 'features.npy');
  assert.equal(npy.code, 0, npy.stderr);
  const z = await readNpy(path.join(tmp, 'features.npy'));
  assert.deepEqual(z.shape, [30, 8]);
  // The CSV and NPY paths write the same codes (first test rows vs first train rows differ, so compare train rows).
  const again = hourglass('encode', '--model', ae, '--limit', '30', '--out', 'train.csv');
  assert.equal(again.code, 0, again.stderr);
  const first = readFileSync(path.join(tmp, 'train.csv'), 'utf8').split('\n')[1].split(',').slice(0, 8).map((v) => Math.fround(Number(v)));
  assert.deepEqual(first, Array.from(z.data.subarray(0, 8)));

  const out = path.join(tmp, 'ft');
  const ft = hourglass('finetune', '--pretrained', ae, '--labels', '200', '--mode', 'full', '--epochs', '10', '--head', '32', '--seed', '3', '--test-limit', '2000', '--out', out, '--no-progress');
  assert.equal(ft.code, 0, ft.stderr);
  assert.match(ft.stdout, /on 200 labelled samples of fashion-mnist\/train \(class-balanced\); 7 head-only epochs at lr 0\.001, then 10 epochs at lr 0\.0003, batch 32/);
  assert.match(ft.stderr, /head only \(encoder frozen\):\nEpoch 1\/7 [^]*Epoch 7\/7 [^]*fine-tuning everything:\nEpoch 1\/10 /);
  assert.match(ft.stdout, /confusion matrix \(rows: true class, columns: predicted\)/);
  assert.match(ft.stderr, /Epoch 10\/10 {2}loss \d\.\d+/);
  assert.deepEqual(readdirSync(out).sort(), ['confusion-matrix.png', 'metrics.json', 'model.safetensors']);
  const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.labelled, 200);
  assert.equal(metrics.testSamples, 2000);
  assert.ok(metrics.testAccuracy > 0.35, `accuracy ${metrics.testAccuracy} (chance 0.1)`);
  assert.equal(metrics.confusion.length, 10);
  assert.equal(String.fromCharCode(...readFileSync(path.join(out, 'confusion-matrix.png')).subarray(1, 4)), 'PNG');

  const cls = hourglass('classify', '--model', path.join(out, 'model.safetensors'), '--limit', '2000', '--out', 'predictions.csv');
  assert.equal(cls.code, 0, cls.stderr);
  const printed = Number(/accuracy (\d+\.\d+)% on 2000 samples/.exec(cls.stdout)?.[1]);
  assert.equal(printed, Number((metrics.testAccuracy * 100).toFixed(2)));
  const predictions = readFileSync(path.join(tmp, 'predictions.csv'), 'utf8').trim().split('\n');
  assert.equal(predictions[0], 'prediction,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,label');
  assert.equal(predictions.length, 2001);
  const row = predictions[1].split(',').map(Number);
  assert.ok(Math.abs(row.slice(1, 11).reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
  assert.equal(row[0], row.slice(1, 11).indexOf(Math.max(...row.slice(1, 11))));

  const frozen = hourglass('finetune', '--pretrained', ae, '--labels', '50', '--mode', 'frozen', '--head', 'linear', '--epochs', '3', '--test-limit', '500', '--out', path.join(tmp, 'ft-frozen'));
  assert.equal(frozen.code, 0, frozen.stderr);
  assert.match(frozen.stdout, /\(frozen\) on 50 labelled samples.*; 3 epochs at lr 0\.001, batch 32/);
  assert.doesNotMatch(frozen.stderr, /head only/);

  const shifted = hourglass('finetune', '--pretrained', ae, '--labels', '50', '--augment', 'shift:1', '--epochs', '2', '--test-limit', '200', '--out', path.join(tmp, 'ft-shift'));
  assert.equal(shifted.code, 0, shifted.stderr);
  assert.match(shifted.stdout, /augmentation: every training image moved by up to 1 pixel\n/);
  const shiftedMetrics = JSON.parse(readFileSync(path.join(tmp, 'ft-shift', 'metrics.json'), 'utf8'));
  assert.equal(shiftedMetrics.augment, 'shift:1');
  assert.equal(shiftedMetrics.training.options.augment, 'shift:1');
});

test('finetune and classify reject bad input with one clear line', async () => {
  assert.ok(existsSync(ae), 'the round-trip test trains the autoencoder first');
  const images = tensor([20, 1, 28, 28]);
  await writeNpy(path.join(tmp, 'images.npy'), images);
  writeFileSync(path.join(tmp, 'labels.csv'), 'label\n' + Array.from({ length: 20 }, (_, i) => (i === 3 ? 12 : i % 10)).join('\n') + '\n');
  writeFileSync(path.join(tmp, 'table.csv'), 'a,b,c,d\n' + Array.from({ length: 20 }, (_, i) => `${i},1,2,3`).join('\n') + '\n');
  writeFileSync(path.join(tmp, 'table-labels.csv'), Array.from({ length: 20 }, (_, i) => i % 2).join('\n') + '\n');
  const tableAe = hourglass('train', '--data', 'table.csv', '--epochs', '1', '--hidden', '3', '--bottleneck', '2', '--out', 'table-ae', '--no-progress');
  assert.equal(tableAe.code, 0, tableAe.stderr);
  await saveModelFile(path.join(tmp, 'pca.safetensors'), { kind: 'pca', architecture: { features: 4, components: 2 }, tensors: new Map() });

  const cases: [string[], RegExp][] = [
    [['finetune', '--pretrained', ae, '--labels', '5', '--out', 'e1'], /--labels 5 is fewer than the 10 classes.*at least one labelled example per class/],
    [['finetune', '--pretrained', ae, '--data', 'images.npy', '--label-file', 'labels.csv', '--classes', '10', '--out', 'e2'], /label 12 of sample 3 is not a class; with 10 classes labels must be integers 0-9/],
    [['finetune', '--pretrained', ae, '--data', 'table.csv', '--label-file', 'table-labels.csv', '--out', 'e3'], /trained on samples of shape \[1, 28, 28\] \(784 values\); table\.csv has \[4\] \(4 values\)/],
    [['finetune', '--pretrained', 'pca.safetensors', '--out', 'e4'], /pca\.safetensors holds a pca model; --pretrained needs an autoencoder/],
    [['finetune', '--pretrained', path.join(tmp, 'ft', 'model.safetensors'), '--out', 'e5'], /holds a classifier model; --pretrained needs an autoencoder/],
    [['finetune', '--pretrained', ae, '--data', 'images.npy', '--out', 'e6'], /images\.npy has no labels: pass --label-file/],
    [['finetune', '--pretrained', ae, '--mode', 'thaw', '--out', 'e7'], /--mode must be one of frozen, full, discriminative/],
    [['finetune', '--pretrained', ae, '--head', '64,abc', '--out', 'e8'], /--head expects 'linear' or comma-separated widths/],
    [['finetune', '--pretrained', ae, '--augment', 'rotate:10', '--out', 'e9'], /bad augmentation 'rotate:10': use none, or shift:N/],
    [['finetune', '--pretrained', 'table-ae/model.safetensors', '--data', 'table.csv', '--label-file', 'table-labels.csv', '--augment', 'shift:1', '--out', 'e10'], /--augment shift:1 moves images, but the pre-trained model takes vectors of 4 values; use --augment none/],
    [['classify', '--model', ae], /holds an autoencoder model, not a classifier/],
    [['classify', '--model', path.join(tmp, 'ft', 'model.safetensors'), '--data', 'images.npy', '--label-file', 'labels.csv'], /label 12 of sample 3 is not a class/],
    [['encode', '--model', ae, '--out', 'features.txt'], /write features to a \.csv or \.npy file/],
    // encode takes PCA files too (their features are the projections); this one is malformed.
    [['encode', '--model', 'pca.safetensors', '--out', 'f.csv'], /pca\.safetensors: architecture\.whiten must be true or false/],
  ];
  for (const [args, message] of cases) {
    const r = hourglass(...args);
    assert.equal(r.code, 1, `${args.join(' ')} should fail: ${r.stderr}`);
    assert.match(r.stderr, message, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/, 'no stack trace');
  }
  for (const dir of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'e10']) assert.ok(!existsSync(path.join(tmp, dir)), `${dir} not created`);
});

test('finetune bench: a tiny run writes the table, results and plot for all five methods', () => {
  const out = path.join(tmp, 'bench');
  const r = hourglass('finetune', 'bench', 'fashion-mnist', '--arch', 'dense', '--pretrain-epochs', '1', '--sizes', '20', '--seeds', '1',
    '--train-limit', '400', '--test-limit', '200', '--no-all-labels', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Pre-training a dense autoencoder on 400 training images without labels, 1 epochs/);
  assert.match(r.stdout, /Label propagation graph: 20 nearest neighbours of each of the 400 training images/);
  assert.match(r.stdout, /\| 20 \| \d+\.\d ± 0\.0 \| \d+\.\d ± 0\.0 \| \d+\.\d ± 0\.0 \| \d+\.\d ± 0\.0 \| \d+\.\d ± 0\.0 \| [+-]\d+\.\d \| [+-]\d+\.\d \|/);
  assert.deepEqual(readdirSync(out).sort(), ['accuracy-vs-labels.png', 'pretrained.safetensors', 'results.json', 'results.md']);
  const result = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.deepEqual(result.runs.map((run: { method: string }) => run.method), ['frozen', 'finetuned', 'scratch', 'pca', 'propagated']);
  assert.ok(result.runs.every((run: { accuracy: number }) => run.accuracy > 0.2), 'every method beats chance (0.1)');
  assert.equal(result.testImages, 200);

  const other = hourglass('finetune', 'bench', 'mnist', '--out', path.join(tmp, 'bench2'));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /runs on fashion-mnist only, got 'mnist'/);
});
