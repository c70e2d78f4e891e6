import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../src/core/rng.js';
import { tensor } from '../src/core/tensor.js';
import { StandardScaler } from '../src/data/scaler.js';
import { readNumericCsv } from '../src/data/csv.js';
import { PCA } from '../src/models/pca.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { scoreCsvFile } from '../src/apps/anomaly/score-csv.js';
import { hourglassError, tempDir } from './support/data-files.js';

const dir = tempDir('anomaly-csv');
const COLUMNS = ['amount', 'age', 'visits', 'balance', 'items', 'delay'];

/** Rows on a 2-D plane in 6 columns; every 10th row of a scored file is pushed off the plane in 'visits'. */
function rows(n: number, seed: number, anomalies: boolean): number[][] {
  const rng = new Rng(seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    const row = [a + b, 2 * a - b, a - 0.5 * b, 3 * b, -a, a + 2 * b].map((v, j) => 10 * j + v + 0.02 * rng.normal());
    if (anomalies && i % 10 === 9) row[2] += 8;
    out.push(row.map((v) => Number(v.toFixed(5))));
  }
  return out;
}

function writeTable(name: string, columns: string[], data: number[][], order = columns.map((_, j) => j)): string {
  const file = path.join(dir, name);
  writeFileSync(file, [order.map((j) => columns[j]).join(','), ...data.map((r) => order.map((j) => r[j].toFixed(5)).join(','))].join('\n') + '\n');
  return file;
}

async function fitted(): Promise<AnomalyDetector> {
  const normal = await readNumericCsv(writeTable('normal.csv', COLUMNS, rows(400, 1, false)));
  return new AnomalyDetector({ model: new PCA({ nComponents: 2, scaler: new StandardScaler() }), featureNames: normal.columns }).fit(normal.data);
}

test('scoring a CSV in chunks gives the in-memory scores, names the contributing column, matches columns by name', async () => {
  const detector = await fitted();
  const data = rows(250, 2, true);
  // Columns shuffled: the scorer maps them back by name.
  const file = writeTable('score.csv', COLUMNS, data, [5, 2, 0, 4, 1, 3]);
  const out = path.join(dir, 'scores.csv');
  const summary = await scoreCsvFile(detector, file, out, { chunkRows: 64, topFeatures: 2 });
  assert.equal(summary.rows, 250);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'row,score,normalized_score,flag,top1,top1_share,top2,top2_share');
  assert.equal(lines.length, 251);
  const expected = detector.score(tensor([250, 6], Float32Array.from(data.flat())));
  let flagged = 0;
  for (let i = 0; i < 250; i++) {
    const cells = lines[i + 1].split(',');
    assert.equal(Number(cells[0]), i);
    assert.ok(Math.abs(Number(cells[1]) - expected[i]) <= 1e-6 * Math.max(1, expected[i]), `row ${i}: ${cells[1]} vs ${expected[i]}`);
    assert.equal(Number(cells[3]), expected[i] > detector.threshold ? 1 : 0);
    flagged += Number(cells[3]);
    if (i % 10 === 9) {
      assert.equal(cells[3], '1', `anomalous row ${i} flagged`);
      assert.equal(cells[4], 'visits');
      assert.ok(Number(cells[5]) > 0.5);
    }
  }
  assert.equal(summary.flagged, flagged);
});

test('bad files fail before anything appears under the output name, even after chunks were scored', async () => {
  const detector = await fitted();
  const out = path.join(dir, 'never.csv');
  const narrow = writeTable('narrow.csv', COLUMNS.slice(0, 5), rows(20, 3, false));
  await assert.rejects(scoreCsvFile(detector, narrow, out), hourglassError('SHAPE_MISMATCH', /narrow\.csv has 5 columns; this detector was fitted on 6 \(amount, age/));
  const renamed = writeTable('renamed.csv', [...COLUMNS.slice(0, 5), 'lateness'], rows(20, 3, false));
  await assert.rejects(scoreCsvFile(detector, renamed, out), /lacks the column delay the detector was fitted on and has lateness instead/);
  // A bad cell far down the file: earlier chunks were already scored and written to the temporary file.
  const good = rows(300, 4, false).map((r) => r.map((v) => v.toFixed(4)).join(','));
  good[280] = good[280].replace(/^[^,]+/, 'NaN');
  const late = path.join(dir, 'late-nan.csv');
  writeFileSync(late, [COLUMNS.join(','), ...good].join('\n') + '\n');
  await assert.rejects(scoreCsvFile(detector, late, out, { chunkRows: 50 }), hourglassError('BAD_DATA', /late-nan\.csv line 282, column 'amount'.*not a number/));
  const wide = path.join(dir, 'ragged.csv');
  writeFileSync(wide, [COLUMNS.join(','), ...good.slice(0, 100), good[0] + ',7'].join('\n') + '\n');
  await assert.rejects(scoreCsvFile(detector, wide, out, { chunkRows: 16 }), /ragged\.csv line 102: expected 6 columns, got 7/);
  assert.ok(!existsSync(out), 'no partial output');
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left behind');
});
