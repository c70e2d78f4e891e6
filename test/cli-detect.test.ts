import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../src/core/rng.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { writeNpy } from '../src/data/npy.js';
import { tempDir } from './support/data-files.js';
import { cliRunner } from './support/cli.js';

const tmp = tempDir('cli-detect');
const at = (name: string): string => path.join(tmp, name);

const hourglass = cliRunner(tmp);

/** A table of 5 columns on a 2-D plane; with `anomalies`, every 8th row leaves it in column 'c'. */
function tableCsv(name: string, n: number, seed: number, anomalies: boolean, header = 'a,b,c,d,e'): string {
  const rng = new Rng(seed);
  const lines = [header];
  for (let i = 0; i < n; i++) {
    const u = rng.normal();
    const v = rng.normal();
    const row = [u, v, u + v, u - v, 2 * u].map((x) => x + 0.01 * rng.normal());
    if (anomalies && i % 8 === 7) row[2] += 6;
    lines.push(row.map((x) => x.toFixed(4)).join(','));
  }
  writeFileSync(at(name), lines.join('\n') + '\n');
  return at(name);
}

test('detect fit -> score -> report on a table: standardised, flagged rows name their column', () => {
  const normal = tableCsv('normal.csv', 400, 1, false);
  const fit = hourglass('detect', 'fit', '--data', normal, '--arch', 'pca', '--components', '2', '--contamination', '0.05', '--out', 'table.safetensors', '--no-progress');
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /fitting a detector \(PCA \(2 components\), score mse\) on .*normal\.csv: 400 normal samples/);
  assert.match(fit.stdout, /threshold [\d.e-]+ \(contamination 0\.05/);
  const input = tableCsv('new.csv', 80, 2, true);
  const score = hourglass('detect', 'score', '--model', 'table.safetensors', '--data', input, '--out', 'scores.csv', '--top', '1');
  assert.equal(score.code, 0, score.stderr);
  assert.match(score.stdout, /scored 80 rows .* flagged above/);
  const lines = readFileSync(at('scores.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'row,score,normalized_score,flag,top1,top1_share');
  const anomalous = lines.slice(1).filter((_, i) => i % 8 === 7).map((l) => l.split(','));
  assert.ok(anomalous.filter((c) => c[3] === '1').length >= 9, `flagged: ${anomalous.map((c) => c[3]).join('')}`);
  assert.ok(anomalous.filter((c) => c[4] === 'c').length >= 9, `top feature: ${anomalous.map((c) => c[4]).join(' ')}`);

  const labels = at('labels.csv');
  writeFileSync(labels, 'anomaly\n' + Array.from({ length: 80 }, (_, i) => (i % 8 === 7 ? 1 : 0)).join('\n') + '\n');
  const report = hourglass('detect', 'report', '--model', 'table.safetensors', '--data', input, '--labels', labels, '--out', 'table-report');
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /AUROC (1\.0000|0\.9\d+)/);
  assert.deepEqual(readdirSync(at('table-report')).sort(), ['metrics.json', 'pr-curve.png', 'report.html', 'roc-curve.png', 'score-histogram.png']);
  const html = readFileSync(at('table-report/report.html'), 'utf8');
  assert.match(html, /<img alt="roc-curve.png" src="data:image\/png;base64,/);
  assert.match(html, /top contributing features/);
});

test('detect fit --normal-class on Fashion-MNIST with a max-F1 threshold, then score images with heat maps and report', async () => {
  const fit = hourglass('detect', 'fit', '--normal-class', '1', '--limit', '3000', '--arch', 'pca', '--components', '16', '--score', 'smoothed-mse', '--latent-weight', '1', '--max-f1', '--out', 'trouser.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /class 1 'Trouser'/);
  assert.match(fit.stdout, /max-F1 threshold on 0\.1 of fashion-mnist\/train held out .*: F1 0\.\d+/);
  assert.match(fit.stdout, /Fashion-MNIST test split \(1000 normal, 9000 anomalous\): AUROC 0\.9\d+/);

  const test = await loadFashionMnist({ split: 'test', limit: 300 });
  await writeNpy(at('images.npy'), test.images);
  const score = hourglass('detect', 'score', '--model', 'trouser.safetensors', '--data', 'images.npy', '--out', 'images.csv', '--maps', 'maps');
  assert.equal(score.code, 0, score.stderr);
  const lines = readFileSync(at('images.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 301);
  assert.equal(lines[0], 'row,score,normalized_score,flag,map_file');
  const flagged = lines.slice(1).filter((l) => l.split(',')[3] === '1');
  assert.equal(readdirSync(at('maps')).length, flagged.length);
  assert.ok(existsSync(at(flagged[0].split(',')[4])));

  const report = hourglass('detect', 'report', '--model', 'trouser.safetensors', '--limit', '2000', '--top', '8', '--out', 'image-report');
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /AUROC 0\.9\d+/);
  assert.ok(existsSync(at('image-report/top-anomalies.png')));
  const metrics = JSON.parse(readFileSync(at('image-report/metrics.json'), 'utf8'));
  assert.equal(metrics.samples, 2000);
  assert.equal(metrics.thresholdRule.kind, 'max-f1');
});

test('bad input: one clear line, exit 1, no output files', () => {
  const normal = tableCsv('normal2.csv', 50, 3, false);
  const fit = hourglass('detect', 'fit', '--data', normal, '--arch', 'pca', '--components', '2', '--out', 'pca.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  const textColumn = at('text.csv');
  writeFileSync(textColumn, 'a,b,city\n' + Array.from({ length: 30 }, (_, i) => `${i},${i * 2},${['Oslo', 'Lima', 'Pune'][i % 3]}`).join('\n') + '\n');
  const narrow = tableCsv('narrow.csv', 10, 4, false, 'a,b,c,d,e').replace(/.*/, (p) => p);
  writeFileSync(at('narrow.csv'), readFileSync(narrow, 'utf8').split('\n').map((l) => l.split(',').slice(0, 4).join(',')).join('\n'));
  const nan = at('nan.csv');
  writeFileSync(nan, 'a,b,c,d,e\n1,2,3,4,5\n1,2,NaN,4,5\n');
  writeFileSync(at('empty.csv'), 'a,b,c,d,e\n');
  writeFileSync(at('zeros.csv'), 'label\n' + '0\n'.repeat(50));
  const cases: [string[], RegExp, string | null][] = [
    [['detect', 'fit', '--data', textColumn, '--out', 'o1.safetensors'], /column 'city' is not numeric \(categorical\/text columns are not supported; drop or encode it\)/, 'o1.safetensors'],
    [['detect', 'fit', '--data', at('empty.csv'), '--out', 'o2.safetensors'], /empty\.csv has a header line but no data rows/, 'o2.safetensors'],
    [['detect', 'fit', '--data', normal, '--normal-class', '2', '--out', 'o3.safetensors'], /--normal-class needs a labelled data set/, 'o3.safetensors'],
    [['detect', 'fit', '--data', normal, '--score', 'ssim', '--arch', 'pca', '--components', '2', '--out', 'o4.safetensors'], /score 'ssim' needs images/, 'o4.safetensors'],
    [['detect', 'fit', '--data', normal, '--zscore', '3', '--contamination', '0.1', '--out', 'o5.safetensors'], /give one threshold rule/, 'o5.safetensors'],
    [['detect', 'fit', '--data', normal, '--max-f1', '--out', 'o6.safetensors'], /--max-f1 chooses the threshold on labelled validation data/, 'o6.safetensors'],
    [['detect', 'fit', '--data', normal, '--out', 'pca.safetensors'], /pca\.safetensors already exists/, null],
    [
      ['detect', 'fit', '--data', normal, '--arch', 'pca', '--components', '2', '--max-f1', '--validation', normal, '--validation-label-file', at('zeros.csv'), '--out', 'o7.safetensors'],
      /the validation set has no anomalies \(all 50 labels are 0\), so no threshold can be chosen by F1/,
      'o7.safetensors',
    ],
    [['detect', 'score', '--model', 'pca.safetensors', '--data', at('narrow.csv'), '--out', 's1.csv'], /narrow\.csv has 4 columns; this detector was fitted on 5 \(a, b, c, d, e\)/, 's1.csv'],
    [['detect', 'score', '--model', 'pca.safetensors', '--data', nan, '--out', 's2.csv'], /nan\.csv line 3, column 'c': 'NaN' is not a number/, 's2.csv'],
    [['detect', 'score', '--model', 'nope.safetensors', '--data', nan, '--out', 's3.csv'], /nope\.safetensors: no such model file/, 's3.csv'],
    [['detect', 'bench', 'mnist'], /usage: hourglass detect bench fashion-mnist/, null],
  ];
  for (const [args, message, output] of cases) {
    const r = hourglass(...args);
    assert.equal(r.code, 1, `${args.join(' ')} should fail: ${r.stdout}`);
    assert.match(r.stderr, message, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    if (output) assert.ok(!existsSync(at(output)), `${output} not written`);
  }
  // A model file that is not a detector.
  const train = hourglass('train', '--data', normal, '--epochs', '1', '--hidden', '4', '--bottleneck', '2', '--out', 'ae-run');
  assert.equal(train.code, 0, train.stderr);
  const wrong = hourglass('detect', 'score', '--model', 'ae-run/model.safetensors', '--data', normal, '--out', 's4.csv');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /holds an autoencoder model, not an anomaly detector; make one with `hourglass detect fit`/);
  assert.ok(!existsSync(at('s4.csv')));
  assert.deepEqual(readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
});
