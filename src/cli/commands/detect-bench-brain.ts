import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { BRAIN_MASK_VOLUME, BRAIN_METHODS, BRAIN_VOLUME, brainBenchmark, type BrainBenchmarkOptions, type BrainBenchmarkResult } from '../../apps/anomaly/brain-benchmark.js';
import { checkScoreKind, SCORE_KINDS } from '../../apps/anomaly/score-kind.js';

/** The defaults of the full run, and of --quick (the whole pipeline in seconds, for tests; its numbers mean nothing). */
const FULL = { epochs: 30, augmentations: 4, maxSlices: undefined };
const QUICK = { epochs: 1, augmentations: 1, maxSlices: 24, size: 32 };

export const detectBenchBrainCommand: Command = {
  name: 'detect bench brain',
  summary: 'lesion detection on a real T1 brain scan (Colin27): conv AE, dense AE, PCA and a per-pixel z-score; image/pixel AUROC, AUPRO, best Dice',
  options: [
    { name: 'volume', type: 'string', description: 'the T1 volume (.nii/.nii.gz)', default: BRAIN_VOLUME },
    { name: 'brain-mask', type: 'string', description: "brain mask volume, or 'auto' (Otsu) or 'none'", default: BRAIN_MASK_VOLUME },
    { name: 'size', type: 'number', description: 'slice side in pixels (default 128; --quick 32)', integer: true, min: 16, max: 512 },
    { name: 'map', type: 'string', description: `per-pixel map of every method: ${SCORE_KINDS.join(', ')}`, default: 'smoothed-mse' },
    { name: 'smoothing', type: 'number', description: 'Gaussian sigma in pixels of smoothed-mse', default: 2 },
    { name: 'epochs', type: 'number', description: `autoencoder epochs (default ${FULL.epochs}; --quick ${QUICK.epochs})` },
    { name: 'batch-size', type: 'number', description: 'mini-batch size', default: 16 },
    { name: 'lr', type: 'number', description: 'learning rate', default: 2e-3 },
    { name: 'augmentations', type: 'number', description: `augmented copies of each training slice (default ${FULL.augmentations}; --quick ${QUICK.augmentations})`, integer: true, min: 1, max: 100 },
    { name: 'filters', type: 'list', description: 'conv AE: filters per conv+pool stage', default: [16, 32, 32, 32] },
    { name: 'bottleneck', type: 'number', description: 'conv AE: dense waist size; 0 = none (the 8 x 8 spatial map of the last stage is the code)', default: 128, integer: true, min: 0 },
    { name: 'hidden', type: 'list', description: 'dense AE: encoder widths, then --dense-bottleneck', default: [512, 128] },
    { name: 'dense-bottleneck', type: 'number', description: 'dense AE: code size', default: 64, integer: true, min: 1 },
    { name: 'components', type: 'number', description: 'PCA: components', default: 32, integer: true, min: 1 },
    { name: 'methods', type: 'string', description: `comma-separated subset of: ${BRAIN_METHODS.map((m) => m.replace(/ /g, '-')).join(', ')}` },
    { name: 'seed', type: 'number', description: 'random seed (augmentation, lesions, initial weights)', default: 0 },
    { name: 'quick', type: 'flag', description: 'the whole pipeline in seconds (24 slices, 32 px, 1 epoch): a smoke test, not a result' },
    { name: 'out', type: 'string', description: 'results JSON', default: 'brain-bench.json', aliases: ['json'] },
    { name: 'figure', type: 'string', description: 'PNG grid: test slices, true lesions, the conv AE reconstruction, every map', default: 'brain-bench.png' },
    { name: 'overwrite', type: 'flag', description: 'replace --out and --figure if they exist' },
  ],
  async run(o, rest) {
    if (rest.length > 0) throw invalid(`usage: hourglass detect bench brain [options]; got '${rest.join(' ')}'`);
    const out = opt.string(o, 'out') as string;
    const figure = opt.string(o, 'figure') as string;
    if (path.resolve(out) === path.resolve(figure)) throw invalid('--out and --figure name the same file; give two names');
    const inputs = { '--volume': opt.string(o, 'volume'), '--brain-mask': opt.string(o, 'brain-mask') };
    claimOutput(out, { inputs, overwrite: opt.flag(o, 'overwrite') });
    claimOutput(figure, { flag: '--figure', inputs, overwrite: opt.flag(o, 'overwrite') });
    const quick = opt.flag(o, 'quick');
    const defaults = quick ? QUICK : { ...FULL, size: 128 };
    const mask = opt.string(o, 'brain-mask') as string;
    const methodsText = opt.string(o, 'methods');
    const methods = methodsText?.split(',').map((m) => {
      const name = BRAIN_METHODS.find((b) => b.replace(/ /g, '-') === m.trim());
      if (!name) throw invalid(`--methods: unknown method '${m}'; use some of ${BRAIN_METHODS.map((b) => b.replace(/ /g, '-')).join(', ')}`);
      return name;
    });
    const options: BrainBenchmarkOptions = {
      volume: opt.string(o, 'volume'),
      brainMask: mask === 'none' ? null : mask,
      size: opt.number(o, 'size') ?? defaults.size,
      score: checkScoreKind(opt.string(o, 'map')),
      smoothingSigma: opt.number(o, 'smoothing'),
      epochs: opt.number(o, 'epochs') ?? defaults.epochs,
      batchSize: opt.number(o, 'batch-size'),
      learningRate: opt.number(o, 'lr'),
      augmentations: opt.number(o, 'augmentations') ?? defaults.augmentations,
      maxSlices: defaults.maxSlices,
      convFilters: opt.list(o, 'filters'),
      convBottleneck: opt.number(o, 'bottleneck'),
      denseHidden: opt.list(o, 'hidden'),
      denseBottleneck: opt.number(o, 'dense-bottleneck'),
      components: opt.number(o, 'components'),
      methods,
      seed: opt.number(o, 'seed'),
      log: (line) => void process.stdout.write(line + '\n'),
    };
    const result = await brainBenchmark(options);
    process.stdout.write('\n' + formatBrainTable(result) + '\n');
    const { figure: png, ...json } = result;
    await writeFileAtomic(figure, png);
    await writeFileAtomic(out, JSON.stringify({ benchmark: 'brain', quick, ...json }, null, 2) + '\n');
    process.stdout.write(`hourglass: wrote ${out} and ${figure}\n`);
  },
};

/** One row per method: the overall image and pixel metrics. */
export function formatBrainTable(result: Pick<BrainBenchmarkResult, 'methods'>): string {
  const f = (v: number | null): string => (v === null ? '-' : v.toFixed(4));
  const headers = ['method', 'image AUROC', 'image AP', 'pixel AUROC', 'AUPRO@0.3', 'best Dice', 'healthy MSE', 'lesion MSE', 'seconds'];
  const body = result.methods.map((m) => {
    const e = m.evaluation.overall;
    return [m.name, f(e.imageAuroc), f(e.imageAp), f(e.pixelAuroc), f(e.aupro), f(e.bestDice), f(m.healthyReconstructionMse), f(m.lesionReconstructionMse), m.seconds.toFixed(1)];
  });
  const widths = headers.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
