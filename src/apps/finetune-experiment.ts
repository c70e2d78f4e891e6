import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { invalid } from '../core/errors.js';
import { gatherRows, type Tensor } from '../core/tensor.js';
import { loadFashionMnist, type LabeledImages } from '../data/fashion-mnist.js';
import { balancedSample } from '../data/balanced-sample.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadModelFile } from '../io/model-file.js';
import { Dense } from '../layers/dense.js';
import { Autoencoder } from '../models/autoencoder.js';
import { Classifier } from '../models/classifier.js';
import { PCA } from '../models/pca.js';
import { errorBarPlot } from '../report/error-bar-plot.js';
import { svgToPng } from '../report/svg.js';
import type { FitOptions } from '../train/fit.js';
import type { ClassifierFitOptions } from '../models/classifier.js';
import { pretrainForClassification, type PretrainArch } from './finetune-pretrain.js';
import { fineTuneRecipe, type FineTuneRecipe } from './finetune-recipe.js';

/** The four ways of using N labels that the experiment compares. */
export const EXPERIMENT_METHODS = ['frozen', 'finetuned', 'scratch', 'pca'] as const;
export type ExperimentMethod = (typeof EXPERIMENT_METHODS)[number];

export const METHOD_LABELS: Record<ExperimentMethod, string> = {
  frozen: '(a) pre-trained, frozen',
  finetuned: '(b) pre-trained, fine-tuned',
  scratch: '(c) same network, from scratch',
  pca: '(d) PCA + softmax regression',
};

export interface FinetuneExperimentOptions {
  /** Numbers of labelled training images (class-balanced). */
  sizes?: number[];
  seeds?: number;
  /** Reuse this pre-trained autoencoder instead of pre-training one. */
  pretrained?: string;
  arch?: PretrainArch;
  pretrainEpochs?: number;
  /** PCA components for method (d). */
  pcaComponents?: number;
  /** Also fine-tune on every training label (the 91% line). */
  allLabels?: boolean;
  allLabelEpochs?: number;
  /** Smaller runs, for tests: the first images of each split only. */
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
  /** Where the pre-trained model, results.json, results.md and accuracy-vs-labels.png go. */
  outDir: string;
  log?: (line: string) => void;
}

export interface ExperimentRun {
  method: ExperimentMethod;
  labels: number;
  seed: number;
  accuracy: number;
  epochs: number;
  seconds: number;
}

export interface ExperimentRow {
  labels: number;
  /** Mean, standard deviation, min and max of the test accuracy over seeds, per method. */
  methods: Record<ExperimentMethod, { mean: number; std: number; min: number; max: number }>;
}

export interface FinetuneExperimentResult {
  dataset: string;
  pretrained: { file: string; arch: string; description: string; epochs: number | null; seconds: number | null; testMse: number };
  recipe: { head: number[]; probeEpochs: string; perN: Record<number, FineTuneRecipe>; pcaComponents: number };
  trainImages: number;
  testImages: number;
  seeds: number;
  runs: ExperimentRun[];
  rows: ExperimentRow[];
  allLabels: { labels: number; accuracy: number; epochs: number; seconds: number } | null;
  seconds: number;
}

/**
 * The pre-training experiment on Fashion-MNIST: an autoencoder pre-trained on the training
 * images without labels, then, for each N, N class-balanced labelled images train
 * (a) a head on the frozen encoder, (b) encoder + head fine-tuned, (c) the same network
 * from random weights, (d) softmax regression on PCA features (PCA fitted on the same
 * unlabelled images). Every method is tested on the test split, over several seeds.
 */
export async function runFinetuneExperiment(o: FinetuneExperimentOptions): Promise<FinetuneExperimentResult> {
  const log = o.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const sizes = o.sizes ?? [100, 1000, 10000];
  const seeds = o.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw invalid(`seeds must be a positive integer, got ${seeds}`);
  for (const n of sizes) if (!Number.isInteger(n) || n < 10) throw invalid(`label counts must be integers >= 10 (one per class), got ${n}`);
  const start = performance.now();
  await mkdir(o.outDir, { recursive: true });
  const train = await loadFashionMnist({ split: 'train', limit: o.trainLimit, dir: o.dataDir });
  const test = await loadFashionMnist({ split: 'test', limit: o.testLimit, dir: o.dataDir });
  for (const n of sizes) if (n > train.images.shape[0]) throw invalid(`${n} labels asked for, but only ${train.images.shape[0]} training images are loaded`);

  const pre = await pretrained(o, train, test, log);
  const ae = pre.model;
  const recipe = experimentRecipe();
  const pcaComponents = o.pcaComponents ?? 64;
  log(`PCA: ${pcaComponents} whitened components fitted on the ${train.images.shape[0]} unlabelled training images`);
  const pca = new PCA({ nComponents: pcaComponents, whiten: true, seed: 0 }).fit(train.images);
  const pcaTrain = pca.transform(train.images);
  const pcaTest = pca.transform(test.images);

  const runs: ExperimentRun[] = [];
  for (const n of sizes) {
    const r = fineTuneRecipe(n);
    for (let seed = 0; seed < seeds; seed++) {
      const idx = balancedSample(train.labels, n, { classes: 10, seed });
      const x = gatherRows(train.images, idx);
      const y = Array.from(idx, (i) => train.labels[i]);
      const fitOptions: ClassifierFitOptions = { epochs: r.epochs, batchSize: r.batchSize, learningRate: r.learningRate, weightDecay: r.weightDecay, seed };
      for (const method of EXPERIMENT_METHODS) {
        const t0 = performance.now();
        let accuracy: number;
        let epochs = r.epochs;
        if (method === 'pca') {
          const model = softmaxRegression(pcaComponents, seed);
          await model.fit(gatherRows(pcaTrain, idx), y, fitOptions);
          accuracy = model.evaluate(pcaTest, test.labels).accuracy;
        } else {
          const model = Classifier.fromAutoencoder(ae, {
            classNames: train.classNames,
            hidden: recipe.head,
            mode: method === 'frozen' ? 'frozen' : 'full',
            weights: method === 'scratch' ? 'random' : 'pretrained',
            seed,
          });
          if (method === 'finetuned' && recipe.probeEpochs(n) > 0) {
            // Linear probe first, then everything: the head starts from a sensible point
            // instead of sending large random gradients into the pre-trained encoder.
            model.setMode('frozen');
            await model.fit(x, y, { ...fitOptions, epochs: recipe.probeEpochs(n) });
            model.setMode('full');
            epochs += recipe.probeEpochs(n);
          }
          await model.fit(x, y, fitOptions);
          accuracy = model.evaluate(test.images, test.labels).accuracy;
        }
        const seconds = (performance.now() - t0) / 1000;
        runs.push({ method, labels: n, seed, accuracy, epochs, seconds });
        log(`  N=${n} seed ${seed} ${METHOD_LABELS[method].padEnd(32)} ${(accuracy * 100).toFixed(2)}%  (${epochs} epochs, ${seconds.toFixed(0)}s)`);
      }
    }
  }

  let allLabels: FinetuneExperimentResult['allLabels'] = null;
  if (o.allLabels) {
    const t0 = performance.now();
    const n = train.images.shape[0];
    const r = fineTuneRecipe(n);
    const epochs = o.allLabelEpochs ?? r.epochs;
    const model = Classifier.fromAutoencoder(ae, { classNames: train.classNames, hidden: recipe.head, mode: 'full', seed: 0 });
    log(`All ${n} labels: fine-tuning the pre-trained encoder + head for ${epochs} epochs`);
    await model.fit(train.images, train.labels, {
      epochs,
      batchSize: r.batchSize,
      learningRate: r.learningRate,
      seed: 0,
      onEpochEnd: (e) => log(`  epoch ${e.epoch}/${epochs} loss ${e.loss.toFixed(4)} (${e.seconds.toFixed(0)}s)`),
    });
    const accuracy = model.evaluate(test.images, test.labels).accuracy;
    allLabels = { labels: n, accuracy, epochs, seconds: (performance.now() - t0) / 1000 };
    await model.save(path.join(o.outDir, 'classifier-all-labels.safetensors'));
    log(`  test accuracy with all ${n} labels: ${(accuracy * 100).toFixed(2)}%`);
  }

  const result: FinetuneExperimentResult = {
    dataset: 'fashion-mnist',
    pretrained: pre.info,
    recipe: {
      head: recipe.head,
      probeEpochs: recipe.describeProbe,
      perN: Object.fromEntries(sizes.map((n) => [n, fineTuneRecipe(n)])),
      pcaComponents,
    },
    trainImages: train.images.shape[0],
    testImages: test.images.shape[0],
    seeds,
    runs,
    rows: summarize(runs, sizes),
    allLabels,
    seconds: (performance.now() - start) / 1000,
  };
  await writeFileAtomic(path.join(o.outDir, 'results.json'), JSON.stringify(result, null, 2) + '\n');
  await writeFileAtomic(path.join(o.outDir, 'results.md'), experimentTable(result) + '\n');
  await writeFileAtomic(path.join(o.outDir, 'accuracy-vs-labels.png'), await svgToPng(accuracyPlot(result)));
  return result;
}

/** What is fixed across N: the head, and the linear-probe warm-up of the fine-tuned model. */
function experimentRecipe(): { head: number[]; probeEpochs: (n: number) => number; describeProbe: string } {
  return {
    head: [128],
    probeEpochs: (n) => Math.round(fineTuneRecipe(n).epochs / 2),
    describeProbe: 'half the fine-tuning epochs, encoder frozen, before fine-tuning everything',
  };
}

/** Softmax regression: a classifier with no encoder and one Dense layer to the logits. */
function softmaxRegression(features: number, seed: number): Classifier {
  return new Classifier({
    inputShape: [features],
    encoder: [],
    head: [new Dense({ inFeatures: features, outFeatures: 10, init: 'glorot' })],
    classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    seed,
  });
}

async function pretrained(
  o: FinetuneExperimentOptions,
  train: LabeledImages,
  test: LabeledImages,
  log: (line: string) => void,
): Promise<{ model: Autoencoder; info: FinetuneExperimentResult['pretrained'] }> {
  if (o.pretrained) {
    const contents = await loadModelFile(o.pretrained);
    const model = Autoencoder.fromModelFile(contents, o.pretrained);
    const testMse = model.evaluate(test.images);
    log(`Pre-trained: ${o.pretrained} (${model.preset}, test MSE ${testMse.toFixed(5)})`);
    const record = model.training;
    return {
      model,
      info: { file: o.pretrained, arch: model.preset, description: describeEncoder(model), epochs: record?.epochs.length ?? null, seconds: record?.seconds ?? null, testMse },
    };
  }
  const file = path.join(o.outDir, 'pretrained.safetensors');
  const { model, arch } = pretrainForClassification({ arch: o.arch ?? 'auto', seed: 0 });
  const epochs = o.pretrainEpochs ?? (arch === 'conv' ? 5 : 15);
  log(`Pre-training a ${arch} autoencoder on ${train.images.shape[0]} training images without labels, ${epochs} epochs`);
  const record = await model.fit(train.images, {
    ...pretrainFitOptions(arch, epochs),
    onEpochEnd: (e) => log(`  epoch ${e.epoch}/${epochs} reconstruction loss ${e.loss.toFixed(5)} (${e.seconds.toFixed(0)}s)`),
  });
  const testMse = model.evaluate(test.images);
  await model.save(file);
  log(`  test MSE ${testMse.toFixed(5)}; saved ${file}`);
  return { model, info: { file, arch, description: describeEncoder(model), epochs, seconds: record.seconds, testMse } };
}

function pretrainFitOptions(arch: string, epochs: number): FitOptions {
  return { epochs, batchSize: arch === 'conv' ? 64 : 256, learningRate: 1e-3, seed: 0, transformInput: maskingNoise(0.3) };
}

/**
 * Masking noise for denoising pre-training: each pixel is zeroed with probability p and the
 * autoencoder must restore it from its neighbours, which makes its code capture shapes
 * rather than single pixels (measured in docs/finetune.md: better features than plain
 * reconstruction at the same cost).
 */
export function maskingNoise(p: number): (batch: Tensor, rng: { uniform(): number }) => Tensor {
  let out: Tensor | null = null;
  return (batch, rng) => {
    if (!out || out.data.length !== batch.data.length) out = { shape: batch.shape, data: new Float32Array(batch.data.length) };
    else out = { shape: batch.shape, data: out.data };
    for (let i = 0; i < batch.data.length; i++) out.data[i] = rng.uniform() < p ? 0 : batch.data[i];
    return out;
  };
}

function describeEncoder(model: Autoencoder): string {
  return model.encoder.layers.map((l, i) => `${l.type}[${model.encoder.shapes[i].join('x')}]`).join(' ');
}

function summarize(runs: readonly ExperimentRun[], sizes: readonly number[]): ExperimentRow[] {
  return sizes.map((labels) => {
    const methods = {} as ExperimentRow['methods'];
    for (const method of EXPERIMENT_METHODS) {
      const a = runs.filter((r) => r.labels === labels && r.method === method).map((r) => r.accuracy);
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      const std = a.length > 1 ? Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.length - 1)) : 0;
      methods[method] = { mean, std, min: Math.min(...a), max: Math.max(...a) };
    }
    return { labels, methods };
  });
}

/** Markdown table: test accuracy, mean ± standard deviation over seeds, per N and method. */
export function experimentTable(result: FinetuneExperimentResult): string {
  const pct = (v: number) => (v * 100).toFixed(1);
  const header = `| labelled images | ${EXPERIMENT_METHODS.map((m) => METHOD_LABELS[m]).join(' | ')} | (b) - (c) |`;
  const rule = `|---:|${EXPERIMENT_METHODS.map(() => '---:').join('|')}|---:|`;
  const rows = result.rows.map((r) => {
    const cells = EXPERIMENT_METHODS.map((m) => `${pct(r.methods[m].mean)} ± ${pct(r.methods[m].std)}`);
    const gain = (r.methods.finetuned.mean - r.methods.scratch.mean) * 100;
    return `| ${r.labels.toLocaleString('en-US')} | ${cells.join(' | ')} | ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} |`;
  });
  const lines = [header, rule, ...rows];
  if (result.allLabels)
    lines.push('', `All ${result.allLabels.labels.toLocaleString('en-US')} labels, pre-trained ${result.pretrained.arch} encoder + head fine-tuned for ${result.allLabels.epochs} epochs: **${pct(result.allLabels.accuracy)}%** test accuracy.`);
  return lines.join('\n');
}

export function accuracyPlot(result: FinetuneExperimentResult): string {
  return errorBarPlot({
    title: `Fashion-MNIST test accuracy vs labelled images (${result.pretrained.arch} pre-training)`,
    xLabel: 'labelled training images (class-balanced)',
    yLabel: `test accuracy, % (mean, min-max over ${result.seeds} seeds)`,
    logX: true,
    series: EXPERIMENT_METHODS.map((m) => ({
      name: METHOD_LABELS[m],
      x: result.rows.map((r) => r.labels),
      mean: result.rows.map((r) => r.methods[m].mean * 100),
      low: result.rows.map((r) => r.methods[m].min * 100),
      high: result.rows.map((r) => r.methods[m].max * 100),
    })),
  });
}
