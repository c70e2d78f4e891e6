import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { CODEC_BENCH_DEFAULTS, runCodecBenchmark } from '../../apps/codec/codec-benchmark.js';
import { checkBits, checkStepMode } from '../../apps/codec/latent-quantizer.js';

const D = CODEC_BENCH_DEFAULTS;

export const codecBenchCommand: Command = {
  name: 'codec bench',
  summary: 'rate-distortion benchmark on Fashion-MNIST: autoencoder codec vs PCA, JPEG and WebP (bpp vs PSNR/SSIM)',
  positionals: 'fashion-mnist',
  options: [
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'limit', type: 'number', description: 'use only the first N training images (default all 60,000)' },
    { name: 'test-limit', type: 'number', description: 'measure only the first N test images (default all 10,000)' },
    { name: 'arch', type: 'string', description: 'dense or conv', default: D.arch },
    { name: 'hidden', type: 'list', description: 'dense: encoder hidden widths', default: D.hidden },
    { name: 'filters', type: 'list', description: 'conv: filters per stage', default: D.filters },
    { name: 'bottlenecks', type: 'list', description: 'latent sizes (one autoencoder and one PCA each)', default: D.bottlenecks },
    { name: 'bits', type: 'list', description: 'bit depths to measure', default: D.bits },
    { name: 'train-bits', type: 'number', description: 'quantisation noise depth while training', default: D.trainBits },
    { name: 'step', type: 'string', description: 'quantisation step: per-dimension or shared', default: D.step },
    { name: 'rate-weight', type: 'number', description: 'weight of the estimated rate in the training loss', default: D.rateWeight },
    { name: 'epochs', type: 'number', description: 'training epochs per autoencoder', default: D.epochs },
    { name: 'anneal-epochs', type: 'number', description: 'extra epochs at a fifth of the learning rate', default: D.annealEpochs },
    { name: 'decoder-epochs', type: 'number', description: 'decoder-only epochs on quantised codes', default: D.decoderEpochs },
    { name: 'batch-size', type: 'number', description: 'mini-batch size', default: D.batchSize },
    { name: 'seed', type: 'number', description: 'random seed', default: D.seed },
    { name: 'jpeg-qualities', type: 'list', description: 'JPEG qualities (1-100)', default: D.jpegQualities },
    { name: 'webp-qualities', type: 'list', description: 'WebP qualities (1-100)', default: D.webpQualities },
    { name: 'compare-noise', type: 'flag', description: 'also train the middle bottleneck without noise (--no-compare-noise to skip)', default: D.compareNoise },
    { name: 'models-dir', type: 'string', description: 'trained codecs are cached here and reused (default <out>/models)' },
    { name: 'out', type: 'string', description: 'output directory for tables, JSON and plots', default: 'runs/codec-bench' },
    { name: 'overwrite', type: 'flag', description: 'write into an existing, non-empty --out (needed to rerun with the cached codecs in <out>/models)' },
  ],
  async run(o, rest) {
    if (rest.length !== 1 || rest[0] !== 'fashion-mnist')
      throw invalid(`usage: hourglass codec bench fashion-mnist [options]; the benchmark data set is fashion-mnist${rest.length ? `, got '${rest.join(' ')}'` : ''}`);
    const list = (name: string): number[] => opt.list(o, name) as number[];
    const bits = list('bits').map(checkBits);
    const qualities = (name: string): number[] =>
      list(name).map((q) => {
        if (!Number.isInteger(q) || q < 1 || q > 100) throw invalid(`--${name} must be integers from 1 to 100, got ${q}`);
        return q;
      });
    const bottlenecks = list('bottlenecks');
    if (bottlenecks.length === 0 || bottlenecks.some((b) => !Number.isInteger(b) || b < 1 || b > 783))
      throw invalid(`--bottlenecks must be integers from 1 to 783, got ${bottlenecks.join(',')}`);
    const arch = opt.string(o, 'arch') as string;
    if (arch !== 'dense' && arch !== 'conv') throw invalid(`--arch must be dense or conv, got '${arch}'`);
    const out = opt.string(o, 'out') as string;
    claimOutput(out, { kind: 'directory', overwrite: opt.flag(o, 'overwrite') });
    const result = await runCodecBenchmark({
      dataDir: opt.string(o, 'data-dir'),
      trainLimit: opt.number(o, 'limit'),
      testLimit: opt.number(o, 'test-limit'),
      arch,
      hidden: list('hidden'),
      filters: list('filters'),
      bottlenecks,
      bits,
      trainBits: checkBits(opt.number(o, 'train-bits') as number),
      step: checkStepMode(opt.string(o, 'step') as string),
      rateWeight: opt.number(o, 'rate-weight') as number,
      epochs: opt.number(o, 'epochs') as number,
      annealEpochs: opt.number(o, 'anneal-epochs') as number,
      decoderEpochs: opt.number(o, 'decoder-epochs') as number,
      batchSize: opt.number(o, 'batch-size') as number,
      seed: opt.number(o, 'seed') as number,
      jpegQualities: qualities('jpeg-qualities'),
      webpQualities: qualities('webp-qualities'),
      compareNoise: opt.flag(o, 'compare-noise'),
      modelsDir: opt.string(o, 'models-dir') ?? path.join(out, 'models'),
      outDir: out,
      log: (line) => process.stdout.write(line + '\n'),
    });
    process.stdout.write(`\nwrote ${result.files.join(', ')}\n`);
  },
};
