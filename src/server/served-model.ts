import type { Shape, Tensor } from '../core/tensor.js';
import type { AnyModel } from '../apps/load-model.js';
import type { Reconstructor } from '../models/contract.js';
import type { TrainingRecord } from '../train/fit.js';

/** What a model can be asked over HTTP; each is one POST /v1/models/{name}/{operation}. */
export type Operation = 'score' | 'reconstruct' | 'encode' | 'denoise' | 'compress' | 'decompress';

/** What GET /v1/models says of a model: enough for a client (or the dashboard) to build its requests. */
export interface ModelCard {
  name: string;
  kind: AnyModel['kind'];
  /** The reconstructor inside a detector, denoiser or codec ('autoencoder' or 'pca'). */
  modelKind: string | null;
  /** Shape of one sample: [features] for tables, [channels, height, width] for images. */
  inputShape: number[] | null;
  /** True when the model takes images (PNG/JPEG bodies and multipart files are accepted). */
  images: boolean;
  columns: string[] | null;
  latentSize: number | null;
  threshold: number | null;
  thresholdRule: unknown;
  scoreKinds: string[] | null;
  normalScores: { mean: number; std: number; min: number; max: number } | null;
  training: TrainingRecord | null;
  operations: Operation[];
  file: string;
  loadedAt: string;
}

/** The Reconstructor a model holds or is (null for a classifier). */
export function reconstructorOf(model: AnyModel): Reconstructor | null {
  switch (model.kind) {
    case 'autoencoder':
    case 'pca':
      return model;
    case 'detector':
    case 'denoiser':
    case 'codec':
      return model.model;
    default:
      return null;
  }
}

/** Shape of one sample the model takes, or null when it takes any (a PCA not fitted, which a served model never is). */
export function inputShapeOf(model: AnyModel): Shape | null {
  switch (model.kind) {
    case 'detector':
      return model.sampleShape;
    case 'denoiser':
      return model.imageShape;
    case 'codec':
      return model.sampleShape;
    case 'classifier':
      return model.inputShape;
    default:
      return model.sampleShape;
  }
}

export function operationsOf(model: AnyModel): Operation[] {
  const ops: Operation[] = [];
  if (model.kind === 'detector') ops.push('score');
  if (reconstructorOf(model)) ops.push('reconstruct', 'encode');
  if (model.kind === 'denoiser') ops.push('denoise');
  if (model.kind === 'codec') ops.push('compress', 'decompress');
  return ops;
}

export function modelCard(name: string, file: string, model: AnyModel, loadedAt: Date): ModelCard {
  const shape = inputShapeOf(model);
  const inner = reconstructorOf(model);
  const detector = model.kind === 'detector' ? model : null;
  const stats = detector?.normalScores;
  return {
    name,
    kind: model.kind,
    modelKind: inner && inner !== model ? inner.kind : null,
    inputShape: shape ? [...shape] : null,
    images: shape !== null && shape.length === 3,
    columns: detector?.columns ?? null,
    latentSize: inner?.latentSize ?? null,
    threshold: detector ? detector.threshold : null,
    thresholdRule: detector ? detector.thresholdRule : null,
    scoreKinds: detector ? [...detector.scoreKinds] : null,
    normalScores: stats ? { mean: stats.mean, std: stats.std, min: stats.min, max: stats.max } : null,
    training: model.history,
    operations: operationsOf(model),
    file,
    loadedAt: loadedAt.toISOString(),
  };
}

/** Rows of a [n, ...] tensor as plain arrays, for JSON. */
export function tensorRows(t: Tensor): number[][] {
  const n = t.shape[0];
  const per = n === 0 ? 0 : t.data.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * per, (i + 1) * per)));
}
