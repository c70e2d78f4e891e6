import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HourglassError } from '../src/core/errors.js';
import { splitCsvLine } from '../src/data/tables/csv-fields.js';
import { columnFromText, loadSuiteTable, suiteRule, suiteTableFromText, SUITE_NAMES, type MlbenchSchema } from '../src/data/tables/mlbench-suite.js';
import { rawTable } from '../src/data/tables/raw-table.js';
import { ranksDescending, summarize, tableSplit, type DatasetResult } from '../src/apps/anomaly/tables-benchmark.js';

test('CSV fields: quotes, doubled quotes, commas inside quotes, and empty unquoted cells (R\'s NA) told from quoted text', () => {
  assert.deepEqual(splitCsvLine('"a,b","say ""hi""",,3.5,'), { fields: ['a,b', 'say "hi"', '', '3.5', ''], quoted: [true, true, false, false, false] });
  assert.deepEqual(splitCsvLine('1'), { fields: ['1'], quoted: [false] });
});

test('column policy: numbers, logicals, ordered factors as their position, numeric-level factors as the number, other factors categorical', () => {
  assert.deepEqual([...(columnFromText({ name: 'a', type: 'numeric' }, ['1.5', null, '-2']).values as Float64Array)], [1.5, NaN, -2]);
  assert.deepEqual([...(columnFromText({ name: 'b', type: 'logical' }, ['TRUE', 'FALSE']).values as Float64Array)], [1, 0]);
  const ordered = columnFromText({ name: 'c', type: 'ordered', levels: ['low', 'mid', 'high'] }, ['high', 'low']);
  assert.equal(ordered.kind, 'numeric');
  assert.deepEqual([...(ordered.values as Float64Array)], [3, 1]);
  const grades = columnFromText({ name: 'Bare.nuclei', type: 'factor', levels: ['1', '2', '10'] }, ['10', '2']);
  assert.equal(grades.kind, 'numeric');
  assert.deepEqual([...(grades.values as Float64Array)], [10, 2]);
  const colour = columnFromText({ name: 'colour', type: 'factor', levels: ['red', 'blue'] }, ['blue', null]);
  assert.deepEqual(colour, { name: 'colour', kind: 'categorical', values: ['blue', null] });
  assert.throws(() => columnFromText({ name: 'Id', type: 'character' }, ['x']), /column 'Id' holds text.*must drop it/);
  assert.throws(() => columnFromText({ name: 'c', type: 'ordered', levels: ['low'] }, ['huge']), /'huge' is not one of its levels/);
  assert.throws(() => columnFromText({ name: 'a', type: 'numeric' }, ['abc']), /column 'a': 'abc' is not a number/);
});

/** A tiny export in the R script's format: a schema and CSV text. */
function fixture(name: string, columns: MlbenchSchema['columns'], rows: string[]): { schema: MlbenchSchema; csv: string } {
  return { schema: { name, rows: rows.length, columns }, csv: [columns.map((c) => `"${c.name}"`).join(','), ...rows].join('\n') + '\n' };
}

test('BreastCancer rule: malignant is the anomaly, Id dropped, rows with a missing value dropped and counted', () => {
  const { schema, csv } = fixture(
    'BreastCancer',
    [
      { name: 'Id', type: 'character' },
      { name: 'Cl.thickness', type: 'ordered', levels: ['1', '2', '3'] },
      { name: 'Bare.nuclei', type: 'factor', levels: ['1', '2', '10'] },
      { name: 'Class', type: 'factor', levels: ['benign', 'malignant'] },
    ],
    ['"1","1","1","benign"', '"2","3","10","malignant"', '"3","2",,"benign"', '"4","1","2","benign"'],
  );
  const t = suiteTableFromText(suiteRule('BreastCancer'), schema, csv);
  assert.deepEqual([...t.labels], [0, 1, 0]);
  assert.equal(t.droppedMissing, 1);
  assert.deepEqual(t.features.columns.map((c) => c.name), ['Cl.thickness', 'Bare.nuclei']);
  assert.deepEqual([...(t.features.columns[1].values as Float64Array)], [1, 10, 2]);
});

test('Shuttle rule: class 1 (Rad.Flow) normal, High dropped, every other class an anomaly', () => {
  const { schema, csv } = fixture(
    'Shuttle',
    [
      { name: 'V1', type: 'numeric' },
      { name: 'Class', type: 'factor', levels: ['Rad.Flow', 'Fpv.Close', 'High', 'Bypass'] },
    ],
    ['1,"Rad.Flow"', '2,"High"', '3,"Bypass"', '4,"Fpv.Close"', '5,"Rad.Flow"'],
  );
  const t = suiteTableFromText(suiteRule('shuttle'), schema, csv);
  assert.deepEqual([...(t.features.columns[0].values as Float64Array)], [1, 3, 4, 5]);
  assert.deepEqual([...t.labels], [0, 1, 1, 0]);
});

test('smallest-class rules: Vehicle\'s anomaly is its smallest class, Satellite\'s its three smallest; Glass type 6 only', () => {
  const vehicle = fixture('Vehicle', [{ name: 'x', type: 'numeric' }, { name: 'Class', type: 'factor', levels: ['bus', 'van', 'saab'] }], ['1,"bus"', '2,"van"', '3,"saab"', '4,"bus"', '5,"saab"']);
  assert.deepEqual([...suiteTableFromText(suiteRule('Vehicle'), vehicle.schema, vehicle.csv).labels], [0, 1, 0, 0, 0]);
  const classes = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'd', 'e'];
  const sat = fixture('Satellite', [{ name: 'x', type: 'numeric' }, { name: 'classes', type: 'factor', levels: ['a', 'b', 'c', 'd', 'e'] }], classes.map((c, i) => `${i},"${c}"`));
  assert.deepEqual([...suiteTableFromText(suiteRule('Satellite'), sat.schema, sat.csv).labels], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  const glass = fixture('Glass', [{ name: 'RI', type: 'numeric' }, { name: 'Type', type: 'factor', levels: ['1', '2', '6', '7'] }], ['1,"1"', '2,"6"', '3,"7"']);
  assert.deepEqual([...suiteTableFromText(suiteRule('Glass'), glass.schema, glass.csv).labels], [0, 1, 0]);
});

test('Vowel drops the speaker number; a header that does not match the schema is refused', () => {
  const v = fixture('Vowel', [{ name: 'V1', type: 'factor', levels: ['0', '1'] }, { name: 'V2', type: 'numeric' }, { name: 'Class', type: 'factor', levels: ['hid', 'hId'] }], ['"0",1.5,"hid"', '"1",2.5,"hId"']);
  const t = suiteTableFromText(suiteRule('Vowel'), v.schema, v.csv);
  assert.deepEqual(t.features.columns.map((c) => c.name), ['V2']);
  assert.deepEqual([...t.labels], [1, 0]);
  assert.throws(() => suiteTableFromText(suiteRule('Vowel'), v.schema, v.csv.replace('"V2"', '"W2"')), /header .* does not match its schema/);
});

test('the suite names every rule; an unknown data set and a missing export say what to do', () => {
  assert.equal(SUITE_NAMES.length, 10);
  assert.throws(() => suiteRule('Iris'), /no suite data set 'Iris'; the suite has Ionosphere, /);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-suite-'));
  assert.throws(
    () => loadSuiteTable(dir, 'Sonar'),
    (e: unknown) => e instanceof HourglassError && e.code === 'FILE_NOT_FOUND' && /Rscript scripts\/mlbench-export\.R/.test(e.message),
  );
  const s = fixture('Sonar', [{ name: 'V1', type: 'numeric' }, { name: 'Class', type: 'factor', levels: ['M', 'R'] }], ['0.1,"M"', '0.2,"R"']);
  writeFileSync(path.join(dir, 'Sonar.csv'), s.csv);
  writeFileSync(path.join(dir, 'Sonar.schema.json'), JSON.stringify(s.schema));
  assert.deepEqual([...loadSuiteTable(dir, 'Sonar').labels], [0, 1]);
});

test('splits: semi-supervised trains on half the normal rows only and tests on the rest; unsupervised uses every row for both', () => {
  const labels = Uint8Array.from([0, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
  const s = tableSplit(labels, 'semi-supervised', 3);
  assert.equal(s.train.length, 3);
  assert.ok(s.train.every((i) => labels[i] === 0));
  assert.deepEqual([...s.train, ...s.test].sort((a, b) => a - b), [...labels.keys()]);
  assert.ok([2, 5, 9].every((i) => s.test.includes(i)));
  assert.notDeepEqual(tableSplit(labels, 'semi-supervised', 4).train, tableSplit(labels, 'semi-supervised', 5).train);
  const u = tableSplit(labels, 'unsupervised', 0);
  assert.equal(u.train.length, 10);
  assert.deepEqual(u.train, u.test);
});

test('ranks: 1 is best, ties share, a method that failed ranks last; the summary averages them', () => {
  assert.deepEqual(ranksDescending([0.9, 0.7, 0.9, NaN]), [1.5, 3, 1.5, 4]);
  const d = (a: number[], b: number[]): DatasetResult => ({
    name: 'x', rows: 1, columns: 1, anomalies: 1, trainRows: 1, testRows: 1,
    methods: { A: { auroc: a, averagePrecision: a, fitSeconds: [1], scoreSeconds: [1] }, B: { auroc: b, averagePrecision: b, fitSeconds: [2], scoreSeconds: [2] } },
  });
  const s = summarize(['A', 'B'], [d([0.9, 0.8], [0.7]), d([0.5], [0.6])]);
  assert.equal(s.A.averageRank, 1.5);
  assert.ok(Math.abs(s.A.meanAuroc - (0.85 + 0.5) / 2) < 1e-12);
  assert.equal(rawTable([]).rows, 0);
});

test('detect bench tables: runs the suite protocol from an export directory and writes JSON; bad options are one-line errors', async () => {
  const { cliRunner } = await import('./support/cli.js');
  const { readFileSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hourglass-bench-tables-'));
  // A Glass-shaped fixture: 40 rows of type 1 around one point, 4 of type 6 far from it.
  const rows = Array.from({ length: 44 }, (_, i) => {
    const far = i >= 40;
    const v = [1 + (i % 7) * 0.01, 13 + (i % 5) * 0.1, far ? 0 : 3.5 + (i % 3) * 0.05];
    return `${v.map((x) => x.toFixed(3)).join(',')},"${far ? '6' : '1'}"`;
  });
  const g = fixture('Glass', [{ name: 'RI', type: 'numeric' }, { name: 'Na', type: 'numeric' }, { name: 'Mg', type: 'numeric' }, { name: 'Type', type: 'factor', levels: ['1', '6'] }], rows);
  writeFileSync(path.join(dir, 'Glass.csv'), g.csv);
  writeFileSync(path.join(dir, 'Glass.schema.json'), JSON.stringify(g.schema));
  const run = cliRunner(dir);
  const r = run('detect', 'bench', 'tables', '--datasets', 'glass', '--data-dir', dir, '--no-reference', '--seeds', '2', '--epochs', '5', '--out', 'r.json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /semi-supervised: AUROC \(mean±std over seeds\)/);
  assert.match(r.stdout, /unsupervised: AUROC/);
  const json = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8'));
  assert.deepEqual(json.results.map((s: { setting: string }) => s.setting), ['semi-supervised', 'unsupervised']);
  const glass = json.results[0].datasets[0];
  assert.deepEqual([glass.rows, glass.anomalies, glass.trainRows, glass.testRows], [44, 4, 20, 24]);
  assert.equal(glass.methods['hourglass AE'].auroc.length, 2);
  assert.ok(glass.methods['hourglass PCA'].auroc[0] > 0.9, 'the far rows are found');
  const bad = run('detect', 'bench', 'tables', '--setting', 'sometimes');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "hourglass: error: --setting must be semi-supervised, unsupervised or both, got 'sometimes'\n");
});
