import { invalid } from '../../core/errors.js';
import { gatherRows } from '../../core/tensor.js';
import { loadFashionMnist, type LabeledImages } from '../../data/fashion-mnist.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import type { PCA } from '../../models/pca.js';
import { auroc } from '../../metrics/auroc.js';
import { averagePrecision } from '../../metrics/average-precision.js';
import { AnomalyDetector, type DetectorFitOptions } from './anomaly-detector.js';
import type { ScoreKind } from './score-kind.js';

/** One way of scoring a trained model. */
export interface ScoreVariant {
  name: string;
  score: ScoreKind | ScoreKind[];
  latentWeight?: number;
  smoothingSigma?: number;
}

/** A model trained once per class and scored by each of its variants. */
export interface OneClassMethod {
  name: string;
  /** A fresh, untrained model (called once per class). */
  model: (normalClass: number) => Autoencoder | PCA;
  fit?: DetectorFitOptions;
  variants: ScoreVariant[];
}

export interface OneClassRow {
  /** `${method} ${variant}` */
  name: string;
  method: string;
  variant: string;
  auroc: number[];
  averagePrecision: number[];
  meanAuroc: number;
  /** Training plus scoring time of the method per class (shared by its variants). */
  seconds: number[];
}

export interface OneClassResult {
  classes: number[];
  classNames: string[];
  rows: OneClassRow[];
}

export interface OneClassOptions {
  methods: OneClassMethod[];
  classes?: number[];
  dataDir?: string;
  /** Called after each class and method, for progress lines. */
  onClass?: (normalClass: number, method: string, aurocs: Record<string, number>, seconds: number) => void;
}

/**
 * The standard one-class protocol on Fashion-MNIST (as in Golan & El-Yaniv 2018): for each
 * class K, train on the training images of class K only (6,000), score the whole test set
 * (10,000: class K normal, the nine others anomalous) and report the AUROC per class and
 * its mean over the classes.
 */
export async function oneClassFashionMnist(options: OneClassOptions): Promise<OneClassResult> {
  const classes = options.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (const k of classes) if (!Number.isInteger(k) || k < 0 || k > 9) throw invalid(`Fashion-MNIST classes are 0 to 9, got ${k}`);
  if (options.methods.length === 0) throw invalid('the protocol needs at least one method');
  const train = await loadFashionMnist({ split: 'train', dir: options.dataDir });
  const test = await loadFashionMnist({ split: 'test', dir: options.dataDir });
  const rows = new Map<string, OneClassRow>();
  for (const m of options.methods)
    for (const v of m.variants) {
      const name = `${m.name} ${v.name}`;
      rows.set(name, { name, method: m.name, variant: v.name, auroc: [], averagePrecision: [], meanAuroc: NaN, seconds: [] });
    }
  for (const k of classes) {
    const normal = classImages(train, k);
    const labels = Uint8Array.from(test.labels, (l) => (l === k ? 0 : 1));
    for (const m of options.methods) {
      const started = performance.now();
      const model = m.model(k);
      const aurocs: Record<string, number> = {};
      const scored: { variant: ScoreVariant; scores: Float32Array }[] = [];
      for (const [i, v] of m.variants.entries()) {
        const detector = new AnomalyDetector({ model, score: v.score, latentWeight: v.latentWeight, smoothingSigma: v.smoothingSigma });
        // The first variant trains the model; the others score the same trained model.
        await detector.fit(normal, { ...m.fit, trainModel: i === 0 });
        scored.push({ variant: v, scores: detector.score(test.images) });
      }
      const seconds = (performance.now() - started) / 1000;
      for (const { variant, scores } of scored) {
        const row = rows.get(`${m.name} ${variant.name}`)!;
        row.auroc.push(auroc(labels, scores));
        row.averagePrecision.push(averagePrecision(labels, scores));
        row.seconds.push(seconds);
        aurocs[variant.name] = row.auroc[row.auroc.length - 1];
      }
      options.onClass?.(k, m.name, aurocs, seconds);
    }
  }
  for (const row of rows.values()) row.meanAuroc = row.auroc.reduce((a, b) => a + b, 0) / row.auroc.length;
  return { classes, classNames: classes.map((k) => train.classNames[k]), rows: [...rows.values()] };
}

function classImages(data: LabeledImages, k: number) {
  const rows: number[] = [];
  data.labels.forEach((l, i) => {
    if (l === k) rows.push(i);
  });
  return gatherRows(data.images, rows);
}
