import path from 'node:path';
import { readdir, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { invalid } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { getThreads } from '../core/threads.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../train/checkpoint-file.js';
import type { TrainingState } from '../train/training-state.js';
import type { OptionValues } from './command.js';
import { realPath } from './output-path.js';

/** `train --checkpoint-every N` writes here in the run directory; `train --resume DIR` reads it. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Options that do not change the trained model, so --resume accepts other values for them. */
const SAFE_TO_CHANGE = new Set(['progress', 'overwrite', 'data-dir', 'checkpoint-every', 'resume', 'out']);

/** What `train` stores in its checkpoint besides the training state: enough to refuse a resume that would not give the same model. */
interface TrainCheckpointRecord {
  command: 'train';
  /** Every option of the run as parsed (defaults filled in), by CLI name. */
  options: OptionValues;
  /** SHA-256 of the training samples as loaded (before scaling): the same options on changed data are refused. */
  dataSha256: string;
  /** Results are reproducible for a given thread count only (README, Reproducibility). */
  threads: number;
}

/**
 * The options of the run a checkpoint continues: the checkpoint's, with the safe ones given
 * now. An option given with another value than the checkpoint's is refused, naming each.
 */
export async function resumedOptions(dir: string, given: OptionValues): Promise<{ options: OptionValues; checkpoint: Checkpoint }> {
  const checkpoint = await loadCheckpoint(path.join(dir, CHECKPOINT_FILE));
  const saved = checkpoint.extra as Partial<TrainCheckpointRecord>;
  if (saved.command !== 'train' || typeof saved.options !== 'object')
    throw invalid(`${path.join(dir, CHECKPOINT_FILE)} was not written by 'hourglass train'; resume it with the command that wrote it`);
  if (given.out !== undefined && realPath(String(given.out)) !== realPath(dir))
    throw invalid(`--out ${given.out} differs from --resume ${dir}: a resumed run continues in its own directory; leave out --out`);
  const differences: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined || SAFE_TO_CHANGE.has(name)) continue;
    const before = saved.options[name];
    if (JSON.stringify(value) !== JSON.stringify(before ?? null))
      differences.push(`--${name} ${String(value)} (the run used ${before === undefined ? 'none' : String(before)})`);
  }
  if (differences.length)
    throw invalid(`cannot resume ${dir} with other options: ${differences.join(', ')}; leave them out to use the checkpoint's (only ${[...SAFE_TO_CHANGE].filter((n) => n !== 'resume').map((n) => `--${n}`).join(', ')} may change)`);
  await removeStaleTemporaryFiles(dir);
  // The progress line is about this terminal, not the run: never inherited.
  const options: OptionValues = { ...saved.options, progress: undefined };
  for (const name of SAFE_TO_CHANGE) if (given[name] !== undefined) options[name] = given[name];
  return { options: { ...options, out: dir }, checkpoint };
}

/** Refuses to resume on other data or another thread count: the result would not be the uninterrupted run's. */
export function checkResumable(checkpoint: Checkpoint, trainX: Tensor, dir: string): void {
  const saved = checkpoint.extra as Partial<TrainCheckpointRecord>;
  if (saved.dataSha256 !== dataFingerprint(trainX))
    throw invalid(`cannot resume ${dir}: the training data differs from the one the run started on (same options, other contents); restore the original data`);
  if (saved.threads !== getThreads())
    throw invalid(`cannot resume ${dir}: it was trained on ${saved.threads} native threads, this process uses ${getThreads()}; pass --threads ${saved.threads} so that the result is the uninterrupted run's`);
}

/** The `save` of FitOptions.checkpoint for a `train` run. */
export function checkpointWriter(dir: string, options: OptionValues, trainX: Tensor): (state: TrainingState) => Promise<void> {
  const record: TrainCheckpointRecord = { command: 'train', options: commandOptions(options), dataSha256: dataFingerprint(trainX), threads: getThreads() };
  return (state) => saveCheckpoint(path.join(dir, CHECKPOINT_FILE), { state, extra: { ...record } });
}

function commandOptions(o: OptionValues): OptionValues {
  return Object.fromEntries(Object.entries(o).filter(([name, v]) => v !== undefined && name !== 'resume'));
}

export function dataFingerprint(x: Tensor): string {
  return createHash('sha256').update(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength)).digest('hex');
}

/** A write killed before its rename leaves a temporary file beside the checkpoint (never the checkpoint itself); a resume clears them. */
async function removeStaleTemporaryFiles(dir: string): Promise<void> {
  const prefix = `.${CHECKPOINT_FILE}.`;
  for (const name of await readdir(dir)) if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(path.join(dir, name)).catch(() => undefined);
}
