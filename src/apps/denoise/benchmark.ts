import { mkdir } from 'node:fs/promises';
import { sliceRows } from '../../core/tensor.js';
import { loadFashionMnist } from '../../data/fashion-mnist.js';
import type { BatchProgress, EpochRecord, TrainingRecord } from '../../train/fit.js';
import { parseCorruption, formatCorruption } from './corruption.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import { Denoiser, type DenoiserArch } from './denoiser.js';
import { evaluateDenoising, formatDenoiseTable, marginOverFilters, sweepFor, type LevelResult, type Method } from './evaluation.js';
import { writeDenoiseReport } from './report.js';

export interface DenoiseBenchmarkOptions {
  dataDir?: string;
  /** Training images used (of 60,000); the last `validationImages` of them are held out (default 1,000, or a tenth of a smaller set). */
  trainLimit?: number;
  /** Test images scored (of 10,000). */
  testLimit?: number;
  validationImages?: number;
  noise?: string;
  arch?: DenoiserArch;
  hidden?: number[];
  filters?: number[];
  bottleneck?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Run directory for the report pictures and metrics.json; none when null. */
  outDir?: string | null;
  /** Also save the trained model (model.safetensors) in outDir. Default true. */
  saveModel?: boolean;
  log?: (line: string) => void;
  onBatchEnd?: (p: BatchProgress) => void;
  onEpochEnd?: (r: EpochRecord) => void;
}

export interface DenoiseBenchmarkResult {
  noise: string;
  arch: string;
  trainImages: number;
  testImages: number;
  epochs: number;
  trainSeconds: number;
  evaluationSeconds: number;
  levels: LevelResult[];
  /** The target: at the trained noise the autoencoder beats the best classic filter by `required` dB. */
  target: { noise: string; autoencoderPsnr: number; bestFilter: Method; bestFilterPsnr: number; margin: number; required: number; met: boolean };
  table: string;
  training: TrainingRecord;
}

/** The settings `hourglass denoise bench fashion-mnist` and `npm run bench denoise` use. */
export const DENOISE_BENCH_DEFAULTS = { noise: 'gaussian:0.3', epochs: 12, batchSize: 128, learningRate: 1e-3, validationImages: 1000, requiredMarginDb: 4 } as const;

/**
 * Trains a denoiser on Fashion-MNIST at Gaussian sigma 0.3, then scores it, the noisy input,
 * the median 3x3 filter and the best Gaussian blur (sigma chosen on held-out training
 * images) at sigma 0.1 to 0.5 on the test images: PSNR and SSIM, a table, a report.
 */
export async function runDenoiseBenchmark(o: DenoiseBenchmarkOptions = {}): Promise<DenoiseBenchmarkResult> {
  const log = o.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const noise = parseCorruption(o.noise ?? DENOISE_BENCH_DEFAULTS.noise);
  const epochs = o.epochs ?? DENOISE_BENCH_DEFAULTS.epochs;
  const all = (await loadFashionMnist({ split: 'train', limit: o.trainLimit, dir: o.dataDir })).images;
  // A tenth of a small training subset, at most 1,000 images, is held out.
  const nValidation = o.validationImages ?? Math.min(DENOISE_BENCH_DEFAULTS.validationImages, Math.floor(all.shape[0] / 10));
  const test = (await loadFashionMnist({ split: 'test', limit: o.testLimit, dir: o.dataDir })).images;
  const nTrain = all.shape[0] - nValidation;
  if (nTrain < 1) throw new Error(`the benchmark needs more than ${nValidation} training images, got ${all.shape[0]}`);
  const train = sliceRows(all, 0, nTrain);
  const validation = sliceRows(all, nTrain, all.shape[0]);

  const denoiser = new Denoiser({ noise, arch: o.arch, hidden: o.hidden, filters: o.filters, bottleneck: o.bottleneck, seed: o.seed ?? 0 });
  // Built from the options: an autoencoder.
  const model = denoiser.model as Autoencoder;
  log(`denoising benchmark: ${model.preset} autoencoder trained at ${formatCorruption(noise)} on ${nTrain} Fashion-MNIST training images (${nValidation} held out), ${epochs} epochs; scored on ${test.shape[0]} test images`);
  const record = (
    await denoiser.fit(train, {
      epochs,
      batchSize: o.batchSize ?? DENOISE_BENCH_DEFAULTS.batchSize,
      learningRate: o.learningRate ?? DENOISE_BENCH_DEFAULTS.learningRate,
      seed: o.seed ?? 0,
      validationData: { x: validation },
      onBatchEnd: o.onBatchEnd,
      onEpochEnd: o.onEpochEnd,
    })
  ).history!;

  const started = performance.now();
  const levels = evaluateDenoising({ denoiser, test, validation, levels: sweepFor(noise), seed: 1 });
  const evaluationSeconds = (performance.now() - started) / 1000;
  const at = levels.find((l) => l.noise === formatCorruption(noise)) as LevelResult;
  const { bestFilter, margin } = marginOverFilters(at);
  const required = DENOISE_BENCH_DEFAULTS.requiredMarginDb;
  const result: DenoiseBenchmarkResult = {
    noise: formatCorruption(noise),
    arch: model.preset,
    trainImages: nTrain,
    testImages: test.shape[0],
    epochs: record.epochs.length,
    trainSeconds: record.seconds,
    evaluationSeconds,
    levels,
    target: {
      noise: at.noise,
      autoencoderPsnr: at.scores.autoencoder.psnr,
      bestFilter,
      bestFilterPsnr: at.scores[bestFilter].psnr,
      margin,
      required,
      met: margin >= required,
    },
    table: formatDenoiseTable(levels),
    training: record,
  };
  if (o.outDir) {
    await mkdir(o.outDir, { recursive: true });
    if (o.saveModel ?? true) await denoiser.save(`${o.outDir}/model.safetensors`);
    await writeDenoiseReport(o.outDir, {
      denoiser,
      test,
      noise,
      results: levels,
      record,
      info: { benchmark: 'fashion-mnist', train: 'fashion-mnist/train', test: 'fashion-mnist/test', target: result.target },
    });
  }
  return result;
}
