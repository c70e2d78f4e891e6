import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { defaultRunDirectory, RUN_LOCK } from '../src/cli/run-directory.js';
import { decodeModelFile, encodeModelFile, type ModelFileContents } from '../src/io/model-file.js';
import { writeNpy } from '../src/data/npy.js';
import { tempDir } from './support/data-files.js';
import type { CliResult } from './support/cli.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const tmp = tempDir('cli-outputs');
const at = (name: string): string => path.join(tmp, name);

function hourglass(env: Record<string, string>, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const run = (...args: string[]): CliResult => hourglass({}, ...args);

function hourglassAsync(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: tmp });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A pid that belonged to a process which has exited (so nothing is running under it). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function tableCsv(name: string, n: number, header = 'a,b,c,d,e,f'): string {
  const rng = new Rng(3);
  const lines = [header];
  for (let i = 0; i < n; i++) {
    const u = rng.normal();
    const v = rng.normal();
    lines.push([u, v, u + v, u - v, 2 * u, v / 2].map((x) => (x + 0.01 * rng.normal()).toFixed(4)).join(','));
  }
  writeFileSync(at(name), lines.join('\n') + '\n');
  return at(name);
}

const table = tableCsv('table.csv', 300);
const small = ['--data', table, '--hidden', '8', '--bottleneck', '2', '--epochs', '2', '--no-progress'];

test('default run directories of runs started in the same second do not collide', () => {
  const now = new Date('2024-05-01T12:30:00.123Z');
  const a = defaultRunDirectory('dense', now);
  const b = defaultRunDirectory('dense', now);
  assert.match(a, /^runs[/\\]dense-2024-05-01T12-30-00-123-[0-9a-f]{4}$/);
  assert.notEqual(a, b);
});

test('two train runs into one --out: exactly one writes there, the other refuses, the set is one run', async () => {
  const out = at('together');
  const args = ['train', '--data', table, '--hidden', '8', '--bottleneck', '2', '--epochs', '60', '--no-progress', '--out', out];
  const [first, second] = await Promise.all([hourglassAsync(...args), hourglassAsync(...args)]);
  const codes = [first.code, second.code].sort();
  assert.deepEqual(codes, [0, 1], `${first.stderr}\n${second.stderr}`);
  const loser = first.code === 1 ? first : second;
  assert.match(loser.stderr, /in use by another hourglass run \(pid \d+\)|already exists and is not empty/);
  assert.ok(!existsSync(path.join(out, RUN_LOCK)), 'the lock is removed at the end');
  assert.deepEqual(readdirSync(out).sort(), ['loss-curve.png', 'metrics.json', 'model.safetensors']);
});

test('a live lock refuses the run; a stale lock (dead pid) is taken over with a warning', () => {
  const out = at('locked');
  mkdirSync(out);
  writeFileSync(path.join(out, RUN_LOCK), `${process.pid}\n`);
  const busy = run('train', ...small, '--out', out);
  assert.equal(busy.code, 1, busy.stderr);
  assert.match(busy.stderr, new RegExp(`in use by another hourglass run \\(pid ${process.pid}\\)`));
  assert.equal(busy.stdout, '');

  writeFileSync(path.join(out, RUN_LOCK), `${deadPid()}\n`);
  const taken = run('train', ...small, '--out', out);
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stderr, /warning: .*taking over the lock of a run that is no longer running \(pid \d+\)/);
  assert.ok(!existsSync(path.join(out, RUN_LOCK)));
});

test('temporary files of a killed write do not block a rerun, and are removed', () => {
  const out = at('stale-temps');
  mkdirSync(out);
  const stale = `.model.safetensors.${deadPid()}.0123456789ab.tmp`;
  writeFileSync(path.join(out, stale), 'half a model');
  const r = run('train', ...small, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(path.join(out, stale)), 'the stale temporary file is removed');
  assert.ok(existsSync(path.join(out, 'model.safetensors')));
});

test('a write failing mid-way (full disk) leaves nothing new: train, pca, detect report', () => {
  const full = { HOURGLASS_TEST_FAIL_WRITE: '2' };
  const train = hourglass(full, 'train', ...small, '--out', 'runs/failed-train');
  assert.equal(train.code, 1, train.stderr);
  assert.match(train.stderr, /no space left on device/);
  assert.ok(!existsSync(at('runs/failed-train')), `left ${existsSync(at('runs/failed-train')) ? readdirSync(at('runs/failed-train')) : ''}`);
  assert.ok(!existsSync(at('runs')), 'the runs/ folder it created is removed too');

  const pca = hourglass(full, 'pca', '--data', table, '--components', '2', '--out', 'failed-pca');
  assert.equal(pca.code, 1, pca.stderr);
  assert.ok(!existsSync(at('failed-pca')));

  const fit = run('detect', 'fit', '--data', table, '--arch', 'pca', '--components', '2', '--out', 'detector.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  const report = hourglass({ HOURGLASS_TEST_FAIL_WRITE: '3' }, 'detect', 'report', '--model', 'detector.safetensors', '--data', table, '--out', 'failed-report');
  assert.equal(report.code, 1, report.stderr);
  assert.ok(!existsSync(at('failed-report')));

  // Written into an existing folder with --overwrite: what was there before stays, nothing new does.
  mkdirSync(at('kept'));
  writeFileSync(at('kept/notes.txt'), 'mine');
  const into = hourglass(full, 'pca', '--data', table, '--components', '2', '--out', 'kept', '--overwrite');
  assert.equal(into.code, 1, into.stderr);
  assert.deepEqual(readdirSync(at('kept')), ['notes.txt']);
});

test('outputs that cannot be written are refused before any work', () => {
  writeFileSync(at('a-file'), 'x');
  const cases: Array<[string[], RegExp]> = [
    [['train', ...small, '--out', ''], /--out is empty/],
    [['train', ...small, '--out', '/sys/hg'], /--out \/sys\/hg is under \/sys, a system folder/],
    [['train', ...small, '--out', '/proc/x'], /--out \/proc\/x is under \/proc/],
    [['pca', '--data', table, '--out', '/dev/hg'], /under \/dev/],
    [['train', ...small, '--out', path.join(at('a-file'), 'run')], /a-file is a file, not a folder/],
    [['detect', 'fit', '--data', table, '--arch', 'pca', '--components', '2', '--out', 'no-such-folder/d.safetensors'], /the directory no-such-folder does not exist/],
    [['detect', 'score', '--model', 'x.safetensors', '--data', table, '--out', '/proc/scores.csv'], /under \/proc/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
    assert.doesNotMatch(r.stdout, /training/);
  }
});

/** Re-saves a model file (with a valid checksum) after `change` edits its contents. */
function edit(file: string, change: (contents: ModelFileContents) => void): void {
  const contents = decodeModelFile(readFileSync(file), file);
  change(contents);
  writeFileSync(file, encodeModelFile(contents));
}
const hugeWeights = (c: ModelFileContents): void => {
  for (const t of c.tensors.values()) t.data.forEach((v, i) => (t.data[i] = v * 1e30 + 1e30));
};

test('NaN/Inf results are an error, not a result: eval, reconstruct, detect score write nothing and exit 1', async () => {
  const tableRun = run('train', ...small, '--out', 'finite-table');
  assert.equal(tableRun.code, 0, tableRun.stderr);
  const model = at('finite-table/model.safetensors');
  edit(model, hugeWeights);
  const evaluated = run('eval', '--model', model, '--data', table);
  assert.equal(evaluated.code, 1, evaluated.stderr);
  assert.match(evaluated.stderr, /the reconstruction error \(MSE\) of sample 0 is (NaN|Infinity)/);
  assert.doesNotMatch(evaluated.stdout, /MSE NaN/);

  const rng = new Rng(5);
  await writeNpy(at('images.npy'), { shape: [20, 1, 4, 4], data: Float32Array.from({ length: 320 }, () => rng.uniform()) });
  const imageRun = run('train', '--data', at('images.npy'), '--hidden', '8', '--bottleneck', '2', '--epochs', '1', '--no-progress', '--out', 'finite-images');
  assert.equal(imageRun.code, 0, imageRun.stderr);
  edit(at('finite-images/model.safetensors'), hugeWeights);
  const pictures = run('reconstruct', '--model', at('finite-images/model.safetensors'), '--data', at('images.npy'), '--out', 'nan.png');
  assert.equal(pictures.code, 1, pictures.stderr);
  assert.match(pictures.stderr, /reconstruction error \(MSE\) of sample 0 is/);
  assert.ok(!existsSync(at('nan.png')));

  const fit = run('detect', 'fit', '--data', table, '--arch', 'dense', '--hidden', '8', '--bottleneck', '2', '--epochs', '1', '--no-progress', '--out', 'finite-detector.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  edit(at('finite-detector.safetensors'), hugeWeights);
  for (const top of ['0', '3']) {
    const scored = run('detect', 'score', '--model', 'finite-detector.safetensors', '--data', table, '--out', 'nan-scores.csv', '--top', top);
    assert.equal(scored.code, 1, scored.stderr);
    // With --top the explanation (in data units) already stops at the first non-finite value.
    assert.match(scored.stderr, top === '0' ? /anomaly score of sample 0 is/ : /anomaly score of sample 0 is|is (NaN|Infinity)/);
    assert.ok(!existsSync(at('nan-scores.csv')));
  }
});

test('a saved scaler that divides by ~0 or holds non-finite values is refused at load', () => {
  const r = run('train', ...small, '--out', 'scaler-run');
  assert.equal(r.code, 0, r.stderr);
  const model = at('scaler-run/model.safetensors');
  edit(model, (c) => ((c.extra!.scaler as { std: number[] }).std[2] = 1e-40));
  const tiny = run('eval', '--model', model, '--data', table);
  assert.equal(tiny.code, 1, tiny.stderr);
  assert.match(tiny.stderr, /the saved scaler has std\[2\] = 1e-40, about zero/);
  edit(model, (c) => ((c.extra!.scaler as { mean: (number | null)[] }).mean[1] = null));
  const missing = run('eval', '--model', model, '--data', table);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /the saved scaler has a non-finite mean\[1\] \(null\)/);
});

test('input text never reaches a CSV as a formula nor an HTML report as markup (detect score, detect report)', () => {
  const header = `"=cmd|' /C calc'!A0",+SUM(A1:A2),<script>alert(1)</script>,-2+3,@SUM(1),f`;
  const rng = new Rng(9);
  const lines = [header];
  for (let i = 0; i < 200; i++) {
    const u = rng.normal();
    const v = rng.normal();
    const row = [u, v, u + v, u - v, 2 * u, v / 2].map((x) => x + 0.01 * rng.normal());
    if (i % 10 === 9) row[2] += 8;
    lines.push(row.map((x) => x.toFixed(4)).join(','));
  }
  writeFileSync(at('evil.csv'), lines.join('\n') + '\n');
  const fit = run('detect', 'fit', '--data', at('evil.csv'), '--arch', 'pca', '--components', '2', '--out', 'evil.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  const scored = run('detect', 'score', '--model', 'evil.safetensors', '--data', at('evil.csv'), '--out', 'evil-scores.csv', '--top', '6');
  assert.equal(scored.code, 0, scored.stderr);
  const cells = readFileSync(at('evil-scores.csv'), 'utf8').trim().split('\n').slice(1).flatMap((l) => l.match(/("([^"]|"")*"|[^,]*)/g)!.filter((c) => c !== ''));
  const names = cells.filter((c) => /[a-z(]/i.test(c) && !/^-?[\d.e+-]+$/.test(c));
  assert.ok(names.length > 0);
  for (const c of names) assert.doesNotMatch(c.replace(/^"/, ''), /^[=+\-@\t\r]/, `cell ${c}`);
  assert.ok(cells.includes(`'-2+3`) && cells.includes(`'@SUM(1)`) && cells.includes(`'+SUM(A1:A2)`), cells.slice(0, 20).join(' '));
  // The tool's own numbers are untouched: scores and shares are plain decimals.
  assert.match(readFileSync(at('evil-scores.csv'), 'utf8').split('\n')[1], /^0,[\d.e+-]+,-?[\d.e+-]+,[01],/);

  const report = run('detect', 'report', '--model', 'evil.safetensors', '--data', at('evil.csv'), '--out', 'evil-report');
  assert.equal(report.code, 0, report.stderr);
  const html = readFileSync(at('evil-report/report.html'), 'utf8');
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test('sizes beyond the documented bound are refused before anything is allocated (no stack trace, exit 1)', () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', '--data', table, '--bottleneck', '1e9', '--epochs', '1', '--out', 'big1'], /--bottleneck expects an integer from 0 to 16777216, got '1e9'/],
    [['train', '--data', table, '--hidden', '1000000000', '--epochs', '1', '--out', 'big2'], /--hidden expects an integer from 1 to 16777216/],
    [['train', '--data', table, '--hidden', '8', '--bottleneck', '16000000', '--epochs', '1', '--out', 'big3'], /would have .* parameters; hourglass builds models of at most 268,435,456/],
    [['detect', 'score', '--model', 'x.safetensors', '--data', table, '--chunk-rows', '1000000000'], /--chunk-rows expects an integer from 1 to 1048576/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /internal error|RangeError/);
  }
});

test('numbers are plain decimals, integer options integers in range, positional arguments are refused', () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', ...small, '--patience', '-1', '--out', 'p1'], /--patience expects an integer from 1 to 1000000, got '-1'/],
    [['train', ...small, '--patience', '1.5', '--out', 'p2'], /--patience expects an integer/],
    [['train', ...small, '--epochs', '0x1', '--out', 'p3'], /--epochs expects an integer from 1 to 1000000, got '0x1'/],
    [['train', ...small, '--lr', 'Infinity', '--out', 'p4'], /--lr expects a number, got 'Infinity'/],
    [['train', ...small, '--hidden', '8,1.5', '--out', 'p5'], /--hidden expects an integer .* in each comma-separated value, got '1.5'/],
    [['train', ...small, 'extra.csv', '--out', 'p6'], /'hourglass train' takes no positional arguments, got 'extra\.csv'/],
    [['eval', '--model', 'm.safetensors', 'one', 'two'], /takes no positional arguments, got 'one' 'two'/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
  }
  assert.equal(run('train', ...small, '--lr', '1e-2', '--out', 'p7').code, 0, 'exponents are plain decimals');
});

test('cheap checks come before training: the test data width, one sample', () => {
  const narrow = at('narrow.csv');
  writeFileSync(narrow, 'a,b,c\n1,2,3\n4,5,6\n');
  const wide = run('train', ...small, '--test-data', narrow, '--out', 'width');
  assert.equal(wide.code, 1, wide.stderr);
  assert.match(wide.stderr, /test data .* has samples of shape \[3\], the training data \[6\]/);
  assert.doesNotMatch(wide.stdout, /training a/);
  assert.ok(!existsSync(at('width')));

  const one = at('one.csv');
  writeFileSync(one, 'a,b,c,d,e,f\n1,2,3,4,5,6\n');
  const fit = run('detect', 'fit', '--data', one, '--arch', 'dense', '--out', 'one.safetensors');
  assert.equal(fit.code, 1, fit.stderr);
  assert.match(fit.stderr, /holds 1 normal sample; a detector needs at least 2/);
});

test('a failed run with --checkpoint-every keeps its checkpoint (and only it), so --resume continues', () => {
  const failed = hourglass({ HOURGLASS_TEST_FAIL_WRITE: '3' }, 'train', ...small, '--checkpoint-every', '1', '--out', 'checkpointed');
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /no space left on device/);
  assert.deepEqual(readdirSync(at('checkpointed')), ['checkpoint.safetensors']);
  const resumed = run('train', '--resume', at('checkpointed'), '--no-progress');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(existsSync(at('checkpointed/model.safetensors')));
});
