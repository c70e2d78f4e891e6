import { invalid } from '../core/errors.js';
import type { RngState } from '../core/rng.js';
import type { Network } from './network.js';
import type { Optimizer, OptimizerState } from './optimizer.js';
import type { EpochShuffler } from './shuffler.js';
import { restoreWeights, snapshotWeights, type WeightSnapshot } from './snapshot.js';
import type { EpochRecord } from './fit.js';

/**
 * Everything fit() needs to continue after `epoch` completed epochs exactly as if it had never
 * stopped: given back as `resumeFrom`, the remaining epochs draw the same samples, masks and
 * steps, and the final weights are bit for bit those of an uninterrupted run (with the same
 * native thread count, see README, Reproducibility). Plain data: checkpoint-file.ts writes it.
 */
export interface TrainingState {
  /** Completed epochs. */
  epoch: number;
  /** The options that shape the result (see resultOptions); a state resumes only under the same ones. */
  options: Record<string, unknown>;
  /** Every parameter and buffer, in params() then buffers() order, with their names. */
  weights: { names: string[]; values: Float32Array[] };
  optimizer: OptimizerState;
  /** The last epoch order and the generator that reshuffles it (also transformInput's rng). */
  shuffler: { order: Uint32Array; rng: RngState };
  /** Positions of the network's own generators (e.g. dropout masks), in randomGenerators() order. */
  layerRngs: RngState[];
  /** The monitored loss's best so far (Infinity before the first epoch), and the weights then when early stopping keeps them. */
  early: { bestLoss: number; bestEpoch: number; bestWeights: Float32Array[] | null; sinceImprovement: number };
  record: { epochs: EpochRecord[]; stoppedEarly: boolean; seconds: number; samplesSeen: number };
  /** The model's own state beyond the network (e.g. an Autoencoder's fitted scaler); fit() carries it unchanged. */
  model?: Record<string, unknown>;
}

/** What fit() carries from epoch to epoch besides the network and the optimizer. */
export interface LoopState {
  best: { loss: number; epoch: number; weights: WeightSnapshot | null };
  sinceImprovement: number;
  samplesSeen: number;
  epochs: EpochRecord[];
  stoppedEarly: boolean;
}

/** The objects fit() trains with, whose state a checkpoint saves. */
export interface TrainingParts {
  net: Network;
  optimizer: Optimizer;
  shuffler: EpochShuffler;
}

/** Options that may differ between the run that saved a state and the one resuming it. */
const FREE_TO_CHANGE = new Set(['epochs']);

export function captureTrainingState(parts: TrainingParts, epoch: number, loop: LoopState, options: Record<string, unknown>, seconds: number): TrainingState {
  const { net, optimizer, shuffler } = parts;
  const params = net.params();
  return {
    epoch,
    options: structuredClone(options),
    weights: { names: [...params.map((p) => p.name), ...net.buffers().map((b) => b.name)], values: snapshotWeights(net) },
    optimizer: optimizer.getState(params),
    shuffler: shuffler.state(),
    layerRngs: (net.randomGenerators?.() ?? []).map((r) => r.getState()),
    early: {
      bestLoss: loop.best.loss,
      bestEpoch: loop.best.epoch,
      bestWeights: loop.best.weights?.map((w) => Float32Array.from(w)) ?? null,
      sinceImprovement: loop.sinceImprovement,
    },
    record: { epochs: structuredClone(loop.epochs), stoppedEarly: loop.stoppedEarly, seconds, samplesSeen: loop.samplesSeen },
  };
}

/**
 * Puts a saved state back into freshly made parts and returns the loop state to continue with.
 * Refuses, naming the difference, a state made under other result-shaping options or for
 * another network.
 */
export function restoreTrainingState(parts: TrainingParts, state: TrainingState, options: Record<string, unknown>): LoopState {
  checkSameOptions(state.options, options);
  const { net, optimizer, shuffler } = parts;
  const names = [...net.params().map((p) => p.name), ...net.buffers().map((b) => b.name)];
  const current = snapshotWeights(net);
  if (names.join() !== state.weights.names.join())
    throw invalid(`the training state is for a network with tensors ${state.weights.names.join(', ')}; this one has ${names.join(', ')}`);
  names.forEach((name, i) => {
    if (state.weights.values[i].length !== current[i].length)
      throw invalid(`the training state's tensor '${name}' has ${state.weights.values[i].length} values, the network's ${current[i].length}`);
  });
  const rngs = net.randomGenerators?.() ?? [];
  if (rngs.length !== state.layerRngs.length)
    throw invalid(`the training state has ${state.layerRngs.length} layer random generators, the network ${rngs.length}`);

  restoreWeights(net, state.weights.values);
  optimizer.restoreState(net.params(), state.optimizer);
  shuffler.restore(state.shuffler);
  rngs.forEach((r, i) => r.setState(state.layerRngs[i]));
  return {
    best: { loss: state.early.bestLoss, epoch: state.early.bestEpoch, weights: state.early.bestWeights?.map((w) => Float32Array.from(w)) ?? null },
    sinceImprovement: state.early.sinceImprovement,
    samplesSeen: state.record.samplesSeen,
    epochs: structuredClone(state.record.epochs),
    stoppedEarly: state.record.stoppedEarly,
  };
}

function checkSameOptions(saved: Record<string, unknown>, now: Record<string, unknown>): void {
  const keys = new Set([...Object.keys(saved), ...Object.keys(now)]);
  const differences: string[] = [];
  for (const key of keys) {
    if (FREE_TO_CHANGE.has(key)) continue;
    const a = JSON.stringify(saved[key] ?? null);
    const b = JSON.stringify(now[key] ?? null);
    if (a !== b) differences.push(`${key} was ${a}, now ${b}`);
  }
  if (differences.length)
    throw invalid(`cannot resume: the training state was made with other options (${differences.join('; ')}); resume with the same options`);
}
