import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { sliceRows } from '../../core/tensor.js';
import { splitValidation } from '../../data/dataset.js';
import { opt, type Command } from '../command.js';
import { checkRunDirectory, defaultRunDirectory } from '../run-directory.js';
import { ProgressPrinter } from '../progress.js';
import { describeModel } from '../describe.js';
import { CORRUPTION_HELP, formatCorruption, parseCorruption } from '../../apps/denoise/corruption.js';
import { CONV_DENOISER_FILTERS, DENSE_DENOISER_BOTTLENECK, DENSE_DENOISER_HIDDEN, Denoiser, type DenoiserArch } from '../../apps/denoise/denoiser.js';
import { Autoencoder } from '../../models/autoencoder.js';
import { PCA } from '../../models/pca.js';
import { describeReconstructor } from '../reconstructor.js';
import { DENOISE_DATA_HELP, loadDenoiseData } from '../../apps/denoise/training-data.js';
import { evaluateDenoising, formatDb, formatDenoiseTable, marginOverFilters, sweepFor } from '../../apps/denoise/evaluation.js';
import { writeDenoiseReport } from '../../apps/denoise/report.js';
import type { ColorMode } from '../../apps/denoise/image-file.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

/** Components of `--arch pca` when --bottleneck is not given: the linear baseline's code, as wide as the dense denoiser's hidden code is not (it need not be). */
const PCA_DENOISER_COMPONENTS = 64;

/** Clean images on which the Gaussian blur baseline picks its sigma: enough for a stable choice, few enough to be quick. */
const BLUR_TUNING_IMAGES = 1000;

export const denoiseTrainCommand: Command = {
  name: 'denoise train',
  summary: 'train a denoising autoencoder (noisy -> clean) and report PSNR/SSIM against classic filters',
  options: [
    { name: 'noise', type: 'string', description: `corruption to learn: ${CORRUPTION_HELP}`, default: 'gaussian:0.3' },
    { name: 'data', type: 'string', description: `clean training images: ${DENOISE_DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'limit', type: 'number', description: 'use only the first N training images' },
    { name: 'test-limit', type: 'number', description: 'score only the first N test images' },
    { name: 'test-split', type: 'number', description: 'fraction held out as test images when the data has no test split', default: 0.1 },
    { name: 'patch-size', type: 'number', description: 'folder of images: train on square patches of this size', default: 32 },
    { name: 'patch-stride', type: 'number', description: 'folder of images: pixels between patches (default half a patch; smaller = more offsets seen)' },
    { name: 'color', type: 'string', description: 'folder of images: grey, rgb or auto (grey unless an image has colour)', default: 'auto' },
    { name: 'arch', type: 'string', description: `dense, conv, or pca (a linear denoiser: noisy images projected on the clean images' principal components; --bottleneck components, default ${PCA_DENOISER_COMPONENTS}; no training epochs)`, default: 'dense' },
    { name: 'hidden', type: 'list', description: 'dense: encoder widths', default: [...DENSE_DENOISER_HIDDEN] },
    { name: 'bottleneck', type: 'number', description: `dense: code size (default ${DENSE_DENOISER_BOTTLENECK}); conv: optional dense waist; pca: components (default ${PCA_DENOISER_COMPONENTS})` },
    { name: 'filters', type: 'list', description: 'conv: filters per stage', default: [...CONV_DENOISER_FILTERS] },
    { name: 'epochs', type: 'number', description: 'training epochs', default: 12 },
    { name: 'batch-size', type: 'number', description: 'mini-batch size', default: 128 },
    { name: 'lr', type: 'number', description: 'learning rate (Adam)', default: 1e-3 },
    { name: 'seed', type: 'number', description: 'random seed (weights, batches and noise)', default: 0 },
    { name: 'validation-split', type: 'number', description: 'fraction of the training images held out for val_loss and to tune the blur baseline', default: 0.05 },
    { name: 'patience', type: 'number', description: 'early stopping: epochs without val_loss improvement' },
    { name: 'out', type: 'string', description: 'run directory (default runs/denoise-<time>)' },
    { name: 'overwrite', type: 'flag', description: 'allow writing into an existing, non-empty run directory' },
    { name: 'progress', type: 'flag', description: 'live progress line (default on a terminal)' },
  ],
  async run(o) {
    const log = (line: string) => process.stdout.write(line + '\n');
    const noise = parseCorruption(opt.string(o, 'noise') as string);
    const arch = opt.string(o, 'arch') as DenoiserArch | 'pca';
    if (arch !== 'dense' && arch !== 'conv' && arch !== 'pca') throw invalid(`--arch must be dense, conv or pca, got '${arch}'`);
    const epochs = opt.number(o, 'epochs') as number;
    const seed = opt.number(o, 'seed') as number;
    const split = opt.number(o, 'validation-split') as number;
    if (!(split > 0 && split < 1)) throw invalid(`--validation-split must be in (0, 1), got ${split}`);
    const dir = opt.string(o, 'out') ?? defaultRunDirectory('denoise');
    await checkRunDirectory(dir, opt.flag(o, 'overwrite'), { '--data': opt.string(o, 'data') });

    const data = await loadDenoiseData({
      data: opt.string(o, 'data') as string,
      dataDir: opt.string(o, 'data-dir'),
      limit: opt.number(o, 'limit'),
      testLimit: opt.number(o, 'test-limit'),
      testSplit: opt.number(o, 'test-split'),
      patchSize: opt.number(o, 'patch-size'),
      patchStride: opt.number(o, 'patch-stride'),
      color: opt.string(o, 'color') as ColorMode,
      seed,
    });
    const parts = splitValidation(data.train, split, new Rng(RANDOM_STREAMS.validationSplit(seed)));
    const denoiser = new Denoiser({
      imageShape: data.train.shape.slice(1),
      noise,
      ...(arch === 'pca'
        ? { model: new PCA({ nComponents: opt.number(o, 'bottleneck') ?? PCA_DENOISER_COMPONENTS, seed }) }
        : { arch }),
      hidden: opt.list(o, 'hidden'),
      filters: opt.list(o, 'filters'),
      bottleneck: opt.number(o, 'bottleneck'),
      seed,
    });
    log(`hourglass: training a ${arch === 'pca' ? 'PCA denoiser' : `${arch} denoising autoencoder`} on ${data.source} at ${formatCorruption(noise)} (${parts.train.shape[0]} images, ${parts.validation.shape[0]} validation, ${data.test.shape[0]} test) -> ${dir}`);
    const model = denoiser.model as Autoencoder | PCA;
    log(model instanceof Autoencoder ? describeModel(model) : describeReconstructor(model));

    const printer = new ProgressPrinter(process.stderr, (o.progress as boolean | undefined) ?? process.stderr.isTTY === true);
    const patience = opt.number(o, 'patience');
    await denoiser.fit(parts.train, {
      epochs,
      batchSize: opt.number(o, 'batch-size') as number,
      learningRate: opt.number(o, 'lr') as number,
      seed,
      validationData: { x: parts.validation },
      earlyStopping: patience !== undefined ? { patience } : undefined,
      onBatchEnd: printer.batch,
      onEpochEnd: (r) => printer.epoch(r, epochs),
    });
    const record = denoiser.history; // null for a PCA, which has no epochs

    const tuning = sliceRows(parts.validation, 0, Math.min(BLUR_TUNING_IMAGES, parts.validation.shape[0]));
    const results = evaluateDenoising({ denoiser, test: data.test, validation: tuning, levels: sweepFor(noise), seed: 1 });
    log(`\nPSNR (dB) / SSIM on ${data.testSource}, ${data.test.shape[0]} images; blur sigma chosen on validation images:`);
    log(formatDenoiseTable(results));
    const at = results.find((r) => r.noise === formatCorruption(noise));

    await mkdir(dir, { recursive: true });
    await denoiser.save(path.join(dir, 'model.safetensors'));
    const files = await writeDenoiseReport(dir, { denoiser, test: data.test, noise, results, record, info: { train: data.source, test: data.testSource } });
    if (at) {
      const { bestFilter, margin } = marginOverFilters(at);
      log(
        `\nhourglass: at ${at.noise} the autoencoder reaches ${at.scores.autoencoder.psnr.toFixed(2)} dB (noisy ${at.scores.noisy.psnr.toFixed(2)} dB), ` +
          `${formatDb(margin)} against the best classic filter (${bestFilter === 'median' ? 'median 3x3' : `Gaussian blur sigma ${at.blurSigma}`})`,
      );
    }
    log(`hourglass: wrote ${path.join(dir, 'model.safetensors')}, ${files.join(', ')}`);
  },
};
