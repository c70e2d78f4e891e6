import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliRunner } from './support/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hourglass-cli-'));

const hourglass = cliRunner(tmp);

function csv(name: string, text: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

test('train -> eval -> reconstruct on a Fashion-MNIST subset writes the model, metrics and pictures', () => {
  const out = path.join(tmp, 'run');
  const train = hourglass('train', '--limit', '2000', '--epochs', '2', '--batch-size', '128', '--hidden', '64', '--bottleneck', '8', '--out', out, '--no-progress');
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stderr, /Epoch 2\/2 {2}loss 0\.\d+ .*samples\/s/);
  assert.match(train.stdout, /test MSE 0\.\d+/);
  assert.deepEqual(readdirSync(out).sort(), ['loss-curve.png', 'metrics.json', 'model.safetensors', 'reconstructions.png']);
  const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  assert.equal(metrics.training.epochs.length, 2);
  assert.ok(metrics.testMse > 0 && metrics.testMse < 0.1);

  const ev = hourglass('eval', '--model', path.join(out, 'model.safetensors'), '--limit', '500', '--json');
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).samples, 500);

  const png = path.join(tmp, 'grid.png');
  const rec = hourglass('reconstruct', '--model', path.join(out, 'model.safetensors'), '--count', '8', '--out', png);
  assert.equal(rec.code, 0, rec.stderr);
  assert.deepEqual([...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');

  const again = hourglass('train', '--limit', '100', '--epochs', '1', '--out', out);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists and is not empty.*--overwrite/);
});

test('a CSV with a header trains with standard scaling and a held-out test split', () => {
  const rows = ['a,b,c,d'];
  for (let i = 0; i < 200; i++) rows.push([i % 7, (i * 3) % 11, Math.sin(i), i / 200].map((v) => v.toFixed(4)).join(','));
  const file = csv('table.csv', rows.join('\n') + '\n');
  const out = path.join(tmp, 'csv-run');
  const r = hourglass('train', '--data', file, '--epochs', '2', '--hidden', '8', '--bottleneck', '2', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /180 samples, 20 test/);
  assert.ok(!existsSync(path.join(out, 'reconstructions.png')), 'no picture for tables');
  // Mixed precision, where the CPU has bfloat16 matrix products.
  const bf16 = hourglass('train', '--data', file, '--epochs', '2', '--hidden', '8', '--bottleneck', '2', '--precision', 'bfloat16', '--out', path.join(tmp, 'csv-bf16'));
  if (bf16.code !== 0) assert.match(bf16.stderr, /bfloat16 training needs a CPU with bfloat16 matrix products/);
  else assert.match(bf16.stdout, /test MSE/);
});

test('bad input: one clear line, non-zero exit, nothing written', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--data', path.join(tmp, 'nope.csv'), '--out', 'x1'], /nope\.csv: no such file/],
    [['train', '--data', csv('short.csv', 'a,b,c\n1,2,3\n4,5\n'), '--out', 'x2'], /short\.csv line 3: expected 3 columns, got 2/],
    [['train', '--data', csv('text.csv', 'a,b\n1,2\n3,abc\n'), '--out', 'x3'], /text\.csv line 3.*'abc' is not a number/],
    [['train', '--epochs', 'ten', '--out', 'x4'], /--epochs expects an integer from 1 to 1000000, got 'ten'/],
    [['train', '--arch', 'lstm', '--limit', '10', '--out', 'x5'], /unknown architecture 'lstm'/],
    [['train', '--colour', 'red'], /unknown option --colour/],
    [['train', '--precision', 'fp8', '--limit', '10', '--out', 'x6'], /--precision must be float32 or bfloat16, got 'fp8'/],
    [['train', '--arch', 'conv', '--precision', 'bfloat16', '--limit', '64', '--epochs', '1', '--out', 'x7'], /precision 'bfloat16' is available for dense autoencoders/],
    [['eval', '--model', path.join(tmp, 'missing.safetensors')], /missing\.safetensors: no such model file/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const r = hourglass(...args);
    assert.notEqual(r.code, 0, `${args.join(' ')} should fail`);
    assert.match(r.stderr, message, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.trim().split('\n').length <= 12, 'short error output');
    assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/, 'no stack trace');
  }
  for (const dir of ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']) assert.ok(!existsSync(path.join(tmp, dir)), `${dir} not created`);
});

test('eval rejects a data set of the wrong width with the shapes in the message', () => {
  const out = path.join(tmp, 'narrow');
  const rows = ['a,b,c'];
  for (let i = 0; i < 60; i++) rows.push(`${i % 5},${i % 3},${i % 2}`);
  const file = csv('narrow.csv', rows.join('\n'));
  assert.equal(hourglass('train', '--data', file, '--epochs', '1', '--hidden', '4', '--bottleneck', '2', '--out', out).code, 0);
  const wide = csv('wide.csv', 'a,b,c,d\n1,2,3,4\n');
  const r = hourglass('eval', '--model', path.join(out, 'model.safetensors'), '--data', wide);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /4 values per sample.*expects 3/);
});
