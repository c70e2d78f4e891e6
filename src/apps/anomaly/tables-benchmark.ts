import type { Tensor } from '../../core/tensor.js';
import { Rng } from '../../core/rng.js';
import { auroc } from '../../metrics/auroc.js';
import { averagePrecision } from '../../metrics/average-precision.js';
import { selectRows } from '../../data/tables/raw-table.js';
import { TableEncoder } from '../../data/tables/table-encoder.js';
import { shuffled, type SuiteTable } from '../../data/tables/mlbench-suite.js';

/**
 * The tables benchmark's protocol (`hourglass detect bench tables`):
 * - 'semi-supervised': train on a random half of the normal rows; test on the other half and
 *   every anomaly (the way autoencoder detection is taught: the model sees only normal data);
 * - 'unsupervised': train on every row, anomalies included, and score those same rows (as
 *   ADBench does: contamination unknown).
 * Each seed draws its own split; every method sees the same splits, encoded by one
 * TableEncoder fitted on the training rows.
 */
export type TableSetting = 'semi-supervised' | 'unsupervised';
export const TABLE_SETTINGS: readonly TableSetting[] = ['semi-supervised', 'unsupervised'];

export interface TableSplit {
  train: number[];
  test: number[];
}

/** The rows a seed trains and tests on. */
export function tableSplit(labels: ArrayLike<number>, setting: TableSetting, seed: number): TableSplit {
  const all = Array.from({ length: labels.length }, (_, i) => i);
  if (setting === 'unsupervised') return { train: all, test: all };
  const normal = shuffled(all.filter((i) => labels[i] === 0), new Rng(0x7ab1e + seed));
  const half = Math.floor(normal.length / 2);
  const train = normal.slice(0, half).sort((a, b) => a - b);
  const trainSet = new Set(train);
  return { train, test: all.filter((i) => !trainSet.has(i)) };
}

/** A method's scores on one split, with its timings. */
export interface MethodRun {
  scores: ArrayLike<number>;
  fitSeconds: number;
  scoreSeconds: number;
}

/** One of hourglass's own methods: fits on the training rows and scores the test rows. */
export interface TableMethod {
  name: string;
  run(train: Tensor, test: Tensor, seed: number): Promise<MethodRun>;
}

/** One split handed to the reference methods (scikit-learn), already encoded. */
export interface ReferenceTask {
  train: Tensor;
  test: Tensor;
  testIsTrain: boolean;
  seed: number;
}

/** Runs the reference methods on a data set's splits (one call per data set: one worker start). */
export interface ReferenceRunner {
  methods: string[];
  run(tasks: ReferenceTask[]): Promise<Record<string, MethodRun | { error: string }>[]>;
}

export interface MethodResult {
  auroc: number[];
  averagePrecision: number[];
  fitSeconds: number[];
  scoreSeconds: number[];
  /** Set when the method could not run on this data set (e.g. a singular covariance). */
  error?: string;
}

export interface DatasetResult {
  name: string;
  rows: number;
  columns: number;
  anomalies: number;
  trainRows: number;
  testRows: number;
  methods: Record<string, MethodResult>;
}

export interface MethodSummary {
  meanAuroc: number;
  meanAveragePrecision: number;
  /** Mean over data sets of the method's rank by mean AUROC (1 = best; ties share; a failed method ranks last). */
  averageRank: number;
  /** Data sets it ran on. */
  datasets: number;
  meanFitSeconds: number;
  meanScoreSeconds: number;
}

export interface SettingResult {
  setting: TableSetting;
  methods: string[];
  datasets: DatasetResult[];
  summary: Record<string, MethodSummary>;
}

export interface TablesBenchmarkOptions {
  tables: SuiteTable[];
  settings?: readonly TableSetting[];
  seeds: number;
  methods: TableMethod[];
  reference?: ReferenceRunner | null;
  onDataset?: (setting: TableSetting, result: DatasetResult) => void;
}

export async function runTablesBenchmark(o: TablesBenchmarkOptions): Promise<SettingResult[]> {
  const settings = o.settings ?? TABLE_SETTINGS;
  const methodNames = [...o.methods.map((m) => m.name), ...(o.reference?.methods ?? [])];
  const out: SettingResult[] = [];
  for (const setting of settings) {
    const datasets: DatasetResult[] = [];
    for (const table of o.tables) {
      const splits = Array.from({ length: o.seeds }, (_, seed) => tableSplit(table.labels, setting, seed));
      const tasks: ReferenceTask[] = splits.map((split, seed) => {
        const encoder = new TableEncoder();
        const train = encoder.fitTransform(selectRows(table.features, split.train));
        const test = setting === 'unsupervised' ? train : encoder.transform(selectRows(table.features, split.test));
        return { train, test, testIsTrain: setting === 'unsupervised', seed };
      });
      const methods: Record<string, MethodResult> = Object.fromEntries(methodNames.map((m) => [m, { auroc: [], averagePrecision: [], fitSeconds: [], scoreSeconds: [] }]));
      const record = (name: string, run: MethodRun, seed: number): void => {
        const labels = splits[seed].test.map((i) => table.labels[i]);
        const r = methods[name];
        r.auroc.push(auroc(labels, run.scores));
        r.averagePrecision.push(averagePrecision(labels, run.scores));
        r.fitSeconds.push(run.fitSeconds);
        r.scoreSeconds.push(run.scoreSeconds);
      };
      for (const method of o.methods)
        for (const task of tasks) record(method.name, await method.run(task.train, task.test, task.seed), task.seed);
      if (o.reference) {
        const runs = await o.reference.run(tasks);
        runs.forEach((byMethod, seed) => {
          for (const name of o.reference!.methods) {
            const run = byMethod[name];
            if (!run) continue;
            if ('error' in run) methods[name].error ??= run.error;
            else if (!methods[name].error) record(name, run, seed);
          }
        });
        for (const name of o.reference.methods) if (methods[name].error) methods[name] = { auroc: [], averagePrecision: [], fitSeconds: [], scoreSeconds: [], error: methods[name].error };
      }
      const result: DatasetResult = {
        name: table.name,
        rows: table.labels.length,
        columns: tasks[0].train.shape[1],
        anomalies: table.labels.reduce((a, b) => a + b, 0),
        trainRows: splits[0].train.length,
        testRows: splits[0].test.length,
        methods,
      };
      datasets.push(result);
      o.onDataset?.(setting, result);
    }
    out.push({ setting, methods: methodNames, datasets, summary: summarize(methodNames, datasets) });
  }
  return out;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Sample standard deviation (n - 1), 0 for one value. */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/** Ranks (1 = highest), ties sharing the mean of their positions; NaN values rank last together. */
export function ranksDescending(values: readonly number[]): number[] {
  const key = values.map((v) => (Number.isNaN(v) ? -Infinity : v));
  const order = key.map((_, i) => i).sort((a, b) => key[b] - key[a]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && key[order[j + 1]] === key[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

export function summarize(methods: readonly string[], datasets: readonly DatasetResult[]): Record<string, MethodSummary> {
  const rankSums = new Array<number>(methods.length).fill(0);
  for (const d of datasets) ranksDescending(methods.map((m) => mean(d.methods[m].auroc))).forEach((r, i) => (rankSums[i] += r));
  return Object.fromEntries(
    methods.map((m, i) => {
      const ran = datasets.filter((d) => d.methods[m].auroc.length > 0);
      return [
        m,
        {
          meanAuroc: mean(ran.map((d) => mean(d.methods[m].auroc))),
          meanAveragePrecision: mean(ran.map((d) => mean(d.methods[m].averagePrecision))),
          averageRank: datasets.length ? rankSums[i] / datasets.length : NaN,
          datasets: ran.length,
          meanFitSeconds: mean(ran.map((d) => mean(d.methods[m].fitSeconds))),
          meanScoreSeconds: mean(ran.map((d) => mean(d.methods[m].scoreSeconds))),
        },
      ];
    }),
  );
}

