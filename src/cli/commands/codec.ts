import path from 'node:path';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { invalid } from '../../core/errors.js';
import { sliceRows } from '../../core/tensor.js';
import { opt, type Command, type OptionValues } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP, loadData } from '../datasets.js';
import { ProgressPrinter } from '../progress.js';
import { describeModel } from '../describe.js';
import { loadReconstructor } from '../reconstructor.js';
import { buildAutoencoder } from '../../models/build.js';
import { StandardScaler } from '../../data/scaler.js';
import { Codec, checkCoder, type CodecOptions } from '../../apps/codec/codec.js';
import { ENTROPY_CODERS } from '../../apps/codec/hgc-container.js';
import { checkBits, checkStepMode } from '../../apps/codec/latent-quantizer.js';
import { measureCodec } from '../../apps/codec/rate-distortion.js';

/** Test images used for the rate/PSNR line printed after training or calibrating (one file per image). */
const REPORT_IMAGES = 500;

export const codecTrainCommand: Command = {
  name: 'codec train',
  summary: 'train an autoencoder for compression (quantisation noise on the bottleneck) and calibrate its codec',
  options: [
    { name: 'data', type: 'string', description: `training data: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'limit', type: 'number', description: 'use only the first N training samples' },
    { name: 'arch', type: 'string', description: 'architecture: dense or conv', default: 'dense' },
    { name: 'hidden', type: 'list', description: 'dense: encoder hidden widths (decoder mirrors them)', default: [1024, 512] },
    { name: 'filters', type: 'list', description: 'conv: filters per conv+pool stage', default: [32, 64] },
    { name: 'bottleneck', type: 'number', description: 'latent values per sample', default: 64 },
    { name: 'bits', type: 'number', description: 'default bits per latent value (1-12); also the training noise level', default: 6 },
    { name: 'noise', type: 'string', description: "bottleneck noise while training: 'bits' (one step at --bits), 'none', or a range of depths like 2-6", default: 'bits' },
    { name: 'step', type: 'string', description: 'quantisation step: per-dimension (2^bits levels per value) or shared (one step, levels follow each range)', default: 'per-dimension' },
    { name: 'rate-weight', type: 'number', description: 'weight of the estimated bits in the training loss (useful with --step shared)', default: 0 },
    { name: 'anneal-epochs', type: 'number', description: 'extra epochs at a fifth of the learning rate', default: 6 },
    { name: 'decoder-epochs', type: 'number', description: 'extra epochs training the decoder alone on quantised codes', default: 2 },
    { name: 'clip', type: 'number', description: 'fraction of training codes outside the quantisation range at each end', default: 0.001 },
    { name: 'coder', type: 'string', description: `default entropy coder: ${ENTROPY_CODERS.join(', ')}`, default: 'range' },
    { name: 'epochs', type: 'number', description: 'training epochs (the benchmarked codec: 60, about 11 minutes on 2 idle cores)', default: 60 },
    { name: 'batch-size', type: 'number', description: 'mini-batch size', default: 128 },
    { name: 'lr', type: 'number', description: 'learning rate (Adam)', default: 1e-3 },
    { name: 'seed', type: 'number', description: 'random seed', default: 0 },
    { name: 'out', type: 'string', description: 'codec model file to write (.safetensors)', required: true },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
    { name: 'progress', type: 'flag', description: 'live progress line (default on a terminal)' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const out = opt.string(o, 'out') as string;
    claimOutput(out, { inputs: { '--data': opt.string(o, 'data') }, overwrite: opt.flag(o, 'overwrite') });
    const bits = checkBits(opt.number(o, 'bits') as number);
    const coder = checkCoder(opt.string(o, 'coder') as string);
    const noise = parseNoise(opt.string(o, 'noise') as string);
    const epochs = opt.number(o, 'epochs') as number;
    const data = await loadData(opt.string(o, 'data') as string, 'train', { limit: opt.number(o, 'limit'), dataDir: opt.string(o, 'data-dir'), images: imageReadOptions(o) });
    const model = buildAutoencoder({
      arch: opt.string(o, 'arch') as string,
      inputShape: data.x.shape.slice(1),
      hidden: opt.list(o, 'hidden'),
      filters: opt.list(o, 'filters'),
      bottleneck: opt.number(o, 'bottleneck'),
      // Images in [0, 1] as they are; table columns standardised, as 'hourglass train' does.
      outputActivation: data.imageShape ? 'sigmoid' : 'linear',
      scaler: data.imageShape ? null : new StandardScaler(),
      seed: opt.number(o, 'seed'),
    });
    const noiseText = noise === 'none' ? 'no noise' : noise === 'bits' ? `noise of one ${bits}-bit step` : `noise of one step at ${noise[0]}-${noise[1]} bits`;
    log(`hourglass: training a ${model.preset} codec autoencoder on ${data.source} (${data.x.shape[0]} samples) with ${noiseText} on the bottleneck -> ${out}`);
    log('  (loss: minus the mean per-image PSNR in dB, so lower is better)');
    log(describeModel(model));
    const printer = new ProgressPrinter(process.stderr, (o.progress as boolean | undefined) ?? process.stderr.isTTY === true);
    let phaseEpochs = epochs;
    const codec = await new Codec({
      model,
      bits,
      noise,
      coder,
      clip: opt.number(o, 'clip'),
      step: checkStepMode(opt.string(o, 'step') as string),
      rateWeight: opt.number(o, 'rate-weight'),
      annealEpochs: opt.number(o, 'anneal-epochs'),
      decoderEpochs: opt.number(o, 'decoder-epochs'),
    }).fit(data.x, {
      epochs,
      batchSize: opt.number(o, 'batch-size'),
      learningRate: opt.number(o, 'lr'),
      seed: opt.number(o, 'seed'),
      onBatchEnd: printer.batch,
      onEpochEnd: (r) => printer.epoch(r, phaseEpochs),
      onPhase: (phase, count) => {
        phaseEpochs = count;
        process.stderr.write(phase === 'anneal' ? `then ${count} epoch${count === 1 ? '' : 's'} at a fifth of the learning rate:\n` : `then ${count} epoch${count === 1 ? '' : 's'} training the decoder alone on quantised codes:\n`);
      },
    });
    await codec.save(out);
    log(`hourglass: wrote ${out} (model hash ${codec.hashHex})`);
    await reportOnTestImages(codec, o);
  },
};

export const codecCalibrateCommand: Command = {
  name: 'codec calibrate',
  summary: 'make a codec from a trained autoencoder or PCA: learn quantisation ranges and entropy-coder statistics from training codes',
  options: [
    { name: 'model', type: 'string', description: "autoencoder or PCA model file (from 'hourglass train' or 'hourglass pca')", required: true },
    { name: 'data', type: 'string', description: `data the model was trained on: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'limit', type: 'number', description: 'use only the first N training samples' },
    { name: 'bits', type: 'number', description: 'default bits per latent value (1-12)', default: 6 },
    { name: 'clip', type: 'number', description: 'fraction of training codes outside the quantisation range at each end', default: 0.001 },
    { name: 'step', type: 'string', description: 'quantisation step: per-dimension or shared', default: 'per-dimension' },
    { name: 'coder', type: 'string', description: `default entropy coder: ${ENTROPY_CODERS.join(', ')}`, default: 'range' },
    { name: 'out', type: 'string', description: 'codec model file to write (.safetensors)', required: true },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const out = opt.string(o, 'out') as string;
    const modelPath = opt.string(o, 'model') as string;
    claimOutput(out, { inputs: { '--model': modelPath, '--data': opt.string(o, 'data') }, overwrite: opt.flag(o, 'overwrite') });
    const bits = checkBits(opt.number(o, 'bits') as number);
    const coder = checkCoder(opt.string(o, 'coder') as string);
    const model = await loadReconstructor(modelPath, 'codec calibrate');
    const data = await loadData(opt.string(o, 'data') as string, 'train', { limit: opt.number(o, 'limit'), dataDir: opt.string(o, 'data-dir'), images: imageReadOptions(o) });
    const step = checkStepMode(opt.string(o, 'step') as string);
    const codec = new Codec({ model, bits, coder, clip: opt.number(o, 'clip'), step, training: { calibratedOn: data.source, samples: data.x.shape[0] } }).calibrate(data.x);
    await codec.save(out);
    log(`hourglass: calibrated ${modelPath} on ${data.source} (${data.x.shape[0]} samples, ${model.latentSize} latent values); wrote ${out} (model hash ${codec.hashHex})`);
    await reportOnTestImages(codec, o);
  },
};

/** For Fashion-MNIST, the size and quality of single-image files on test images, at a few depths around the default. */
async function reportOnTestImages(codec: Codec, o: OptionValues): Promise<void> {
  if (opt.string(o, 'data') !== 'fashion-mnist') return;
  const test = await loadData('fashion-mnist', 'test', { limit: REPORT_IMAGES, dataDir: opt.string(o, 'data-dir') });
  const images = sliceRows(test.x, 0, test.x.shape[0]);
  const depths = [...new Set([codec.bits - 1, codec.bits, codec.bits + 1])].filter((b) => b >= 1 && b <= 12);
  for (const bits of depths) {
    const p = measureCodec('codec', codec.with({ bits }), images);
    log(
      `  ${bits} bits: ${p.bytesPerImage.toFixed(1)} bytes per image (${p.bitsPerPixel.toFixed(3)} bpp), PSNR ${p.psnr.toFixed(2)} dB, SSIM ${p.ssim.toFixed(3)}` +
        `  (first ${images.shape[0]} test images, one .hgc file each)`,
    );
  }
}

function parseNoise(text: string): NonNullable<CodecOptions['noise']> {
  if (text === 'bits' || text === 'none') return text;
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (m) {
    const lo = Number(m[1]);
    const hi = Number(m[2]);
    if (lo >= 1 && hi >= lo && hi <= 12) return [lo, hi];
  }
  throw invalid(`--noise must be 'bits', 'none' or a range of bit depths like 2-6 (1-12), got '${text}'`);
}

function log(line: string): void {
  process.stdout.write(line + '\n');
}
