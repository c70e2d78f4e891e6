import path from 'node:path';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import type { OptionValues } from '../command.js';
import { mkdir } from 'node:fs/promises';
import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { DATA_HELP, loadData, type LoadedData } from '../datasets.js';
import { checkRunDirectory, defaultRunDirectory } from '../run-directory.js';
import { ProgressPrinter } from '../progress.js';
import { COMPARE_METHODS, compareBottlenecks, type CompareMethod } from '../../apps/compare.js';
import { compareTable, writeCompareReport } from '../../apps/compare-report.js';
import { SYNTHETIC_NAMES, syntheticData } from '../../data/synthetic.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

export const compareCommand: Command = {
  name: 'compare',
  summary: 'PCA vs dense vs conv autoencoders across bottleneck sizes: table, MSE plot, reconstructions, 2-D latent scatter',
  options: [
    { name: 'data', type: 'string', description: `${DATA_HELP}, or a synthetic non-linear set: ${SYNTHETIC_NAMES.join(', ')}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'bottlenecks', type: 'list', description: 'bottleneck sizes (default 2,4,8,16,32,64; 1,2,3 for synthetic data)', aliases: ['sizes'] },
    { name: 'methods', type: 'string', description: 'comma-separated methods: pca, dense, conv (default: all that fit the data)' },
    { name: 'epochs', type: 'number', description: 'training epochs for every autoencoder (the same budget for all)', default: 5 },
    { name: 'batch-size', type: 'number', description: 'mini-batch size', default: 256 },
    { name: 'lr', type: 'number', description: 'learning rate', default: 1e-3 },
    { name: 'hidden', type: 'list', description: 'dense hidden widths (default 256,64; 64,32 for synthetic data)' },
    { name: 'filters', type: 'list', description: 'conv filters per stage', default: [32, 64] },
    { name: 'limit', type: 'number', description: 'use only the first N training samples' },
    { name: 'test-limit', type: 'number', description: 'use only the first N test samples' },
    { name: 'seed', type: 'number', description: 'random seed', default: 0 },
    { name: 'out', type: 'string', description: 'report directory (default runs/compare-<time>)' },
    { name: 'overwrite', type: 'flag', description: 'allow writing into an existing, non-empty directory' },
    { name: 'progress', type: 'flag', description: 'live progress line (default on a terminal)' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const spec = opt.string(o, 'data') as string;
    const synthetic = (SYNTHETIC_NAMES as readonly string[]).includes(spec);
    const dir = opt.string(o, 'out') ?? defaultRunDirectory('compare');
    await checkRunDirectory(dir, opt.flag(o, 'overwrite'), { '--data': spec });
    const seed = opt.number(o, 'seed') as number;
    const { train, test } = synthetic ? syntheticSplit(spec, seed, opt.number(o, 'limit')) : await fileOrFashion(spec, o);
    const isImage = train.imageShape !== null;
    const methods = parseMethods(opt.string(o, 'methods'), isImage);
    const sizes = opt.list(o, 'bottlenecks') ?? (synthetic ? [1, 2, 3] : [2, 4, 8, 16, 32, 64]);
    const testLimit = opt.number(o, 'test-limit');
    const testX = testLimit !== undefined && testLimit < test.x.shape[0] ? { shape: [testLimit, ...test.x.shape.slice(1)], data: test.x.data.subarray(0, testLimit * (test.x.data.length / test.x.shape[0])) } : test.x;
    const epochs = opt.number(o, 'epochs') as number;
    process.stdout.write(`hourglass compare: ${methods.join(', ')} at bottleneck sizes ${sizes.join(', ')} on ${train.source} (${train.x.shape[0]} training, ${testX.shape[0]} test samples, ${epochs} epochs each) -> ${dir}\n`);
    const printer = new ProgressPrinter(process.stderr, (o.progress as boolean | undefined) ?? process.stderr.isTTY === true);
    const entries = await compareBottlenecks({
      train: train.x,
      test: testX,
      sizes,
      methods,
      epochs,
      batchSize: opt.number(o, 'batch-size'),
      learningRate: opt.number(o, 'lr'),
      hidden: opt.list(o, 'hidden') ?? (synthetic ? [64, 32] : [256, 64]),
      filters: opt.list(o, 'filters'),
      seed,
      onStart: (method, size) => process.stderr.write(`-- ${method}, bottleneck ${size}\n`),
      onBatchEnd: printer.batch,
      onEpochEnd: (r) => printer.epoch(r, epochs),
    });
    const labels = test.labels ? test.labels.subarray(0, testX.shape[0]) : null;
    await mkdir(dir, { recursive: true });
    const written = await writeCompareReport(dir, { entries, test: testX, labels, classNames: test.classNames, imageShape: train.imageShape, source: train.source, epochs });
    process.stdout.write(`\nTest reconstruction MSE on ${test.source} (${testX.shape[0]} samples; trained on ${train.source}):\n${compareTable(entries)}\n\nwrote ${written.map((f) => path.join(dir, f)).join(', ')}\n`);
  },
};

function parseMethods(text: string | undefined, isImage: boolean): CompareMethod[] {
  if (text === undefined) return isImage ? [...COMPARE_METHODS] : ['pca', 'dense'];
  const methods = text.split(',').map((m) => m.trim());
  for (const m of methods) if (!(COMPARE_METHODS as readonly string[]).includes(m)) throw invalid(`--methods: unknown method '${m}' (use ${COMPARE_METHODS.join(', ')})`);
  if (methods.includes('conv') && !isImage) throw invalid('--methods: conv needs image data; this data set is a table');
  return methods as CompareMethod[];
}

function syntheticSplit(name: string, seed: number, limit: number | undefined): { train: LoadedData; test: LoadedData } {
  const make = (samples: number, s: number): LoadedData => {
    const d = syntheticData(name, { samples, seed: s });
    return { x: d.x, labels: d.labels, classNames: Array.from({ length: 10 }, (_, i) => `t in [${i / 10}, ${(i + 1) / 10})`), imageShape: null, columns: null, source: `${name} (intrinsic dimension ${d.intrinsicDimension})` };
  };
  return { train: make(limit ?? 5000, seed), test: make(2000, RANDOM_STREAMS.syntheticTest(seed)) };
}

async function fileOrFashion(spec: string, o: Record<string, unknown>): Promise<{ train: LoadedData; test: LoadedData }> {
  const dataDir = o['data-dir'] as string | undefined;
  const images = imageReadOptions(o as OptionValues);
  const limit = o.limit as number | undefined;
  if (spec === 'fashion-mnist') return { train: await loadData(spec, 'train', { limit, dataDir }), test: await loadData(spec, 'test', { dataDir }) };
  const all = await loadData(spec, 'train', { dataDir, images });
  const n = all.x.shape[0];
  const nTest = Math.max(1, Math.round(n * 0.1));
  if (n - nTest < 2) throw invalid(`${spec} has ${n} samples: too few to hold out a test set`);
  const per = all.x.data.length / n;
  const part = (lo: number, hi: number) => ({ ...all, x: { shape: [hi - lo, ...all.x.shape.slice(1)], data: all.x.data.subarray(lo * per, hi * per) } });
  const trainEnd = limit !== undefined ? Math.min(n - nTest, limit) : n - nTest;
  return { train: part(0, trainEnd), test: { ...part(n - nTest, n), source: `${spec} (last ${nTest} rows)` } };
}
