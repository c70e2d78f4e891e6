import { invalid } from '../core/errors.js';
import type { Shape } from '../core/tensor.js';
import { opt, type OptionSpec, type OptionValues } from './command.js';
import { buildAutoencoder } from '../models/build.js';
import { PCA } from '../models/pca.js';
import { DATA_DEFAULTS, DETECTOR_FIT_DEFAULTS, dataKindOf, defaultOutputActivation, defaultScaler } from '../models/defaults.js';
import { scalerByName } from '../data/scaler.js';
import { AnomalyDetector } from '../apps/anomaly/anomaly-detector.js';
import { checkScoreKind, SCORE_KINDS, type ScoreKind } from '../apps/anomaly/score-kind.js';
import type { ThresholdRule } from '../apps/anomaly/threshold-rule.js';
import type { DetectorFitOptions } from '../apps/anomaly/anomaly-detector.js';

/** Options that describe a detector (its model, score and threshold), shared by `detect fit` and `detect bench`. */
export const DETECTOR_OPTIONS: readonly OptionSpec[] = [
  { name: 'arch', type: 'string', description: 'scorer: dense or conv autoencoder, or pca (baseline)', default: 'dense', aliases: ['model-type'] },
  { name: 'hidden', type: 'list', description: 'dense: encoder hidden widths', default: [256, 64] },
  { name: 'filters', type: 'list', description: 'conv: filters per stage, each halving the maps (default: by input size, as train --arch conv)' },
  { name: 'bottleneck', type: 'number', description: 'latent size (dense: default 32; conv: optional dense waist)' },
  { name: 'components', type: 'number', description: 'pca: number of components', default: 32 },
  { name: 'score', type: 'string', description: `score kind, or several joined by + (e.g. smoothed-mse+ssim): ${SCORE_KINDS.join(', ')}`, default: 'mse' },
  { name: 'smoothing', type: 'number', description: 'Gaussian sigma in pixels of smoothed-mse', default: 1.5 },
  { name: 'latent-weight', type: 'number', description: 'weight of the latent Mahalanobis term (0 = off)', default: 0 },
  { name: 'scaler', type: 'string', description: `none, minmax or standard (default: ${DATA_DEFAULTS.images.scaler} for images, ${DATA_DEFAULTS.table.scaler} for tables)` },
  // 30 x 64, not the library's 10 x 256: see DETECTOR_FIT_DEFAULTS (src/models/defaults.ts).
  { name: 'epochs', type: 'number', description: 'training epochs (autoencoders)', default: DETECTOR_FIT_DEFAULTS.epochs },
  { name: 'batch-size', type: 'number', description: 'mini-batch size', default: DETECTOR_FIT_DEFAULTS.batchSize },
  { name: 'lr', type: 'number', description: 'learning rate', default: DETECTOR_FIT_DEFAULTS.learningRate },
  { name: 'seed', type: 'number', description: 'random seed', default: 0 },
];

/** Threshold options of `detect fit`. */
export const THRESHOLD_OPTIONS: readonly OptionSpec[] = [
  { name: 'contamination', type: 'number', description: 'expected fraction of anomalies: threshold at that percentile of normal scores (default 0.1)' },
  { name: 'threshold', type: 'number', description: 'an explicit threshold value' },
  { name: 'zscore', type: 'number', description: 'threshold at mean + Z std of normal scores' },
  { name: 'max-f1', type: 'flag', description: 'choose the threshold maximising F1 on labelled validation data' },
];

export interface DetectorSpec {
  modelType: 'dense' | 'conv' | 'pca';
  hidden: number[];
  filters?: number[];
  bottleneck?: number;
  components: number;
  score: ScoreKind[];
  smoothing: number;
  latentWeight: number;
  scaler?: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
}

export function detectorSpec(o: OptionValues): DetectorSpec {
  const modelType = opt.string(o, 'arch') as string;
  if (modelType !== 'dense' && modelType !== 'conv' && modelType !== 'pca') throw invalid(`--arch must be dense, conv or pca, got '${modelType}'`);
  return {
    modelType,
    hidden: opt.list(o, 'hidden') as number[],
    filters: opt.list(o, 'filters'),
    bottleneck: opt.number(o, 'bottleneck'),
    components: opt.number(o, 'components') as number,
    score: parseScoreKinds(opt.string(o, 'score') as string),
    smoothing: opt.number(o, 'smoothing') as number,
    latentWeight: opt.number(o, 'latent-weight') as number,
    scaler: opt.string(o, 'scaler'),
    epochs: opt.number(o, 'epochs') as number,
    batchSize: opt.number(o, 'batch-size') as number,
    lr: opt.number(o, 'lr') as number,
    seed: opt.number(o, 'seed') as number,
  };
}

export function parseScoreKinds(text: string): ScoreKind[] {
  return text.split('+').map((s) => checkScoreKind(s.trim()));
}

/** The threshold rule from --contamination / --threshold / --zscore / --max-f1 (at most one). */
export function thresholdRule(o: OptionValues): ThresholdRule {
  const given: ThresholdRule[] = [];
  const c = opt.number(o, 'contamination');
  const v = opt.number(o, 'threshold');
  const z = opt.number(o, 'zscore');
  if (c !== undefined) given.push({ kind: 'contamination', contamination: c });
  if (v !== undefined) given.push({ kind: 'value', value: v });
  if (z !== undefined) given.push({ kind: 'zscore', z });
  if (opt.flag(o, 'max-f1')) given.push({ kind: 'max-f1' });
  if (given.length > 1) throw invalid('give one threshold rule: --contamination, --threshold, --zscore or --max-f1');
  return given[0] ?? { kind: 'contamination', contamination: 0.1 };
}

/** A new, unfitted detector for samples of `sampleShape`. */
export function makeDetector(spec: DetectorSpec, sampleShape: Shape, rule: ThresholdRule, featureNames: string[] | null = null): AnomalyDetector {
  const kind = dataKindOf(sampleShape);
  const scaler = spec.scaler !== undefined ? scalerByName(spec.scaler) : defaultScaler(kind);
  const model =
    spec.modelType === 'pca'
      ? new PCA({ nComponents: spec.components, seed: spec.seed, scaler })
      : buildAutoencoder({
          arch: spec.modelType,
          inputShape: sampleShape,
          hidden: spec.hidden,
          filters: spec.filters,
          bottleneck: spec.bottleneck ?? (spec.modelType === 'dense' ? 32 : undefined),
          outputActivation: defaultOutputActivation(kind, scaler),
          scaler,
          seed: spec.seed,
        });
  return new AnomalyDetector({ model, score: spec.score, smoothingSigma: spec.smoothing, latentWeight: spec.latentWeight, threshold: rule, featureNames });
}

export function fitOptions(spec: DetectorSpec): DetectorFitOptions {
  return { epochs: spec.epochs, batchSize: spec.batchSize, learningRate: spec.lr, seed: spec.seed };
}

/** One line describing the detector, for logs and reports. */
export function describeSpec(spec: DetectorSpec): string {
  const model =
    spec.modelType === 'pca'
      ? `PCA (${spec.components} components)`
      : spec.modelType === 'dense'
        ? `dense autoencoder ${spec.hidden.join('-')}-${spec.bottleneck ?? 32}`
        : spec.filters ? `conv autoencoder [${spec.filters.join(', ')}]${spec.bottleneck ? ` waist ${spec.bottleneck}` : ''}` : 'conv autoencoder (preset for the input size)';
  const latent = spec.latentWeight > 0 ? ` + ${spec.latentWeight} x latent Mahalanobis` : '';
  return `${model}, score ${spec.score.join(' + ')}${latent}`;
}

