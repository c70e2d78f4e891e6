import { invalid } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { PCA } from '../../models/pca.js';
import { buildAutoencoder } from '../../models/build.js';
import { opt, type Command, type OptionValues } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DETECTOR_OPTIONS, describeSpec, detectorSpec, fitOptions, type DetectorSpec } from '../detect-options.js';
import { fillSizedDefaults, sizedByDataOptions } from '../table-sizing.js';
import { runTablesBenchCommand, TABLES_BENCH_OPTIONS } from './detect-bench-tables.js';
import { oneClassFashionMnist, type OneClassMethod, type OneClassResult, type ScoreVariant } from '../../apps/anomaly/one-class-benchmark.js';

/** The score the benchmark compares with plain MSE unless --score says otherwise. */
export const BENCH_DEFAULT_SCORE = 'smoothed-mse+ssim';
export const BENCH_DEFAULT_LATENT_WEIGHT = 1;

export const detectBenchCommand: Command = {
  name: 'detect bench',
  summary: 'benchmarks: `detect bench fashion-mnist` (each class alone as normal, autoencoder vs PCA); `detect bench tables` (ten real tables, against scikit-learn)',
  positionals: 'fashion-mnist | tables',
  options: [
    ...DETECTOR_OPTIONS.map((spec) =>
      spec.name === 'score'
        ? { ...spec, default: BENCH_DEFAULT_SCORE }
        : spec.name === 'latent-weight'
          ? { ...spec, default: BENCH_DEFAULT_LATENT_WEIGHT }
          : spec,
    ).map((spec) => sizedByDataOptions([spec])[0]),
    { name: 'classes', type: 'list', description: 'normal classes to run (default all ten)' },
    { name: 'no-baseline', type: 'flag', description: 'skip the PCA baseline' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory; for tables, the suite\'s CSV export (default ~/.cache/hourglass/mlbench)' },
    { name: 'out', type: 'string', description: 'also write the results to this JSON file', aliases: ['json'] },
    { name: 'overwrite', type: 'flag', description: 'replace --out (and --plot) if it exists' },
    ...TABLES_BENCH_OPTIONS.filter((t) => !['data-dir', 'out', 'overwrite', 'bottleneck', 'epochs', 'batch-size', 'hidden'].includes(t.name)),
  ],
  async run(o, rest) {
    if (rest.length === 1 && rest[0] === 'tables') return runTablesBenchCommand(o);
    // Fashion-MNIST keeps the image defaults the tables benchmark sizes from the data instead.
    fillSizedDefaults(o, [1, 28, 28], 0);
    if (rest.length !== 1 || rest[0] !== 'fashion-mnist') throw invalid(`usage: hourglass detect bench fashion-mnist|tables [options] (or hourglass detect bench brain [options]); got '${rest.join(' ')}'`);
    const json = opt.string(o, 'out');
    if (json) claimOutput(json, { overwrite: opt.flag(o, 'overwrite') });
    const spec = detectorSpec(o);
    const result = await runOneClassBenchmark(spec, o, (line) => process.stdout.write(line + '\n'));
    if (json) {
      await writeFileAtomic(json, JSON.stringify({ protocol: 'fashion-mnist one-class', detector: describeSpec(spec), ...result }, null, 2) + '\n');
      process.stdout.write(`hourglass: wrote ${json}\n`);
    }
  },
};

/** Runs the protocol for the detector described by `spec` (and the PCA baseline) and prints the AUROC table. */
export async function runOneClassBenchmark(spec: DetectorSpec, o: OptionValues, log: (line: string) => void): Promise<OneClassResult> {
  const classes = opt.list(o, 'classes');
  const variants: ScoreVariant[] = [{ name: 'mse', score: 'mse' }];
  const chosen = spec.score.join('+') + (spec.latentWeight > 0 ? `+${spec.latentWeight}latent` : '');
  if (chosen !== 'mse') variants.push({ name: chosen, score: spec.score, latentWeight: spec.latentWeight, smoothingSigma: spec.smoothing });
  const methods: OneClassMethod[] = [];
  if (spec.modelType !== 'pca')
    methods.push({
      name: spec.modelType === 'dense' ? 'dense AE' : 'conv AE',
      model: (k) =>
        buildAutoencoder({
          arch: spec.modelType,
          inputShape: [1, 28, 28],
          hidden: spec.hidden,
          filters: spec.filters,
          bottleneck: spec.bottleneck ?? (spec.modelType === 'dense' ? 32 : undefined),
          seed: spec.seed + k,
        }),
      fit: { ...fitOptions(spec), seed: spec.seed },
      variants,
    });
  if (spec.modelType === 'pca' || !opt.flag(o, 'no-baseline'))
    methods.push({ name: `PCA-${spec.components}`, model: () => new PCA({ nComponents: spec.components, seed: spec.seed }), variants });
  log(`hourglass: Fashion-MNIST one-class protocol (train on one class, score the 10,000 test images): ${describeSpec(spec)}; PCA baseline`);
  const result = await oneClassFashionMnist({
    methods,
    classes,
    dataDir: opt.string(o, 'data-dir'),
    onClass: (k, method, aurocs, seconds) =>
      log(`  class ${k} ${method}: ${Object.entries(aurocs).map(([v, a]) => `${v} ${a.toFixed(4)}`).join(', ')} (${seconds.toFixed(1)}s)`),
  });
  log('');
  log(formatOneClassTable(result));
  return result;
}

/** AUROC per class (rows) and method (columns), with the mean as the last row. */
export function formatOneClassTable(result: OneClassResult): string {
  const headers = ['class', ...result.rows.map((r) => r.name)];
  const body = result.classes.map((k, i) => [`${k} ${result.classNames[i]}`, ...result.rows.map((r) => r.auroc[i].toFixed(4))]);
  body.push(['mean', ...result.rows.map((r) => r.meanAuroc.toFixed(4))]);
  const cells = [headers, ...body];
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
