import { readFile } from 'node:fs/promises';
import { HourglassError, invalid } from '../core/errors.js';
import type { RngState } from '../core/rng.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../io/safetensors.js';
import type { TrainingState } from './training-state.js';

/**
 * A training checkpoint: one .safetensors file whose tensors are the TrainingState's arrays
 * (weights, best weights, optimizer moments, the epoch order) and whose `__metadata__` holds
 * the rest as JSON, plus any `extra` JSON the caller adds (the CLI: its options and a data
 * fingerprint). Written through writeFileAtomic, so a crash mid-write leaves the previous
 * checkpoint whole.
 */
export const CHECKPOINT_FORMAT = 'hourglass-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

export interface Checkpoint {
  state: TrainingState;
  extra: Record<string, unknown>;
}

/** The JSON part of a state: the arrays are replaced by what is needed to find them again. */
interface StateJson {
  epoch: number;
  options: Record<string, unknown>;
  weightNames: string[];
  optimizer: { kind: TrainingState['optimizer']['kind']; step: number; slots: boolean[] };
  shufflerRng: RngState;
  layerRngs: RngState[];
  early: { bestLoss: number | null; bestEpoch: number; hasBestWeights: boolean; sinceImprovement: number };
  record: TrainingState['record'];
  model?: Record<string, unknown>;
}

export function encodeCheckpoint({ state, extra }: Checkpoint): Uint8Array {
  const tensors = new Map<string, SafetensorsTensor>();
  const f32 = (name: string, data: Float32Array) => tensors.set(name, { dtype: 'F32', shape: [data.length], data });
  state.weights.names.forEach((name, i) => f32(`weights.${name}`, state.weights.values[i]));
  state.early.bestWeights?.forEach((w, i) => f32(`best.${state.weights.names[i]}`, w));
  state.optimizer.slots.forEach((slot, i) => {
    if (!slot) return;
    f32(`optimizer.${i}.m`, slot.m);
    if (slot.v.length > 0) f32(`optimizer.${i}.v`, slot.v);
  });
  const order = state.shuffler.order;
  tensors.set('shuffler.order', { dtype: 'I32', shape: [order.length], data: new Int32Array(order.buffer, order.byteOffset, order.length) });

  const json: StateJson = {
    epoch: state.epoch,
    options: state.options,
    weightNames: state.weights.names,
    optimizer: { kind: state.optimizer.kind, step: state.optimizer.step, slots: state.optimizer.slots.map((s) => s !== null) },
    shufflerRng: state.shuffler.rng,
    layerRngs: state.layerRngs,
    // JSON has no Infinity: null stands for "no epoch measured yet".
    early: {
      bestLoss: Number.isFinite(state.early.bestLoss) ? state.early.bestLoss : null,
      bestEpoch: state.early.bestEpoch,
      hasBestWeights: state.early.bestWeights !== null,
      sinceImprovement: state.early.sinceImprovement,
    },
    record: state.record,
    model: state.model,
  };
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    format_version: String(CHECKPOINT_FORMAT_VERSION),
    state: JSON.stringify(json),
    extra: JSON.stringify(extra),
  });
}

/** `source` (usually the path) starts every error message. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${what}`);
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  if (metadata.format !== CHECKPOINT_FORMAT) throw bad('not an hourglass training checkpoint (its __metadata__ format is not "hourglass-checkpoint")');
  if (Number(metadata.format_version) > CHECKPOINT_FORMAT_VERSION)
    throw bad(`written by checkpoint format version ${metadata.format_version}; this hourglass reads up to ${CHECKPOINT_FORMAT_VERSION}: upgrade hourglass`);
  let json: StateJson;
  let extra: Record<string, unknown>;
  try {
    json = JSON.parse(metadata.state ?? '');
    extra = JSON.parse(metadata.extra ?? '{}');
  } catch (e) {
    throw bad(`its __metadata__ is not valid JSON (${(e as Error).message}); the file is damaged`);
  }
  const f32 = (name: string): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw bad(`tensor '${name}' is missing; the file is damaged`);
    if (!(t.data instanceof Float32Array)) throw bad(`tensor '${name}' is ${t.dtype}, expected F32`);
    return t.data;
  };
  const order = tensors.get('shuffler.order');
  if (!order || !(order.data instanceof Int32Array)) throw bad("tensor 'shuffler.order' is missing or not I32; the file is damaged");

  const state: TrainingState = {
    epoch: json.epoch,
    options: json.options,
    weights: { names: json.weightNames, values: json.weightNames.map((n) => f32(`weights.${n}`)) },
    optimizer: {
      kind: json.optimizer.kind,
      step: json.optimizer.step,
      slots: json.optimizer.slots.map((present, i) =>
        present ? { m: f32(`optimizer.${i}.m`), v: tensors.has(`optimizer.${i}.v`) ? f32(`optimizer.${i}.v`) : new Float32Array(0) } : null,
      ),
    },
    shuffler: { order: new Uint32Array(order.data.buffer, order.data.byteOffset, order.data.length), rng: json.shufflerRng },
    layerRngs: json.layerRngs,
    early: {
      bestLoss: json.early.bestLoss ?? Infinity,
      bestEpoch: json.early.bestEpoch,
      bestWeights: json.early.hasBestWeights ? json.weightNames.map((n) => f32(`best.${n}`)) : null,
      sinceImprovement: json.early.sinceImprovement,
    },
    record: json.record,
  };
  if (json.model !== undefined) state.model = json.model;
  return { state, extra };
}

/** Atomic (temporary file, fsync, rename, directory fsync): readers see the old checkpoint or the new one, never a mix. */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(checkpoint));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new HourglassError('FILE_NOT_FOUND', `${path}: no training checkpoint there; was the run started with --checkpoint-every?`);
    throw invalid(`${path}: cannot read the checkpoint (${(e as Error).message})`);
  }
  return decodeCheckpoint(bytes, path);
}
