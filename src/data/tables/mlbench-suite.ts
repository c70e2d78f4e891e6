import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HourglassError, invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { splitCsvLine } from './csv-fields.js';
import { rawTable, rowHasMissing, selectRows, type RawColumn, type RawTable } from './raw-table.js';

/**
 * hourglass's suite of real tables for anomaly detection: UCI data sets as Debian's
 * r-cran-mlbench ships them, each turned into "normal vs anomaly" by the ODDS conventions
 * (Rayana, ODDS library, 2016) where ODDS has the data set, and by "the smallest class is the
 * anomaly" where it does not. The rules are documented per data set in
 * docs/anomaly-detection.md; this file is their one implementation.
 */

/** One column of the R export's schema (scripts/mlbench-export.R). */
export interface SchemaColumn {
  name: string;
  type: 'numeric' | 'logical' | 'factor' | 'ordered' | 'character';
  levels?: string[];
}

export interface MlbenchSchema {
  name: string;
  rows: number;
  columns: SchemaColumn[];
}

/** How one data set becomes an anomaly-detection table. */
export interface SuiteRule {
  /** The mlbench data set. */
  name: string;
  /** The class column. */
  label: string;
  /** The rule in words, as docs/anomaly-detection.md states it. */
  rule: string;
  /** The anomaly classes, given the class counts (in level order). */
  anomalies(counts: Map<string, number>): string[];
  /** Classes whose rows leave the table (ODDS drops some). */
  dropClasses?: string[];
  /** Columns that are not features (identifiers). */
  dropColumns?: string[];
  /** Keep at most this many normal and anomalous rows (a fixed random subsample), as ODDS does for some sets. */
  sample?: { normal: number; anomalies: number };
}

/** Rows a suite table keeps at most (a stratified, fixed random subsample above it): keeps OCSVM and LOF at seconds per fit. */
export const SUITE_MAX_ROWS = 5000;
/** The subsampling seed: fixed, so every run (and every method) sees the same table. */
const SUITE_SAMPLE_SEED = 20221;

const smallest = (k: number) => (counts: Map<string, number>): string[] =>
  [...counts.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k).map(([c]) => c);

export const SUITE_RULES: readonly SuiteRule[] = [
  { name: 'Ionosphere', label: 'Class', rule: "Class 'bad' (126 of 351 rows) is the anomaly (ODDS ionosphere)", anomalies: () => ['bad'] },
  { name: 'PimaIndiansDiabetes', label: 'diabetes', rule: "diabetes 'pos' (268 of 768) is the anomaly (ODDS pima)", anomalies: () => ['pos'] },
  {
    name: 'BreastCancer',
    label: 'Class',
    rule: "Class 'malignant' is the anomaly; the Id column is dropped and the 16 rows with a missing Bare.nuclei are dropped, leaving 683 rows, 239 malignant (ODDS breastw)",
    anomalies: () => ['malignant'],
    dropColumns: ['Id'],
  },
  { name: 'Glass', label: 'Type', rule: "Type '6' (tableware, 9 of 214) is the anomaly, every other type normal (ODDS glass)", anomalies: () => ['6'] },
  {
    name: 'Vowel',
    label: 'Class',
    rule: "Class 'hid' (the first vowel, 90 of 990; all eleven classes have 90 rows) is the anomaly; V1, the speaker number, is an identifier and is dropped",
    anomalies: () => ['hid'],
    dropColumns: ['V1'],
  },
  {
    name: 'LetterRecognition',
    label: 'lettr',
    rule: 'the three least frequent letters are the anomaly; a fixed random subsample of 1,500 normal rows and 100 anomalies (the size of ODDS letter: 1,600 rows, 100 anomalies)',
    anomalies: smallest(3),
    sample: { normal: 1500, anomalies: 100 },
  },
  { name: 'Satellite', label: 'classes', rule: 'the three smallest classes (2,036 of 6,435) are the anomaly (ODDS satellite); subsampled to 5,000 rows, stratified', anomalies: smallest(3) },
  {
    name: 'Shuttle',
    label: 'Class',
    rule: "class 1 (Rad.Flow) is normal and classes 2, 3, 5, 6 and 7 the anomaly; class 4 (High) is dropped (ODDS shuttle: 49,097 rows, 7% anomalies); subsampled to 5,000 rows, stratified",
    anomalies: (counts) => [...counts.keys()].filter((c) => c !== 'Rad.Flow' && c !== 'High'),
    dropClasses: ['High'],
  },
  { name: 'Sonar', label: 'Class', rule: "Class 'R' (rocks, 97 of 208) is the anomaly, mines normal (not in ODDS: the smaller class)", anomalies: () => ['R'] },
  { name: 'Vehicle', label: 'Class', rule: "Class 'van' (199 of 846, the smallest of four) is the anomaly (not in ODDS: the smallest class)", anomalies: smallest(1) },
];

export const SUITE_NAMES: readonly string[] = SUITE_RULES.map((r) => r.name);

/** A suite data set ready for splitting: features (raw, not yet encoded) and labels (1 = anomaly). */
export interface SuiteTable {
  name: string;
  rule: string;
  features: RawTable;
  labels: Uint8Array;
  /** Rows dropped for a missing value. */
  droppedMissing: number;
}

export function suiteRule(name: string): SuiteRule {
  const rule = SUITE_RULES.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!rule) throw invalid(`no suite data set '${name}'; the suite has ${SUITE_NAMES.join(', ')}`);
  return rule;
}

/**
 * The column policy, from R's types: numbers and logicals are numeric; an ordered factor is
 * its level's position (1, 2, ...); a factor whose levels are all numbers (BreastCancer's
 * 1-10 grades, Ionosphere's 0/1) is the number; any other factor is categorical (one-hot in
 * the encoder); text columns must be dropped by the rule (identifiers).
 */
export function columnFromText(column: SchemaColumn, cells: (string | null)[]): RawColumn {
  const { name, type } = column;
  const numeric = (f: (cell: string) => number): RawColumn => ({ name, kind: 'numeric', values: Float64Array.from(cells, (c) => (c === null ? NaN : f(c))) });
  const levels = column.levels ?? [];
  const checkLevel = (c: string): string => {
    if (!levels.includes(c)) throw new HourglassError('BAD_FILE', `column '${name}': '${c}' is not one of its levels (${levels.join(', ')})`);
    return c;
  };
  switch (type) {
    case 'numeric':
      return numeric((c) => {
        const v = Number(c);
        if (c.trim() === '' || !Number.isFinite(v)) throw new HourglassError('BAD_FILE', `column '${name}': '${c}' is not a number`);
        return v;
      });
    case 'logical':
      return numeric((c) => (c === 'TRUE' ? 1 : c === 'FALSE' ? 0 : NaN));
    case 'ordered':
      return numeric((c) => levels.indexOf(checkLevel(c)) + 1);
    case 'factor':
      if (levels.length > 0 && levels.every((l) => l.trim() !== '' && Number.isFinite(Number(l)))) return numeric((c) => Number(checkLevel(c)));
      return { name, kind: 'categorical', values: cells.map((c) => (c === null ? null : checkLevel(c))) };
    default:
      throw invalid(`column '${name}' holds text (${type}); a suite rule must drop it (dropColumns)`);
  }
}

/** Builds a suite table from the export's schema and CSV text, applying the data set's rule. */
export function suiteTableFromText(rule: SuiteRule, schema: MlbenchSchema, csv: string): SuiteTable {
  const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0]).fields;
  const names = schema.columns.map((c) => c.name);
  if (header.join(',') !== names.join(',')) throw new HourglassError('BAD_FILE', `${rule.name}: the CSV header (${header.join(', ')}) does not match its schema (${names.join(', ')}); export it again`);
  const cells: (string | null)[][] = names.map(() => []);
  for (let r = 1; r < lines.length; r++) {
    const { fields, quoted } = splitCsvLine(lines[r]);
    if (fields.length !== names.length) throw new HourglassError('BAD_FILE', `${rule.name}: line ${r + 1} has ${fields.length} fields, the header ${names.length}`);
    fields.forEach((f, c) => cells[c].push(f === '' && !quoted[c] ? null : f));
  }
  const labelIndex = names.indexOf(rule.label);
  if (labelIndex < 0) throw new HourglassError('BAD_FILE', `${rule.name}: no class column '${rule.label}'`);
  const classes = cells[labelIndex];
  const levels = schema.columns[labelIndex].levels ?? [...new Set(classes.filter((c): c is string => c !== null))];
  const dropClasses = new Set(rule.dropClasses ?? []);
  const counts = new Map<string, number>(levels.filter((l) => !dropClasses.has(l)).map((l) => [l, 0]));
  for (const c of classes) if (c !== null && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  const anomalyClasses = new Set(rule.anomalies(counts));
  for (const a of anomalyClasses) if (!counts.has(a)) throw new HourglassError('BAD_FILE', `${rule.name}: no class '${a}' in column '${rule.label}'`);

  const drop = new Set([rule.label, ...(rule.dropColumns ?? [])]);
  const columns = schema.columns.flatMap((c, i) => (drop.has(c.name) ? [] : [columnFromText(c, cells[i])]));
  const full = rawTable(columns);
  const keep: number[] = [];
  let droppedMissing = 0;
  for (let r = 0; r < full.rows; r++) {
    if (classes[r] === null || dropClasses.has(classes[r]!)) continue;
    if (rowHasMissing(full, r)) {
      droppedMissing++;
      continue;
    }
    keep.push(r);
  }
  const isAnomaly = (r: number): boolean => anomalyClasses.has(classes[r]!);
  const rows = subsample(keep, isAnomaly, rule.sample);
  return { name: rule.name, rule: rule.rule, features: selectRows(full, rows), labels: Uint8Array.from(rows, (r) => (isAnomaly(r) ? 1 : 0)), droppedMissing };
}

/** The rule's fixed subsample, or a stratified one down to SUITE_MAX_ROWS; rows keep their file order. */
function subsample(rows: number[], isAnomaly: (r: number) => boolean, sample?: { normal: number; anomalies: number }): number[] {
  const normal = rows.filter((r) => !isAnomaly(r));
  const anomalies = rows.filter(isAnomaly);
  let wantNormal = normal.length;
  let wantAnomalies = anomalies.length;
  if (sample) {
    wantNormal = Math.min(wantNormal, sample.normal);
    wantAnomalies = Math.min(wantAnomalies, sample.anomalies);
  } else if (rows.length > SUITE_MAX_ROWS) {
    wantAnomalies = Math.round((SUITE_MAX_ROWS * anomalies.length) / rows.length);
    wantNormal = SUITE_MAX_ROWS - wantAnomalies;
  }
  const rng = new Rng(SUITE_SAMPLE_SEED);
  const picked = [...shuffled(normal, rng).slice(0, wantNormal), ...shuffled(anomalies, rng).slice(0, wantAnomalies)];
  return picked.sort((a, b) => a - b);
}

/** A Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Where the export of a data set lives in `dir`. */
export function suiteFiles(dir: string, name: string): { csv: string; schema: string } {
  return { csv: path.join(dir, `${name}.csv`), schema: path.join(dir, `${name}.schema.json`) };
}

/** Reads one suite data set from the export directory (scripts/mlbench-export.R's output). */
export function loadSuiteTable(dir: string, name: string): SuiteTable {
  const rule = suiteRule(name);
  const files = suiteFiles(dir, rule.name);
  for (const f of [files.csv, files.schema])
    if (!existsSync(f)) throw new HourglassError('FILE_NOT_FOUND', `${f} is missing: export the suite with \`Rscript scripts/mlbench-export.R ${dir} ${rule.name}\` (needs Debian's r-cran-mlbench)`);
  let schema: MlbenchSchema;
  try {
    schema = JSON.parse(readFileSync(files.schema, 'utf8')) as MlbenchSchema;
  } catch (e) {
    throw new HourglassError('BAD_FILE', `${files.schema} is not valid JSON (${(e as Error).message}); export the suite again`);
  }
  return suiteTableFromText(rule, schema, readFileSync(files.csv, 'utf8'));
}
