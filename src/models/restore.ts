import { HourglassError } from '../core/errors.js';
import { sameShape, shapeToString, type Tensor } from '../core/tensor.js';
import { scalerFromJSON, type Scaler } from '../data/scaler.js';
import type { Buffer, Param } from '../layers/layer.js';
import type { TrainingRecord } from '../train/fit.js';
import type { ModelFileContents } from '../io/model-file.js';

/**
 * Copies a model file's tensors into a freshly built model's parameters and buffers,
 * requiring an exact match: every expected name present with the architecture's shape, and
 * nothing left over (a file from another architecture fails here, naming the tensor).
 */
export function loadWeightsInto(expected: readonly { name: string; value: Tensor }[], stored: Map<string, Tensor>, source: string): void {
  for (const { name, value } of expected) {
    const t = stored.get(name);
    if (!t) throw new HourglassError('BAD_FILE', `${source}: tensor '${name}' is missing`);
    if (!sameShape(t.shape, value.shape))
      throw new HourglassError('MODEL_MISMATCH', `${source}: tensor '${name}' has shape ${shapeToString(t.shape)}, the architecture needs ${shapeToString(value.shape)}`);
    value.data.set(t.data);
  }
  const known = new Set(expected.map((t) => t.name));
  const unexpected = [...stored.keys()].filter((k) => !known.has(k));
  if (unexpected.length) throw new HourglassError('BAD_FILE', `${source}: unexpected tensors ${unexpected.join(', ')}`);
}

/** What restoreTrainedModel fills in after building a model. */
export interface TrainedModel {
  params(): Param[];
  buffers(): Buffer[];
  scaler: Scaler | null;
  history: TrainingRecord | null;
}

/**
 * A trained network as its model file describes it: `build` makes it from the file's
 * architecture (what it throws becomes a BAD_FILE error naming the file), then its weights,
 * scaler and training record are restored.
 */
export function restoreTrainedModel<M extends TrainedModel>(contents: ModelFileContents, source: string, build: () => M): M {
  let model: M;
  try {
    model = build();
  } catch (e) {
    throw new HourglassError('BAD_FILE', `${source}: ${(e as Error).message}`);
  }
  loadWeightsInto([...model.params(), ...model.buffers()], contents.tensors, source);
  const extra = contents.extra ?? {};
  model.scaler = extra.scaler ? scalerFromFile(extra.scaler, source) : null;
  model.history = (extra.training as TrainingRecord | null) ?? null;
  return model;
}

/** Below this a scaler's divisor turns float32 data into Inf: only a damaged or hand-edited file has one. */
const SMALLEST_DIVISOR = 1e-30;

/**
 * The scaler saved in a model file, refused when its numbers cannot scale data: a non-finite
 * value (NaN/Inf are written as null in JSON) or a divisor (StandardScaler std, MinMaxScaler
 * scale) that is zero or nearly so. Fitting never produces these (a constant feature keeps
 * scale 1), so such a file is damaged.
 */
export function scalerFromFile(json: unknown, source: string): Scaler | null {
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: the saved scaler ${what}; the file is damaged`);
  if (typeof json !== 'object' || json === null) throw bad('is not an object');
  for (const [key, value] of Object.entries(json)) {
    if (!Array.isArray(value) && typeof value !== 'number') continue;
    const values = Array.isArray(value) ? value : [value];
    const i = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (i >= 0) throw bad(`has a non-finite ${key}[${i}] (${JSON.stringify(values[i])})`);
    if (key === 'std' || key === 'scale') {
      const j = values.findIndex((v) => Math.abs(v as number) < SMALLEST_DIVISOR);
      if (j >= 0) throw bad(`has ${key}[${j}] = ${values[j]}, about zero: scaling would divide by it`);
    }
  }
  try {
    return scalerFromJSON(json);
  } catch (e) {
    throw bad(`is invalid (${(e as Error).message})`);
  }
}

/**
 * The model file of a trained network, the inverse of restoreTrainedModel: its parameters and
 * buffers under their state_dict names, its scaler and training record in the metadata, and
 * whatever else its kind keeps in `extra`.
 */
export function trainedModelFile(model: TrainedModel, kind: string, architecture: unknown, extra: Record<string, unknown> = {}): ModelFileContents {
  const tensors = new Map<string, Tensor>();
  for (const p of model.params()) tensors.set(p.name, p.value);
  for (const b of model.buffers()) tensors.set(b.name, b.value);
  return { kind, architecture, tensors, extra: { scaler: model.scaler?.toJSON() ?? null, training: model.history, ...extra } };
}
