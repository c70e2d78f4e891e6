import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './support/data-files.js';
import { cliRunner } from './support/cli.js';
import { phantomVolume, writeTinyNifti } from './support/nifti-writer.js';

const tmp = tempDir('cli-pixel');
const at = (name: string): string => path.join(tmp, name);
const hourglass = cliRunner(tmp);

const [nx, ny, nz] = [24, 28, 20];
const healthy = phantomVolume(nx, ny, nz);
// The lesioned scan: a bright 3x3 blob in every 4th slice (from slice 4 on), its mask as a label volume.
const lesioned = Float32Array.from(healthy);
const lesions = new Float32Array(nx * ny * nz);
for (let k = 4; k < nz - 4; k += 4)
  for (let j = 12; j < 15; j++)
    for (let i = 10; i < 13; i++) {
      lesioned[i + nx * (j + ny * k)] = 250;
      lesions[i + nx * (j + ny * k)] = 1;
    }
writeFileSync(at('healthy.nii.gz'), writeTinyNifti({ dims: [nx, ny, nz], datatype: 'float32', values: healthy, gzip: true }));
writeFileSync(at('lesioned.nii.gz'), writeTinyNifti({ dims: [nx, ny, nz], datatype: 'float32', values: lesioned, gzip: true }));
writeFileSync(at('lesions.nii'), writeTinyNifti({ dims: [nx, ny, nz], datatype: 'uint8', values: lesions }));
const WINDOW = ['--window', '0,255'];

test('detect fit on a volume, then detect evaluate with its lesion masks: pixel metrics, heat maps and predicted masks named by slice', () => {
  const fit = hourglass('detect', 'fit', '--data', 'healthy.nii.gz', ...WINDOW, '--arch', 'pca', '--components', '4', '--out', 'det.safetensors');
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stderr, /healthy\.nii\.gz: 20 axial slices of 28x24/);
  const ev = hourglass(
    'detect', 'evaluate', '--model', 'det.safetensors', '--data', 'lesioned.nii.gz', ...WINDOW, '--masks', 'lesions.nii', '--foreground', 'auto',
    '--maps', 'maps', '--pixel-threshold', 'quantile:0.999', '--validation', 'healthy.nii.gz', '--pred-masks', 'pred', '--out', 'eval.json',
  );
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /group\s+images\s+anomalous\s+image AUROC\s+image AP\s+pixel AUROC\s+AUPRO@0\.3\s+best Dice/);
  assert.match(ev.stdout, /^all\s+20\s+3\s/m);
  assert.match(ev.stdout, /pixel threshold [\d.e-]+ \(quantile:0\.999\): Dice/);
  const report = JSON.parse(readFileSync(at('eval.json'), 'utf8'));
  // A bright blob PCA never saw: found far above chance, at the pixel level too.
  assert.ok(report.evaluation.overall.pixelAuroc > 0.9, `pixel AUROC ${report.evaluation.overall.pixelAuroc}`);
  assert.ok(report.evaluation.overall.aupro > 0.5, `AUPRO ${report.evaluation.overall.aupro}`);
  assert.equal(report.images[8].path, 'lesioned.nii.gz#axial/008');
  assert.equal(report.images[8].label, 1);
  assert.equal(report.evaluation.groups[0].group, 'lesion');
  assert.ok(existsSync(at('maps/lesioned.nii.gz/axial/008.png')));
  assert.ok(existsSync(at('pred/lesioned.nii.gz/axial/019.png')));
});

test('detect score and detect report read volumes: the CSV and the report name slices by path, the report draws the true masks', () => {
  const score = hourglass('detect', 'score', '--model', 'det.safetensors', '--data', 'lesioned.nii.gz', ...WINDOW, '--out', 'scores.csv');
  assert.equal(score.code, 0, score.stderr);
  const lines = readFileSync(at('scores.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'path,score,normalized_score,flag');
  assert.match(lines[5], /^lesioned\.nii\.gz#axial\/004,/);
  const report = hourglass('detect', 'report', '--model', 'det.safetensors', '--data', 'lesioned.nii.gz', ...WINDOW, '--masks', 'lesions.nii', '--top', '4', '--out', 'report');
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /AUROC/);
  const metrics = JSON.parse(readFileSync(at('report/metrics.json'), 'utf8'));
  assert.ok(metrics.pixelEvaluation.overall.pixelAuroc > 0.9);
  assert.match(metrics.topAnomalies[0].path, /^lesioned\.nii\.gz#axial\/\d{3}$/);
});

test('detect evaluate without masks, or with a bad threshold, says what to give', () => {
  const none = hourglass('detect', 'evaluate', '--model', 'det.safetensors', '--data', 'lesioned.nii.gz', '--out', 'x.json');
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /pixel metrics need ground-truth masks; give a volume with --masks/);
  assert.ok(!existsSync(at('x.json')));
  const bad = hourglass('detect', 'evaluate', '--model', 'det.safetensors', '--data', 'lesioned.nii.gz', '--masks', 'lesions.nii', '--pixel-threshold', 'best', '--out', 'y.json');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--pixel-threshold must be a number, 'best-f1' or 'quantile:Q'/);
  const window = hourglass('detect', 'evaluate', '--model', 'det.safetensors', '--data', 'lesioned.nii.gz', '--masks', 'lesions.nii', '--window', '5', '--out', 'z.json');
  assert.match(window.stderr, /--window must be 'auto' or MIN,MAX/);
});

test('detect bench brain --quick runs the whole benchmark on a volume in seconds', () => {
  const r = hourglass('detect', 'bench', 'brain', '--quick', '--volume', 'healthy.nii.gz', '--brain-mask', 'auto', '--size', '16', '--filters', '4,8', '--hidden', '32', '--dense-bottleneck', '8', '--components', '4', '--out', 'brain.json', '--figure', 'brain.png');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /method\s+image AUROC\s+image AP\s+pixel AUROC\s+AUPRO@0\.3\s+best Dice\s+healthy MSE\s+lesion MSE\s+seconds/);
  for (const m of ['conv AE', 'dense AE', 'PCA', 'pixel z-score']) assert.match(r.stdout, new RegExp(`^${m}\\s+[\\d.]+`, 'm'));
  const json = JSON.parse(readFileSync(at('brain.json'), 'utf8'));
  assert.equal(json.methods.length, 4);
  assert.equal(json.quick, true);
  assert.ok(json.protocol.lesioned >= 1);
  assert.ok(json.protocol.trainSlices.every((s: number) => !json.protocol.testSlices.includes(s)), 'train and test slices are disjoint');
  assert.ok(readFileSync(at('brain.png')).subarray(1, 4).toString() === 'PNG');
});
