import { invalid } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';
import { tensor, type Tensor } from '../../core/tensor.js';
import { readNiftiSlices } from '../../data/nifti.js';
import { drawSliceTransform, transformPlane } from '../../data/slice-augmentation.js';
import { addSyntheticLesion } from '../../data/synthetic-lesion.js';
import { convAutoencoder } from '../../models/conv-preset.js';
import { denseAutoencoder } from '../../models/dense-preset.js';
import { PCA } from '../../models/pca.js';
import { imageGrid } from '../../report/image-grid.js';
import { heatOverlayBatch, maskOverlayBatch } from '../../report/overlay-batch.js';
import type { Reconstructor } from '../../models/contract.js';
import { AnomalyDetector } from './anomaly-detector.js';
import { evaluatePixels, type PixelEvaluation } from './pixel-evaluation.js';
import { PixelZScore } from './pixel-zscore.js';
import type { ScoreKind } from './score-kind.js';

/** The installed Colin27 T1 scan (Debian's mricron-data) and its brain-extracted twin, used as the brain mask. */
export const BRAIN_VOLUME = '/usr/share/mricron/templates/ch2better.nii.gz';
export const BRAIN_MASK_VOLUME = '/usr/share/mricron/templates/ch2bet.nii.gz';

/** Lesion size classes: semi-axes in pixels of a 128 x 128 slice (scaled with --size). */
const LESION_SIZES: { name: string; radius: [number, number] }[] = [
  { name: 'small', radius: [2, 4] },
  { name: 'medium', radius: [4, 7] },
  { name: 'large', radius: [7, 12] },
];

export interface BrainBenchmarkOptions {
  volume?: string;
  /** Brain mask volume, 'auto' (Otsu), or null (every pixel counts). Default BRAIN_MASK_VOLUME. */
  brainMask?: string | 'auto' | null;
  /** Slice side in pixels (default 128). */
  size?: number;
  /** Augmented copies of each training slice (default 4). */
  augmentations?: number;
  /** Consecutive slices per split block (default 10): even blocks train, odd blocks test. */
  blockSlices?: number;
  /** Keep every k-th usable slice so that at most this many remain (default: all). */
  maxSlices?: number;
  /** A slice is used when its brain covers at least this fraction of the plane (default 0.2). */
  minBrainFraction?: number;
  /** The per-pixel map of every method (default 'mse'; 'smoothed-mse' and 'ssim' too). */
  score?: ScoreKind;
  smoothingSigma?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  convFilters?: number[];
  /**
   * Conv AE: size of the dense waist between encoder and decoder (default 128); 0 = none, the
   * last stage's spatial map is the code. The waist is what makes the conv AE work here: a
   * spatial code carries a local lesion through to the reconstruction (Baur et al., 2021).
   */
  convBottleneck?: number;
  /** Conv AE: BatchNorm after every convolution and LeakyReLU (default true: trains in far fewer epochs). */
  convBatchNorm?: boolean;
  denseHidden?: number[];
  denseBottleneck?: number;
  components?: number;
  /** Which methods to run (default all four). */
  methods?: BrainMethodName[];
  log?: (line: string) => void;
}

export type BrainMethodName = 'conv AE' | 'dense AE' | 'PCA' | 'pixel z-score';
export const BRAIN_METHODS: readonly BrainMethodName[] = ['conv AE', 'dense AE', 'PCA', 'pixel z-score'];

export interface BrainMethodResult {
  name: BrainMethodName;
  description: string;
  evaluation: PixelEvaluation;
  /**
   * Mean squared difference between the lesion-free test slices and their reconstructions
   * (the mean healthy slice for the z-score) inside the brain: how well the method models
   * healthy anatomy it has not seen, the floor every lesion must stand out from.
   */
  healthyReconstructionMse: number | null;
  /**
   * The same inside the lesions: a method that reconstructs the lesion too (copies it
   * through) has this close to zero, however well it models healthy tissue.
   */
  lesionReconstructionMse: number | null;
  seconds: number;
}

export interface BrainBenchmarkResult {
  protocol: {
    volume: string;
    brainMask: string | null;
    size: number;
    score: ScoreKind;
    seed: number;
    usableSlices: [number, number];
    trainSlices: number[];
    testSlices: number[];
    trainImages: number;
    testImages: number;
    lesioned: number;
    split: string;
    augmentation: string;
    lesions: string;
    imageScore: string;
  };
  methods: BrainMethodResult[];
  /** PNG: test slices (columns) as input, true mask, then each method's map (the conv AE's reconstruction too). */
  figure: Buffer;
}

interface MethodRun {
  maps: Tensor;
  reconstruction: Tensor | null;
}

/**
 * `hourglass detect bench brain`: unsupervised lesion detection on a real T1 scan, after the
 * protocol of Baur et al. (2021): learn healthy anatomy from healthy slices only, then find
 * synthetic lesions in held-out slices by where the reconstruction (or the healthy statistics)
 * fail. One subject, so healthy variation comes from augmentation; train and test slices come
 * from separate blocks of the volume; lesions are soft-edged ellipses of raised or lowered
 * intensity inside the brain, their masks known exactly; everything is seeded.
 */
export async function brainBenchmark(options: BrainBenchmarkOptions = {}): Promise<BrainBenchmarkResult> {
  const log = options.log ?? (() => undefined);
  const volume = options.volume ?? BRAIN_VOLUME;
  const brainMask = options.brainMask === undefined ? BRAIN_MASK_VOLUME : options.brainMask;
  const size = options.size ?? 128;
  const seed = options.seed ?? 0;
  const score = options.score ?? 'mse';
  const sigma = options.smoothingSigma ?? 1.5;
  const augmentations = options.augmentations ?? 4;
  const block = options.blockSlices ?? 10;
  const minBrain = options.minBrainFraction ?? 0.2;
  const methods = options.methods ?? [...BRAIN_METHODS];
  if (!Number.isInteger(size) || size < 16 || size > 512) throw invalid(`--size must be 16 to 512 pixels, got ${size}`);
  for (const [name, v] of [['augmentations', augmentations], ['block', block]] as const)
    if (!Number.isInteger(v) || v < 1) throw invalid(`${name} must be a positive integer, got ${v}`);

  const started = performance.now();
  const slices = await readNiftiSlices(volume, { slices: 'axial', size: [size, size], foreground: brainMask });
  log(`hourglass: read ${slices.paths.length} axial slices of ${volume} (${slices.rasDims.join(' x ')} voxels, ${slices.orientation}, window ${slices.window.map((v) => +v.toPrecision(4)).join('..')}) in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  const plane = size * size;
  const fg = slices.foreground?.data ?? new Float32Array(slices.x.data.length).fill(1);
  const usable: number[] = [];
  for (let s = 0; s < slices.paths.length; s++) {
    let area = 0;
    for (let p = s * plane; p < (s + 1) * plane; p++) area += fg[p] > 0.5 ? 1 : 0;
    if (area >= minBrain * plane) usable.push(s);
  }
  const step = options.maxSlices ? Math.max(1, Math.ceil(usable.length / options.maxSlices)) : 1;
  const kept = usable.filter((_, i) => i % step === 0);
  if (kept.length < 4) throw invalid(`${volume}: only ${kept.length} axial slices have a brain covering ${minBrain * 100}% of the plane; the benchmark needs at least 4`);
  const blockOf = (i: number): number => Math.floor(i / Math.max(1, Math.floor(block / step)));
  const trainSlices = kept.filter((_, i) => blockOf(i) % 2 === 0);
  const testSlices = kept.filter((_, i) => blockOf(i) % 2 === 1);
  if (trainSlices.length < 2 || testSlices.length < 2) throw invalid(`${volume}: ${kept.length} usable slices do not make two blocks of train and test slices; use a smaller block`);
  const sliceOf = (s: number): Float32Array => slices.x.data.subarray(s * plane, (s + 1) * plane);
  const fgOf = (s: number): Float32Array => fg.subarray(s * plane, (s + 1) * plane);

  // Training: every training slice, augmented `augmentations` times (shift, rotation, gain).
  const trainRng = new Rng(RANDOM_STREAMS.brainAugmentation(seed));
  const shift = (4 * size) / 128;
  const train = new Float32Array(trainSlices.length * augmentations * plane);
  const trainFg = new Float32Array(train.length);
  let t = 0;
  for (const s of trainSlices)
    for (let a = 0; a < augmentations; a++, t++) {
      const transform = drawSliceTransform(trainRng, { maxShift: shift, maxRotation: 5, maxIntensityScale: 0.1 });
      train.set(transformPlane(sliceOf(s), size, size, transform), t * plane);
      trainFg.set(binary(transformPlane(fgOf(s), size, size, transform, 1)), t * plane);
    }
  const trainX = tensor([t, 1, size, size], train);

  // Test: every test slice once, moved like a new scan; half of them (drawn) get one lesion, size classes in turn.
  const testRng = new Rng(RANDOM_STREAMS.brainLesions(seed));
  const n = testSlices.length;
  const lesioned = new Set(pickHalf(n, testRng));
  const test = new Float32Array(n * plane);
  const testFg = new Float32Array(n * plane);
  const masks = new Float32Array(n * plane);
  const groups: string[] = [];
  const labels = new Uint8Array(n);
  let sizeClass = 0;
  testSlices.forEach((s, i) => {
    const transform = drawSliceTransform(testRng, { maxShift: shift, maxRotation: 5, maxIntensityScale: 0.1 });
    const image = transformPlane(sliceOf(s), size, size, transform);
    const foreground = binary(transformPlane(fgOf(s), size, size, transform, 1));
    let group = 'normal';
    if (lesioned.has(i)) {
      const cls = LESION_SIZES[sizeClass++ % LESION_SIZES.length];
      const scale = size / 128;
      const lesion = addSyntheticLesion(image, foreground, size, size, testRng, { radius: [cls.radius[0] * scale, cls.radius[1] * scale], contrast: [0.25, 0.45], edge: 1.5 * scale });
      masks.set(lesion.mask, i * plane);
      group = cls.name;
      labels[i] = 1;
    }
    test.set(image, i * plane);
    testFg.set(foreground, i * plane);
    groups.push(group);
  });
  const testX = tensor([n, 1, size, size], test);
  const set = { labels, groups, masks: tensor([n, 1, size, size], masks), foreground: tensor([n, 1, size, size], testFg) };
  log(`hourglass: ${trainSlices.length} training slices x ${augmentations} augmentations = ${t} images; ${n} test slices, ${lesioned.size} with a lesion`);

  const results: BrainMethodResult[] = [];
  const runs = new Map<BrainMethodName, MethodRun>();
  const fit = { epochs: options.epochs ?? 20, batchSize: options.batchSize ?? 32, learningRate: options.learningRate ?? 1e-3, seed, verbose: false, progress: false };
  for (const name of methods) {
    const begun = performance.now();
    let run: MethodRun;
    let description: string;
    if (name === 'pixel z-score') {
      const z = new PixelZScore().fit(trainX);
      run = { maps: z.maps(testX, score, sigma), reconstruction: z.meanImage(n) };
      description = 'per-pixel mean and std of the healthy training images';
    } else {
      let model: Reconstructor;
      if (name === 'conv AE') {
        const filters = options.convFilters ?? [16, 32, 32, 32];
        const batchNorm = options.convBatchNorm ?? true;
        const waist = (options.convBottleneck ?? 128) || undefined;
        model = convAutoencoder({ inputShape: [1, size, size], filters, bottleneck: waist, batchNorm, activation: batchNorm ? 'leaky_relu' : 'relu', seed });
        description = `conv 3x3 + max-pool stages ${filters.join(', ')}${batchNorm ? ' with BatchNorm and LeakyReLU' : ''}${waist ? `, dense waist ${waist}` : ', spatial bottleneck'}; ${fit.epochs} epochs`;
      } else if (name === 'dense AE') {
        const hidden = options.denseHidden ?? [512, 128];
        const bottleneck = options.denseBottleneck ?? 64;
        model = denseAutoencoder({ inputShape: [1, size, size], hidden, bottleneck, seed });
        description = `dense ${[...hidden, bottleneck].join(', ')}; ${fit.epochs} epochs`;
      } else {
        const components = Math.min(options.components ?? 32, t - 1);
        model = new PCA({ nComponents: components, seed });
        description = `${components} principal components`;
      }
      const detector = new AnomalyDetector({ model, score, smoothingSigma: sigma });
      await detector.fit(trainX, fit);
      const last = model.history?.epochs.at(-1);
      if (last) description += `, final training loss ${last.loss.toPrecision(3)}`;
      const m = detector.anomalyMaps(testX, score);
      run = { maps: m.maps, reconstruction: m.reconstruction };
    }
    const imageScores = foregroundMeans(run.maps.data, testFg, n, plane);
    const evaluation = evaluatePixels({ set, maps: run.maps.data, imageScores, n, h: size, w: size });
    const seconds = (performance.now() - begun) / 1000;
    results.push({ name, description, evaluation, healthyReconstructionMse: run.reconstruction ? healthyError(testX, run.reconstruction, testFg, labels) : null, lesionReconstructionMse: run.reconstruction ? lesionError(testX, run.reconstruction, masks) : null, seconds });
    runs.set(name, run);
    const o = evaluation.overall;
    log(`  ${name}: image AUROC ${fmt(o.imageAuroc)}, pixel AUROC ${fmt(o.pixelAuroc)}, AUPRO ${fmt(o.aupro)}, best Dice ${fmt(o.bestDice)}; ${description} (${seconds.toFixed(1)}s)`);
  }

  const figure = await brainFigure(testX, set.masks, groups, runs);
  return {
    protocol: {
      volume,
      brainMask,
      size,
      score,
      seed,
      usableSlices: [usable[0], usable[usable.length - 1]],
      trainSlices,
      testSlices,
      trainImages: t,
      testImages: n,
      lesioned: lesioned.size,
      split: `axial slices ${usable[0]}-${usable[usable.length - 1]} (brain >= ${minBrain * 100}% of the plane${step > 1 ? `, every ${step}th` : ''}), in blocks of ${block} consecutive slices: even blocks train, odd blocks test`,
      augmentation: `per image: shift up to ${shift} px, rotation up to 5 degrees, intensity x0.9-1.1 (training: ${augmentations} copies per slice; test: one)`,
      lesions: `half the test slices, one soft-edged ellipse each, semi-axes ${LESION_SIZES.map((c) => `${c.name} ${c.radius.join('-')}`).join(', ')} px at 128 px, intensity +/-0.25-0.45 of the window, inside the brain mask`,
      imageScore: 'mean of the map over the brain mask',
    },
    methods: results,
    figure,
  };
}

/** Mean squared error inside the foreground of the lesion-free images. */
function healthyError(x: Tensor, reconstruction: Tensor, fg: Float32Array, labels: Uint8Array): number {
  let sum = 0;
  let count = 0;
  const plane = x.data.length / x.shape[0];
  for (let i = 0; i < x.shape[0]; i++) {
    if (labels[i]) continue;
    for (let p = i * plane; p < (i + 1) * plane; p++)
      if (fg[p] > 0.5) {
        const e = x.data[p] - reconstruction.data[p];
        sum += e * e;
        count++;
      }
  }
  return count > 0 ? sum / count : 0;
}

/** Mean squared error inside the lesion masks. */
function lesionError(x: Tensor, reconstruction: Tensor, masks: Float32Array): number {
  let sum = 0;
  let count = 0;
  for (let p = 0; p < masks.length; p++)
    if (masks[p] > 0.5) {
      const e = x.data[p] - reconstruction.data[p];
      sum += e * e;
      count++;
    }
  return count > 0 ? sum / count : 0;
}

/** n/2 of n indices, drawn without replacement. */
function pickHalf(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, Math.floor(n / 2));
}

function foregroundMeans(maps: Float32Array, fg: Float32Array, n: number, plane: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let count = 0;
    for (let p = i * plane; p < (i + 1) * plane; p++)
      if (fg[p] > 0.5) {
        sum += maps[p];
        count++;
      }
    out[i] = count > 0 ? sum / count : 0;
  }
  return out;
}

function binary(plane: Float32Array): Float32Array {
  for (let i = 0; i < plane.length; i++) plane[i] = plane[i] >= 0.5 ? 1 : 0;
  return plane;
}

function fmt(v: number | null): string {
  return v === null ? '-' : v.toFixed(4);
}

/** Columns: two lesioned test slices of each size class and two normal ones, in that order; rows: input, true mask, the conv AE's reconstruction, then each method's map. */
async function brainFigure(x: Tensor, masks: Tensor, groups: string[], runs: Map<BrainMethodName, MethodRun>): Promise<Buffer> {
  const picks: number[] = [];
  // Two of each group, a third and two thirds of the way up the volume, so the figure shows different anatomy.
  for (const g of [...LESION_SIZES.map((c) => c.name), 'normal']) {
    const members = groups.flatMap((v, i) => (v === g ? [i] : []));
    for (const at of new Set([Math.floor(members.length / 3), Math.floor((2 * members.length) / 3)])) if (at < members.length) picks.push(members[at]);
  }
  const pick = (t: Tensor): Tensor => {
    const per = t.data.length / t.shape[0];
    const out = tensor([picks.length, ...t.shape.slice(1)]);
    picks.forEach((r, i) => out.data.set(t.data.subarray(r * per, (r + 1) * per), i * per));
    return out;
  };
  const images = pick(x);
  const rows: Tensor[] = [images, maskOverlayBatch(images, pick(masks))];
  const labels = ['input', 'true lesion'];
  const conv = runs.get('conv AE');
  if (conv?.reconstruction) {
    rows.push(clip(pick(conv.reconstruction)));
    labels.push('conv AE recon.');
  }
  for (const [name, run] of runs) {
    const maps = pick(run.maps);
    // One heat scale per method: its 99.9th percentile over the shown slices, so one hot pixel does not wash the rest out.
    rows.push(heatOverlayBatch(images, maps, { top: quantile(maps.data, 0.999) }));
    labels.push(`${name} map`);
  }
  return imageGrid(rows, { scale: 2, labels });
}

function clip(t: Tensor): Tensor {
  return { shape: t.shape, data: t.data.map((v) => (v > 0 ? (v < 1 ? v : 1) : 0)) };
}

function quantile(values: Float32Array, q: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] || 1;
}
