import { HourglassError } from '../../core/errors.js';
import type { Shape, Tensor } from '../../core/tensor.js';
import type { ModelFileContents } from '../../io/model-file.js';
import type { Reconstructor } from '../../models/contract.js';
import { reconstructorFromModelFile, type AnyReconstructor } from '../../models/reconstructor-file.js';
import { LatentGaussian } from './latent-gaussian.js';
import type { NormalStatistics } from './score-composition.js';
import type { ScoreKind } from './score-kind.js';
import { scoreStatisticsFromJSON, type ScoreStatistics } from './score-statistics.js';
import { DEFAULT_THRESHOLD_RULE, type ThresholdRule } from './threshold-rule.js';

/**
 * The detector's model file: kind 'detector'; the wrapped model's tensors under 'model.' and
 * its architecture and metadata nested (architecture.model, extra.model_extra), so the model
 * reads back as the model file it would be on its own; the latent Gaussian's tensors under
 * 'latent.'; the threshold, rule and the normal scores' statistics under extra.detector.
 */
export const DETECTOR_KIND = 'detector';
/** Tensors of the wrapped model are stored in the detector file under this prefix. */
export const MODEL_TENSOR_PREFIX = 'model.';
const LATENT_TENSOR_PREFIX = 'latent.';

/** What a detector file records about the model it wraps (its own architecture nested inside). */
interface WrappedModelDescription {
  kind: 'autoencoder' | 'pca';
  architecture: unknown;
}

interface DetectorArchitecture {
  model: WrappedModelDescription;
  sampleShape: number[];
  score: ScoreKind[];
  smoothingSigma: number;
  dynamicRange: number;
  latentWeight: number;
}

interface DetectorRecord {
  threshold: number;
  rule: ThresholdRule;
  featureNames: string[] | null;
  statistics: NormalStatistics;
  normalSamples: number;
  calibrationSamples: number;
  provenance?: Record<string, unknown> | null;
}

/** What a fitted detector learned from its normal data, besides the model. */
export interface FittedDetector {
  sampleShape: Shape;
  dynamicRange: number;
  latent: LatentGaussian | null;
  statistics: NormalStatistics;
  threshold: number;
  normalSamples: number;
  calibrationSamples: number;
}

/** The detector's settings as its constructor takes them. */
export interface DetectorSettings {
  model: AnyReconstructor;
  score: ScoreKind[];
  smoothingSigma: number | undefined;
  latentWeight: number;
  threshold: ThresholdRule;
  featureNames: string[] | null;
}

export function detectorToModelFile(d: {
  model: Reconstructor;
  score: readonly ScoreKind[];
  smoothingSigma: number;
  latentWeight: number;
  rule: ThresholdRule;
  featureNames: string[] | null;
  provenance: Record<string, unknown> | null;
  fitted: FittedDetector;
}): ModelFileContents {
  const modelFile = d.model.toModelFile();
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of modelFile.tensors) tensors.set(MODEL_TENSOR_PREFIX + name, t);
  if (d.fitted.latent) for (const [name, t] of d.fitted.latent.tensors(LATENT_TENSOR_PREFIX)) tensors.set(name, t);
  const architecture: DetectorArchitecture = {
    model: { kind: d.model.kind, architecture: modelFile.architecture },
    sampleShape: [...d.fitted.sampleShape],
    score: [...d.score],
    smoothingSigma: d.smoothingSigma,
    dynamicRange: d.fitted.dynamicRange,
    latentWeight: d.latentWeight,
  };
  const record: DetectorRecord = {
    threshold: d.fitted.threshold,
    rule: d.rule,
    featureNames: d.featureNames,
    statistics: d.fitted.statistics,
    normalSamples: d.fitted.normalSamples,
    calibrationSamples: d.fitted.calibrationSamples,
    provenance: d.provenance,
  };
  // The scaler belongs to the model and is saved in its metadata (model_extra.scaler).
  return { kind: DETECTOR_KIND, architecture, tensors, extra: { detector: record, model_extra: modelFile.extra ?? {} } };
}

/** The settings and the model of a detector file (the fitted state is read by readFittedDetector once the settings are checked). */
export function readDetectorSettings(contents: ModelFileContents, source: string): { settings: DetectorSettings; provenance: Record<string, unknown> | null } {
  if (contents.kind !== DETECTOR_KIND)
    throw new HourglassError(
      'MODEL_MISMATCH',
      `${source} holds a${/^[aeiou]/.test(contents.kind) ? 'n' : ''} ${contents.kind} model, not an anomaly detector; make one with \`hourglass detect fit\` (or AnomalyDetector.fit)`,
    );
  const arch = architectureOf(contents, source);
  const record = recordOf(contents, source);
  const extra = contents.extra ?? {};
  const own = new Map<string, Tensor>();
  for (const [name, t] of contents.tensors) if (name.startsWith(MODEL_TENSOR_PREFIX)) own.set(name.slice(MODEL_TENSOR_PREFIX.length), t);
  const modelExtra = { ...((extra.model_extra ?? {}) as Record<string, unknown>) };
  // Detector files written before the model owned its scaler kept a PCA's scaler here, next to
  // the detector; it goes onto the model now. (An autoencoder's was always in its own metadata.)
  if ((modelExtra.scaler === undefined || modelExtra.scaler === null) && extra.scaler) modelExtra.scaler = extra.scaler;
  const kind = arch.model.kind;
  if (kind !== 'autoencoder' && kind !== 'pca') throw bad(source, `the detector wraps an unknown model kind '${String(kind)}'`);
  const model = reconstructorFromModelFile({ kind, architecture: arch.model.architecture, tensors: own, extra: modelExtra }, source);
  return {
    settings: {
      model,
      score: Array.isArray(arch.score) ? arch.score : [arch.score as unknown as ScoreKind],
      smoothingSigma: arch.smoothingSigma,
      latentWeight: arch.latentWeight ?? 0,
      threshold: record.rule ?? DEFAULT_THRESHOLD_RULE,
      featureNames: Array.isArray(record.featureNames) ? record.featureNames.map(String) : null,
    },
    provenance: typeof record.provenance === 'object' && record.provenance !== null ? record.provenance : null,
  };
}

/** The fitted state of a detector file whose settings were read and checked; `componentNames` are those the detector's score is made of. */
export function readFittedDetector(contents: ModelFileContents, source: string, componentNames: readonly string[], latentDims: number): FittedDetector {
  const arch = architectureOf(contents, source);
  const record = recordOf(contents, source);
  const stats = record.statistics as Partial<NormalStatistics> | undefined;
  if (!stats) throw bad(source, 'the statistics of the normal scores are missing');
  const components: Record<string, ScoreStatistics> = {};
  const stored = (stats.components ?? {}) as Record<string, unknown>;
  for (const name of componentNames) components[name] = scoreStatisticsFromJSON(stored[name], `${source} (${name})`);
  const latentWeight = arch.latentWeight ?? 0;
  return {
    sampleShape: [...arch.sampleShape],
    dynamicRange: typeof arch.dynamicRange === 'number' && arch.dynamicRange > 0 ? arch.dynamicRange : 1,
    latent: latentWeight > 0 ? LatentGaussian.fromTensors(contents.tensors, LATENT_TENSOR_PREFIX, latentDims, source) : null,
    statistics: { score: scoreStatisticsFromJSON(stats.score, source), components },
    threshold: record.threshold as number,
    normalSamples: Number(record.normalSamples) || 0,
    calibrationSamples: Number(record.calibrationSamples) || 0,
  };
}

function architectureOf(contents: ModelFileContents, source: string): DetectorArchitecture {
  const arch = contents.architecture as Partial<DetectorArchitecture> | null;
  if (typeof arch !== 'object' || arch === null || typeof arch.model !== 'object' || arch.model === null) throw bad(source, 'the detector architecture is missing');
  if (!Array.isArray(arch.sampleShape) || !arch.sampleShape.every((v) => Number.isInteger(v) && v > 0)) throw bad(source, 'the detector has no valid sampleShape');
  return arch as DetectorArchitecture;
}

function recordOf(contents: ModelFileContents, source: string): Partial<DetectorRecord> {
  const record = contents.extra?.detector as Partial<DetectorRecord> | undefined;
  if (typeof record !== 'object' || record === null) throw bad(source, "the detector record ('detector' in the metadata) is missing");
  if (typeof record.threshold !== 'number' || !Number.isFinite(record.threshold)) throw bad(source, 'the detector has no finite threshold');
  return record;
}

function bad(source: string, why: string): HourglassError {
  return new HourglassError('BAD_FILE', `${source}: ${why}`);
}
