import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { sliceRows, type Tensor } from '../../core/tensor.js';
import { loadFashionMnist } from '../../data/fashion-mnist.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { buildAutoencoder } from '../../models/build.js';
import { PCA } from '../../models/pca.js';
import { linePlot, svgToPng } from '../../report/line-plot.js';
import { Codec } from './codec.js';
import { ENTROPY_CODERS, type EntropyCoderName } from './hgc-container.js';
import type { StepMode } from './latent-quantizer.js';
import { bytesAtPsnr, measureCodec, measureImageFormat, type RatePoint } from './rate-distortion.js';
import { existsSync } from 'node:fs';

/** Settings of the published run (docs/compression.md); the CLI and bench/codec.ts start from these. */
export const CODEC_BENCH_DEFAULTS = {
  arch: 'dense',
  hidden: [1024, 512],
  filters: [32, 64],
  bottlenecks: [32, 64, 128],
  bits: [3, 4, 5, 6, 7],
  trainBits: 6,
  step: 'per-dimension' as StepMode,
  rateWeight: 0,
  epochs: 60,
  annealEpochs: 6,
  decoderEpochs: 2,
  batchSize: 128,
  seed: 0,
  jpegQualities: [1, 5, 10, 20, 30, 50, 75, 90],
  webpQualities: [1, 2, 3, 5, 10, 20, 30, 50, 75, 90],
  compareNoise: true,
};

export interface CodecBenchmarkOptions {
  dataDir?: string;
  /** Training images (default: all 60,000). */
  trainLimit?: number;
  /** Test images (default: all 10,000). */
  testLimit?: number;
  arch: string;
  hidden: number[];
  filters: number[];
  /** One autoencoder (and one PCA) per bottleneck size. */
  bottlenecks: number[];
  /** Bit depths every codec is measured at. */
  bits: number[];
  /** Depth of the quantisation noise while training (and the codecs' default depth). */
  trainBits: number;
  step: StepMode;
  rateWeight: number;
  epochs: number;
  /** Extra epochs at a fifth of the learning rate, and decoder-only epochs on quantised codes (see Codec.fit). */
  annealEpochs: number;
  decoderEpochs: number;
  batchSize: number;
  seed: number;
  jpegQualities: number[];
  webpQualities: number[];
  /** Also train the middle bottleneck without noise, to measure what the noise brings. */
  compareNoise: boolean;
  /** Trained codecs are kept here and reused by later runs with the same settings. */
  modelsDir: string;
  /** Tables, JSON and plots go here. */
  outDir: string;
  log: (line: string) => void;
}

export interface CoderComparison {
  coder: EntropyCoderName;
  /** Mean bytes of one-image files. */
  singleImageBytes: number;
  /** Bytes per image when all test images are one file. */
  batchBytesPerImage: number;
}

export interface ByteRatio {
  method: string;
  setting: string;
  psnr: number;
  bytesPerImage: number;
  /** Bytes JPEG / WebP need for the same PSNR (interpolated along their curves), null outside their range. */
  jpegBytes: number | null;
  webpBytes: number | null;
  /** bytesPerImage / jpegBytes and / webpBytes: below 0.5 meets the target. */
  jpegRatio: number | null;
  webpRatio: number | null;
}

export interface CodecBenchmarkResult {
  points: RatePoint[];
  coders: { codec: string; bits: number; rows: CoderComparison[] };
  ratios: ByteRatio[];
  testImages: number;
  trainImages: number;
  settings: Record<string, unknown>;
  files: string[];
}

/**
 * The rate-distortion benchmark of issue 7: bits per pixel against PSNR and SSIM on the
 * Fashion-MNIST test images, for the autoencoder codec at several bottlenecks and bit
 * depths, PCA with the same quantisation and entropy coding, and JPEG and WebP at several
 * qualities. Every method pays for a complete file per image (see RatePoint).
 */
export async function runCodecBenchmark(o: CodecBenchmarkOptions): Promise<CodecBenchmarkResult> {
  const train = (await loadFashionMnist({ split: 'train', limit: o.trainLimit, dir: o.dataDir })).images;
  const test = (await loadFashionMnist({ split: 'test', limit: o.testLimit, dir: o.dataDir })).images;
  o.log(`codec benchmark: ${train.shape[0]} training images, ${test.shape[0]} test images, one file per image for every method`);
  await mkdir(o.modelsDir, { recursive: true });
  await mkdir(o.outDir, { recursive: true });
  const points: RatePoint[] = [];
  const record = (p: RatePoint): void => {
    points.push(p);
    o.log(`  ${p.method.padEnd(30)} ${p.setting.padEnd(11)} ${p.bytesPerImage.toFixed(1).padStart(7)} B  ${p.bitsPerPixel.toFixed(3)} bpp  PSNR ${p.psnr.toFixed(2)}  SSIM ${p.ssim.toFixed(3)}`);
  };

  const codecs: { name: string; codec: Codec }[] = [];
  const middle = o.bottlenecks[Math.floor((o.bottlenecks.length - 1) / 2)];
  const variants = o.bottlenecks.map((b) => ({ bottleneck: b, noise: true }));
  if (o.compareNoise) variants.push({ bottleneck: middle, noise: false });
  for (const v of variants) {
    const codec = await trainedCodec(o, train, v.bottleneck, v.noise);
    const name = `autoencoder ${v.bottleneck}${v.noise ? '' : ', no noise'}`;
    codecs.push({ name, codec });
    for (const bits of o.bits) record(measureCodec(name, codec.with({ bits }), test));
  }

  for (const k of o.bottlenecks) {
    // PCA as the encoder and decoder, with exactly the autoencoder codec's quantisation, entropy coding and container.
    const pcaCodec = await new Codec({ model: new PCA({ nComponents: k, seed: o.seed }), bits: o.trainBits, step: o.step }).fit(train);
    for (const bits of o.bits) record(measureCodec(`PCA ${k}`, pcaCodec.with({ bits }), test));
  }
  for (const q of o.jpegQualities) record(await measureImageFormat('jpeg', q, test));
  for (const q of o.webpQualities) record(await measureImageFormat('webp', q, test));

  const reference = codecs.find((c) => c.name === `autoencoder ${middle}`)?.codec ?? codecs[0].codec;
  const coders = compareCoders(reference.with({ bits: o.trainBits }), test);
  o.log(`entropy coders, autoencoder ${middle} at ${o.trainBits} bits:`);
  for (const c of coders)
    o.log(`  ${c.coder.padEnd(15)} one image per file ${c.singleImageBytes.toFixed(1).padStart(6)} B   all ${test.shape[0]} in one file ${c.batchBytesPerImage.toFixed(2).padStart(6)} B/image`);

  const jpeg = points.filter((p) => p.method === 'JPEG');
  const webp = points.filter((p) => p.method === 'WebP');
  const ratios: ByteRatio[] = points
    .filter((p) => p.method.startsWith('autoencoder') || p.method.startsWith('PCA'))
    .map((p) => {
      const jpegBytes = bytesAtPsnr(jpeg, p.psnr);
      const webpBytes = bytesAtPsnr(webp, p.psnr);
      return {
        method: p.method,
        setting: p.setting,
        psnr: p.psnr,
        bytesPerImage: p.bytesPerImage,
        jpegBytes,
        webpBytes,
        jpegRatio: jpegBytes === null ? null : p.bytesPerImage / jpegBytes,
        webpRatio: webpBytes === null ? null : p.bytesPerImage / webpBytes,
      };
    });

  o.log('at equal PSNR, bytes of the autoencoder codec / bytes of JPEG and of WebP (target: at most 0.5 for both):');
  for (const r of ratios.filter((x) => x.method.startsWith('autoencoder'))) {
    const verdict = r.jpegRatio === null || r.webpRatio === null ? 'outside the JPEG/WebP curves' : r.jpegRatio <= 0.5 && r.webpRatio <= 0.5 ? 'target met' : 'target not met';
    o.log(
      `  ${`${r.method}, ${r.setting}`.padEnd(34)} PSNR ${r.psnr.toFixed(2)}  ${r.bytesPerImage.toFixed(1).padStart(6)} B   vs JPEG ${fmt(r.jpegRatio, 2).padStart(5)}   vs WebP ${fmt(r.webpRatio, 2).padStart(5)}   ${verdict}`,
    );
  }

  const settings = {
    arch: o.arch,
    hidden: o.hidden,
    filters: o.filters,
    bottlenecks: o.bottlenecks,
    bits: o.bits,
    trainBits: o.trainBits,
    step: o.step,
    rateWeight: o.rateWeight,
    epochs: o.epochs,
    annealEpochs: o.annealEpochs,
    decoderEpochs: o.decoderEpochs,
    batchSize: o.batchSize,
    seed: o.seed,
  };
  const result: CodecBenchmarkResult = {
    points,
    coders: { codec: `autoencoder ${middle}`, bits: o.trainBits, rows: coders },
    ratios,
    testImages: test.shape[0],
    trainImages: train.shape[0],
    settings,
    files: [],
  };
  const files = {
    json: path.join(o.outDir, 'codec-benchmark.json'),
    markdown: path.join(o.outDir, 'codec-benchmark.md'),
    psnrPlot: path.join(o.outDir, 'rate-distortion-psnr.png'),
    ssimPlot: path.join(o.outDir, 'rate-distortion-ssim.png'),
  };
  result.files = Object.values(files);
  await writeFileAtomic(files.psnrPlot, await svgToPng(rateDistortionPlot(points, 'psnr')));
  await writeFileAtomic(files.ssimPlot, await svgToPng(rateDistortionPlot(points, 'ssim')));
  await writeFileAtomic(files.markdown, benchmarkMarkdown(result));
  await writeFileAtomic(files.json, JSON.stringify(result, null, 2) + '\n');
  return result;
}

/** A trained codec from the models directory, or trained now and stored there. */
async function trainedCodec(o: CodecBenchmarkOptions, train: Tensor, bottleneck: number, noise: boolean): Promise<Codec> {
  const shape = o.arch === 'conv' ? `f${o.filters.join('x')}` : `h${o.hidden.join('x')}`;
  const name = `${o.arch}-${shape}-b${bottleneck}-${noise ? `n${o.trainBits}` : 'nonoise'}-${o.step}-r${o.rateWeight}-e${o.epochs}+${o.annealEpochs}+${o.decoderEpochs}-bs${o.batchSize}-s${o.seed}-t${train.shape[0]}.safetensors`;
  const file = path.join(o.modelsDir, name);
  if (existsSync(file)) {
    o.log(`autoencoder ${bottleneck}${noise ? '' : ' (no noise)'}: reusing ${file}`);
    return Codec.load(file);
  }
  const model = buildAutoencoder({ arch: o.arch, inputShape: [1, 28, 28], hidden: o.hidden, filters: o.filters, bottleneck, seed: o.seed });
  const start = performance.now();
  const codec = await new Codec({
    model,
    bits: o.trainBits,
    noise: noise ? 'bits' : 'none',
    step: o.step,
    rateWeight: noise ? o.rateWeight : 0,
    annealEpochs: o.annealEpochs,
    decoderEpochs: o.decoderEpochs,
  }).fit(train, { epochs: o.epochs, batchSize: o.batchSize, seed: o.seed });
  await codec.save(file);
  o.log(`autoencoder ${bottleneck}${noise ? '' : ' (no noise)'}: trained ${o.epochs} + ${o.annealEpochs} + ${o.decoderEpochs} epochs in ${((performance.now() - start) / 1000).toFixed(0)} s -> ${file}`);
  return codec;
}

/** Every entropy coder on the same quantised latents: one file per image, and all images in one file. */
export function compareCoders(codec: Codec, images: Tensor): CoderComparison[] {
  const n = images.shape[0];
  return ENTROPY_CODERS.map((coder) => {
    const c = codec.with({ coder });
    let single = 0;
    for (let i = 0; i < n; i++) single += c.encode(sliceRows(images, i, i + 1)).length;
    return { coder, singleImageBytes: single / n, batchBytesPerImage: c.encode(images).length / n };
  });
}

function rateDistortionPlot(points: readonly RatePoint[], metric: 'psnr' | 'ssim'): string {
  const methods = [...new Set(points.map((p) => p.method))];
  const series = methods.map((method) => {
    const curve = points.filter((p) => p.method === method).sort((a, b) => a.bitsPerPixel - b.bitsPerPixel);
    return { name: method, x: curve.map((p) => p.bitsPerPixel), y: curve.map((p) => (metric === 'psnr' ? p.psnr : p.ssim)) };
  });
  return linePlot({
    title: `Fashion-MNIST test images: ${metric === 'psnr' ? 'PSNR' : 'SSIM'} vs bits per pixel (one file per image, headers included)`,
    xLabel: 'bits per pixel (file bytes x 8 / 784)',
    yLabel: metric === 'psnr' ? 'PSNR (dB)' : 'SSIM',
    series,
    width: 900,
    height: 560,
  });
}

export function benchmarkMarkdown(r: CodecBenchmarkResult): string {
  const lines = [
    `Fashion-MNIST, ${r.testImages} test images (codecs and PCA fitted on ${r.trainImages} training images). Every image is its own file: ` +
      'an .hgc file (header, payload and checksum) for the autoencoder and PCA codecs, a JPEG or WebP file written by sharp. ' +
      'PSNR is the mean of per-image PSNR on 8-bit decoded pixels; bpp = bytes x 8 / 784.',
    '',
    '| method | setting | bytes/image | bpp | PSNR (dB) | SSIM |',
    '|---|---|---:|---:|---:|---:|',
    ...r.points.map((p) => `| ${p.method} | ${p.setting} | ${p.bytesPerImage.toFixed(1)} | ${p.bitsPerPixel.toFixed(3)} | ${p.psnr.toFixed(2)} | ${p.ssim.toFixed(3)} |`),
    '',
    'Bytes JPEG and WebP need for the same PSNR (linear interpolation along their curves; "-" where the PSNR is outside the curve):',
    '',
    '| method | setting | PSNR | bytes | JPEG bytes | ratio | WebP bytes | ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...r.ratios.map(
      (x) =>
        `| ${x.method} | ${x.setting} | ${x.psnr.toFixed(2)} | ${x.bytesPerImage.toFixed(1)} | ${fmt(x.jpegBytes, 1)} | ${fmt(x.jpegRatio, 2)} | ${fmt(x.webpBytes, 1)} | ${fmt(x.webpRatio, 2)} |`,
    ),
    '',
    `Entropy coders on the same quantised latents (${r.coders.codec}, ${r.coders.bits} bits):`,
    '',
    '| coder | bytes, one image per file | bytes/image, all images in one file |',
    '|---|---:|---:|',
    ...r.coders.rows.map((c) => `| ${c.coder} | ${c.singleImageBytes.toFixed(1)} | ${c.batchBytesPerImage.toFixed(2)} |`),
    '',
  ];
  return lines.join('\n');
}

function fmt(v: number | null, digits: number): string {
  return v === null ? '-' : v.toFixed(digits);
}
