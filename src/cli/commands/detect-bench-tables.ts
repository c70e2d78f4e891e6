import { invalid } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { StandardScaler } from '../../data/scaler.js';
import { PCA } from '../../models/pca.js';
import type { Tensor } from '../../core/tensor.js';
import { loadSuiteTable, SUITE_NAMES, suiteRule } from '../../data/tables/mlbench-suite.js';
import { AnomalyDetector } from '../../apps/anomaly/anomaly-detector.js';
import { planTableDetector } from '../../apps/anomaly/table-detector.js';
import { mean, runTablesBenchmark, std, TABLE_SETTINGS, type MethodRun, type SettingResult, type TableMethod, type TableSetting } from '../../apps/anomaly/tables-benchmark.js';
import { dotPlot } from '../../report/dot-plot.js';
import { svgRow, svgToPng } from '../../report/svg.js';
import { opt, type OptionValues } from '../command.js';
import { claimOutput } from '../output-path.js';
import { defaultMlbenchDir, ensureMlbenchExport } from '../mlbench-cache.js';
import { sklearnTablesRunner } from '../sklearn-tables.js';

export const TABLES_BENCH_OPTIONS = [
  { name: 'datasets', type: 'string', description: `comma-separated suite data sets (default all: ${SUITE_NAMES.join(', ')})` },
  { name: 'setting', type: 'string', description: 'semi-supervised, unsupervised or both', default: 'both' },
  { name: 'seeds', type: 'number', description: 'splits (and model seeds) per data set', default: 5, min: 1, max: 100 },
  { name: 'data-dir', type: 'string', description: 'the suite\'s CSV export (made once by Rscript from r-cran-mlbench; default ~/.cache/hourglass/mlbench)' },
  { name: 'python', type: 'string', description: 'Python with scikit-learn for the reference methods', default: '/usr/bin/python3' },
  { name: 'no-reference', type: 'flag', description: 'skip the scikit-learn methods' },
  { name: 'hidden', type: 'list', description: 'override the autoencoder\'s hidden widths (default: from the column count)' },
  { name: 'bottleneck', type: 'number', description: 'override the bottleneck (default: from the column count)' },
  { name: 'epochs', type: 'number', description: 'override the epochs (default: from the row count)' },
  { name: 'batch-size', type: 'number', description: 'override the batch size (default: from the row count)' },
  { name: 'out', type: 'string', description: 'also write the results to this JSON file', aliases: ['json'] },
  { name: 'plot', type: 'string', description: 'also draw AUROC per data set and method to this PNG (one panel per setting)' },
  { name: 'overwrite', type: 'flag', description: 'replace --out / --plot if they exist' },
] as const;

/** `hourglass detect bench tables`: the suite of real tables, hourglass against scikit-learn. */
export async function runTablesBenchCommand(o: OptionValues): Promise<void> {
  const out = opt.string(o, 'out');
  const plot = opt.string(o, 'plot');
  if (plot && !plot.toLowerCase().endsWith('.png')) throw invalid(`--plot writes a PNG; give a file name ending in .png, got '${plot}'`);
  for (const f of [out, plot]) if (f) claimOutput(f, { overwrite: opt.flag(o, 'overwrite') });
  const names = (opt.string(o, 'datasets')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [...SUITE_NAMES]).map((n) => suiteRule(n).name);
  const settingText = opt.string(o, 'setting') as string;
  const settings: TableSetting[] = settingText === 'both' ? [...TABLE_SETTINGS] : TABLE_SETTINGS.includes(settingText as TableSetting) ? [settingText as TableSetting] : [];
  if (settings.length === 0) throw invalid(`--setting must be semi-supervised, unsupervised or both, got '${settingText}'`);
  const seeds = opt.number(o, 'seeds') as number;
  const log = (line: string): void => void process.stdout.write(line + '\n');

  const dir = opt.string(o, 'data-dir') ?? defaultMlbenchDir();
  const exported = ensureMlbenchExport(dir, names);
  if (exported.length) log(`hourglass: exported ${exported.join(', ')} from r-cran-mlbench to ${dir}`);
  const tables = names.map((n) => loadSuiteTable(dir, n));
  const overrides = { hidden: opt.list(o, 'hidden'), bottleneck: opt.number(o, 'bottleneck'), epochs: opt.number(o, 'epochs'), batchSize: opt.number(o, 'batch-size') };
  const reference = opt.flag(o, 'no-reference') ? null : sklearnTablesRunner(opt.string(o, 'python') as string);
  const methods: TableMethod[] = [
    { name: 'hourglass AE', run: (train, test, seed) => timed(() => planTableDetector(train.shape[0], train.shape[1], { seed, overrides }).detector, (d) => planFit(d, train, seed, overrides), test) },
    { name: 'hourglass PCA', run: (train, test, seed) => timed(() => new AnomalyDetector({ model: new PCA({ nComponents: 0.9, seed, scaler: new StandardScaler() }) }), (d) => d.fit(train), test) },
  ];
  log(`hourglass: tables suite (${tables.map((t) => `${t.name} ${t.labels.length}`).join(', ')}), ${seeds} seed${seeds === 1 ? '' : 's'}, ${settings.join(' and ')}`);
  const results = await runTablesBenchmark({
    tables,
    settings,
    seeds,
    methods,
    reference,
    onDataset: (setting, d) =>
      log(`  ${setting} ${d.name}: ` + Object.entries(d.methods).map(([m, r]) => `${m} ${r.error ? 'failed' : mean(r.auroc).toFixed(3)}`).join(', ')),
  });
  for (const r of results) log('\n' + formatTablesResult(r));
  if (out) {
    const json = { protocol: 'hourglass tables suite', seeds, dataDir: dir, rules: Object.fromEntries(tables.map((t) => [t.name, t.rule])), reference: reference?.version() ?? null, results };
    await writeFileAtomic(out, JSON.stringify(json, null, 2) + '\n');
    log(`hourglass: wrote ${out}`);
  }
  if (plot) {
    const svgs = results.map((r) =>
      dotPlot({
        title: `AUROC per data set, ${r.setting} (mean +- std over ${seeds} seeds)`,
        yLabel: 'AUROC',
        categories: r.datasets.map((d) => d.name),
        series: r.methods.map((m) => ({ name: m, mean: r.datasets.map((d) => mean(d.methods[m].auroc)), spread: r.datasets.map((d) => std(d.methods[m].auroc)) })),
      }),
    );
    await writeFileAtomic(plot, await svgToPng(svgRow(svgs)));
    log(`hourglass: wrote ${plot}`);
  }
}

async function planFit(detector: AnomalyDetector, train: Tensor, seed: number, overrides: object): Promise<unknown> {
  const plan = planTableDetector(train.shape[0], train.shape[1], { seed, overrides });
  return detector.fit(train, plan.fitOptions);
}

async function timed(make: () => AnomalyDetector, fit: (d: AnomalyDetector) => Promise<unknown>, test: Tensor): Promise<MethodRun> {
  const detector = make();
  const t0 = performance.now();
  await fit(detector);
  const t1 = performance.now();
  const scores = detector.score(test);
  const t2 = performance.now();
  return { scores, fitSeconds: (t1 - t0) / 1000, scoreSeconds: (t2 - t1) / 1000 };
}

/** Per data set AUROC and AP (mean +- std) per method, then the suite mean, average rank and times. */
export function formatTablesResult(r: SettingResult): string {
  const pm = (v: number[]): string => (v.length ? `${mean(v).toFixed(3)}±${std(v).toFixed(3)}` : 'failed');
  const headers = ['data set', 'rows', 'cols', 'anom', ...r.methods];
  const rows: string[][] = [];
  for (const d of r.datasets) {
    rows.push([d.name, String(d.rows), String(d.columns), String(d.anomalies), ...r.methods.map((m) => pm(d.methods[m].auroc))]);
  }
  const s = r.summary;
  const footer = [
    ['mean AUROC', '', '', '', ...r.methods.map((m) => s[m].meanAuroc.toFixed(3) + (s[m].datasets < r.datasets.length ? ` (${s[m].datasets} sets)` : ''))],
    ['mean AP', '', '', '', ...r.methods.map((m) => s[m].meanAveragePrecision.toFixed(3))],
    ['average rank', '', '', '', ...r.methods.map((m) => s[m].averageRank.toFixed(2))],
    ['fit s (mean)', '', '', '', ...r.methods.map((m) => s[m].meanFitSeconds.toFixed(3))],
    ['score s (mean)', '', '', '', ...r.methods.map((m) => s[m].meanScoreSeconds.toFixed(4))],
  ];
  const apRows = r.datasets.map((d) => [d.name, '', '', '', ...r.methods.map((m) => pm(d.methods[m].averagePrecision))]);
  const all = [headers, ...rows, ...apRows, ...footer];
  const widths = headers.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `${r.setting}: AUROC (mean±std over seeds)`,
    line(headers),
    rule,
    ...rows.map(line),
    rule,
    `${r.setting}: average precision`,
    ...apRows.map(line),
    rule,
    ...footer.map(line),
  ].join('\n');
}
