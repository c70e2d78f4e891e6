import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { gatherRows, sameShape, shapeToString, sizeOf, sliceRows, tensor, type Tensor } from '../core/tensor.js';
import { Rng } from '../core/rng.js';
import { holdOutRows } from '../data/dataset.js';
import type { Network } from './network.js';
import { PRECISIONS, type Precision } from '../core/types.js';
import { ReconstructionLoss, type Loss, type LossKind } from './loss.js';
import { Optimizer, type OptimizerKind } from './optimizer.js';
import { EpochShuffler } from './shuffler.js';
import { snapshotWeights, restoreWeights, weightsAreFinite } from './snapshot.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';
import { isDataSource, type DataSource } from '../data/data-source.js';
import { captureTrainingState, restoreTrainingState, type LoopState, type TrainingState } from './training-state.js';

export interface BatchProgress {
  epoch: number; // 1-based
  epochs: number;
  batch: number; // 1-based, within the epoch
  batches: number;
  loss: number; // running mean over the epoch so far
  samplesPerSecond: number;
  etaSeconds: number; // whole run
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss?: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainingRecord {
  epochs: EpochRecord[];
  /** Epoch whose weights the network holds at the end (the best one with early stopping). */
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
  samplesPerSecond: number;
  options: Record<string, unknown>;
}

export interface EarlyStopping {
  /** Epochs without improvement of the monitored loss before stopping. */
  patience: number;
  minDelta?: number;
  restoreBestWeights?: boolean;
}

/** Longest stretch of batches fit() runs without yielding to the event loop. */
const YIELD_EVERY_MS = 10;

/** What fit() uses for the options it is not given (also read by the CLI through src/models/defaults.ts). */
export const FIT_DEFAULTS = { epochs: 10, batchSize: 256, learningRate: 1e-3 } as const;

export interface FitOptions {
  /** Passes over the training data. Default 10. */
  epochs?: number;
  /** Samples per optimizer step. Default 256. */
  batchSize?: number;
  /** Default 1e-3. */
  learningRate?: number;
  /** 'adam' (default) or 'sgd'. */
  optimizer?: OptimizerKind;
  /** SGD momentum. Default 0.9. */
  momentum?: number;
  /** L2 weight decay. Default 0. */
  weightDecay?: number;
  /**
   * Arithmetic of the matrix products: 'float32' (default), or 'bfloat16' operands with float32
   * results and float32 weights, gradients and optimizer (mixed precision, about twice the
   * matrix speed on CPUs with AVX512-BF16). bfloat16 is available for dense autoencoders
   * (Dense layers and activations, no dropout) under the mse loss.
   */
  precision?: Precision;
  /** A reconstruction loss by name, or any Loss (e.g. cross-entropy for a classifier). Default 'mse'. */
  loss?: LossKind | Loss;
  /** Seeds the epoch shuffling (and transformInput's rng). Default 0. */
  seed?: number;
  /** Shuffle the samples every epoch. Default true. */
  shuffle?: boolean;
  /** Held-out data; `y` defaults to `x` (reconstruction). */
  validationData?: { x: Tensor; y?: Tensor };
  /** Fraction of the training data held out for validation when validationData is not given. */
  validationSplit?: number;
  earlyStopping?: EarlyStopping;
  signal?: AbortSignal;
  onBatchEnd?: (progress: BatchProgress) => void;
  onEpochEnd?: (record: EpochRecord) => void;
  /**
   * Hands the whole training state to `save` after every `every` epochs (and waits for it), so
   * that an interrupted run can go on from the last one with `resumeFrom`.
   */
  checkpoint?: { every: number; save(state: TrainingState): Promise<void> | void };
  /**
   * Continues a run from a state that `checkpoint` saved: the network's weights, the optimizer,
   * the random generators, early stopping and the record so far all come back, and the result
   * is bit for bit the uninterrupted run's. The options must be the ones of that run (epochs may
   * grow); a difference is refused, naming it.
   */
  resumeFrom?: TrainingState;
  /** Maps each training batch before the forward pass while the target stays as it was (e.g. corruption for denoising). Must not modify its input. */
  transformInput?: (batch: Tensor, rng: Rng) => Tensor;
}

/**
 * Mini-batch gradient descent on `net` so that net(x) approximates y (y = x for an
 * autoencoder). `x` is a tensor, or a DataSource (data/data-source.ts) that serves the
 * batches from elsewhere (an image folder decoded on the fly): same seed, same batches, same
 * result; a source trains a reconstruction (y null). Async: yields to the event loop at least every 10 ms (between batches) so progress can be
 * printed and an AbortSignal honoured. Same seed and data give the same result.
 * A non-finite loss stops training with TRAINING_DIVERGED and leaves the weights of the
 * last completed epoch (or the initial ones) in place.
 */
export async function fit(net: Network, data: Tensor | DataSource, y: Tensor | null, options: FitOptions = {}): Promise<TrainingRecord> {
  const {
    epochs = FIT_DEFAULTS.epochs,
    batchSize = FIT_DEFAULTS.batchSize,
    learningRate = FIT_DEFAULTS.learningRate,
    optimizer: optimizerKind = 'adam',
    momentum = 0.9,
    weightDecay = 0,
    seed = 0,
    shuffle = true,
    precision = 'float32',
  } = options;
  if (!PRECISIONS.includes(precision)) throw invalid(`precision must be ${PRECISIONS.join(' or ')}, got '${String(precision)}'`);
  if (!Number.isInteger(epochs) || epochs < 1) throw invalid(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalid(`batch size must be a positive integer, got ${batchSize}`);
  const checkpoint = options.checkpoint;
  if (checkpoint && !(Number.isInteger(checkpoint.every) && checkpoint.every >= 1))
    throw invalid(`checkpoint.every must be a positive integer (epochs), got ${checkpoint.every}`);
  const lossFn: Loss = typeof options.loss === 'object' ? options.loss : new ReconstructionLoss(options.loss ?? 'mse');
  const optimizer = new Optimizer({ kind: optimizerKind, learningRate, momentum, weightDecay });

  // A DataSource serves its batches itself; everything else about the loop is the same.
  const source = isDataSource(data) ? data : null;
  if (source && y) throw invalid('a DataSource trains a reconstruction: pass y = null (targets are the inputs)');
  const x: Tensor = source ? { shape: [source.length, ...source.sampleShape], data: new Float32Array(0) } : (data as Tensor);
  checkInput(net, x, 'training data');
  let target = y ?? x;
  if (!sameShape(target.shape.slice(1), net.outputShape) || target.shape[0] !== x.shape[0])
    throw shapeMismatch(`targets have shape ${shapeToString(target.shape)}, the network outputs [${x.shape[0]}, ${net.outputShape.join(', ')}]`);

  let trainX = x;
  /** The rows of a DataSource that train (the rest validate); null = all of them. */
  let sourceTrainRows: Uint32Array | null = null;
  let validation: { x: Tensor; y: Tensor } | { rows: Uint32Array } | null = options.validationData
    ? { x: options.validationData.x, y: options.validationData.y ?? options.validationData.x }
    : null;
  if (!validation && options.validationSplit !== undefined) {
    const f = options.validationSplit;
    if (!(f > 0 && f < 1)) throw invalid(`validation split must be in (0, 1), got ${f}`);
    const { held: valIdx, kept: trainIdx } = holdOutRows(x.shape[0], f, new Rng(RANDOM_STREAMS.validationSplit(seed)), `validation split ${f} of the training data`);
    if (source) {
      validation = { rows: valIdx };
      sourceTrainRows = trainIdx;
      trainX = { shape: [trainIdx.length, ...source.sampleShape], data: x.data };
      target = trainX;
    } else {
      validation = { x: gatherRows(x, valIdx), y: gatherRows(target, valIdx) };
      trainX = gatherRows(x, trainIdx);
      target = y ? gatherRows(target, trainIdx) : trainX;
    }
  }
  if (validation && 'x' in validation) {
    checkInput(net, validation.x, 'validation data');
    if (!sameShape(validation.y.shape.slice(1), net.outputShape)) throw shapeMismatch('validation targets do not match the network output');
  }

  const n = trainX.shape[0];
  if (n < 1) throw invalid('training data is empty');
  const reconstruct = target === trainX;
  const batches = Math.ceil(n / batchSize);
  const params = net.params();
  const shuffler = new EpochShuffler(n, seed, shuffle);
  const rng = shuffler.rng;
  const record: TrainingRecord = {
    epochs: [],
    bestEpoch: 0,
    stoppedEarly: false,
    seconds: 0,
    samplesPerSecond: 0,
    options: { epochs, batchSize, learningRate, optimizer: optimizerKind, loss: lossFn.kind, seed, weightDecay, validationSplit: options.validationSplit, earlyStopping: options.earlyStopping },
  };
  const early = options.earlyStopping;
  // Everything below that changes the result: a resumed run must have the same.
  const resultOptions = {
    ...record.options,
    momentum: optimizerKind === 'sgd' ? momentum : undefined,
    precision,
    shuffle,
    trainingRows: n,
    validationRows: validation === null ? 0 : 'rows' in validation ? validation.rows.length : validation.x.shape[0],
    transformInput: options.transformInput !== undefined,
  };
  const parts = { net, optimizer, shuffler };
  const loop: LoopState = options.resumeFrom
    ? restoreTrainingState(parts, options.resumeFrom, resultOptions)
    : { best: { loss: Infinity, epoch: 0, weights: null }, sinceImprovement: 0, samplesSeen: 0, epochs: [], stoppedEarly: false };
  const firstEpoch = (options.resumeFrom?.epoch ?? 0) + 1;
  if (firstEpoch > epochs + 1) throw invalid(`the training state has ${firstEpoch - 1} epochs done, more than the ${epochs} asked for`);
  record.epochs = loop.epochs;
  record.stoppedEarly = loop.stoppedEarly;
  let lastGood = snapshotWeights(net);
  const start = performance.now() - (options.resumeFrom?.record.seconds ?? 0) * 1000;

  // Reusable batch buffers: a full batch and the last partial one.
  const batchBuffers = new Map<number, { x: Tensor; y: Tensor; grad: Tensor }>();
  const buffersFor = (size: number) => {
    let b = batchBuffers.get(size);
    if (!b) {
      const bx = tensor([size, ...trainX.shape.slice(1)]);
      b = { x: bx, y: reconstruct ? bx : tensor([size, ...target.shape.slice(1)]), grad: tensor([size, ...net.outputShape]) };
      batchBuffers.set(size, b);
    }
    return b;
  };

  const checkLoss = (loss: number, epoch: number, b: number) => {
    if (Number.isFinite(loss)) return;
    restoreWeights(net, lastGood);
    throw new HourglassError(
      'TRAINING_DIVERGED',
      `loss became ${loss} in epoch ${epoch}, batch ${b + 1}: training stopped and the weights of epoch ${epoch - 1} were kept; try a lower learning rate (now ${learningRate}) or check the data for extreme values`,
    );
  };

  let lastYield = performance.now();
  let fusedGathers = !options.transformInput && net.fusedTrainStep !== undefined;
  for (let epoch = firstEpoch; epoch <= epochs && !record.stoppedEarly; epoch++) {
    const epochStart = performance.now();
    const order = shuffler.next();
    let lossSum = 0;
    // A source is asked for the epoch's rows in the shuffled order: the batches a tensor would give.
    const sourceBatches = source ? source.batches(sourceTrainRows ? order.map((i) => sourceTrainRows![i]) : Uint32Array.from(order), batchSize)[Symbol.asyncIterator]() : null;
    try {
    for (let b = 0; b < batches; b++) {
      if (options.signal?.aborted) throw new HourglassError('ABORTED', `training aborted in epoch ${epoch}, batch ${b + 1}`);
      const lo = b * batchSize;
      const hi = Math.min(n, lo + batchSize);
      const rows = source ? null : order.subarray(lo, hi);
      const update = optimizer.prepare(params);
      // A network that fuses the step gathers the batch and applies the update itself: one
      // native call per batch (a non-finite loss restores the last good weights all the same).
      const fused = rows && fusedGathers ? (net.fusedTrainStep!(trainX, target, lossFn, precision, { rows, update: update.adam ?? undefined }) ?? null) : null;
      // A network that declines once declines every batch (same network, loss and precision).
      if (fused === null) fusedGathers = false;
      let loss: number;
      if (fused !== null) {
        loss = fused;
        checkLoss(loss, epoch, b);
        if (!update.adam) update.apply(); // the step applies Adam only
      } else {
        const buf = source ? { ...buffersFor(hi - lo), x: await nextSourceBatch(sourceBatches!, hi - lo, epoch, b) } : buffersFor(hi - lo);
        if (source) buf.y = buf.x;
        else {
          gatherRows(trainX, rows!, buf.x);
          if (!reconstruct) gatherRows(target, rows!, buf.y);
        }
        const input = options.transformInput ? options.transformInput(buf.x, rng) : buf.x;
        // A network may compute loss and gradients in one native call; otherwise layer by layer.
        const fusedLoss = net.fusedTrainStep?.(input, buf.y, lossFn, precision) ?? null;
        if (fusedLoss === null && precision !== 'float32')
          throw invalid(`precision '${precision}' is available for dense autoencoders (Dense layers and activations, no dropout) trained with the mse loss; use 'float32' for this model`);
        const out = fusedLoss === null ? net.forward(input, true) : null;
        loss = out ? lossFn.value(out, buf.y) : fusedLoss!;
        checkLoss(loss, epoch, b);
        if (out) {
          lossFn.gradient(out, buf.y, buf.grad);
          net.backward(buf.grad);
        }
        update.apply();
      }
      lossSum += loss * (hi - lo);
      loop.samplesSeen += hi - lo;
      if (options.onBatchEnd) {
        const elapsed = (performance.now() - start) / 1000;
        const rate = loop.samplesSeen / Math.max(elapsed, 1e-9);
        const remaining = (epochs - epoch) * n + (n - hi);
        options.onBatchEnd({ epoch, epochs, batch: b + 1, batches, loss: lossSum / hi, samplesPerSecond: rate, etaSeconds: remaining / rate });
      }
      // Let timers, I/O and abort signals run between batches, every few milliseconds: a
      // yield per batch cost 1-2% of a small model's training time.
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    } finally {
      // Stops a source's work ahead when the epoch ends early (an error, an abort).
      await sourceBatches?.return?.();
    }
    if (!weightsAreFinite(net)) {
      restoreWeights(net, lastGood);
      throw new HourglassError('TRAINING_DIVERGED', `weights became non-finite in epoch ${epoch}; the weights of epoch ${epoch - 1} were kept; try a lower learning rate`);
    }
    lastGood = snapshotWeights(net, lastGood);
    const seconds = (performance.now() - epochStart) / 1000;
    const entry: EpochRecord = { epoch, loss: lossSum / n, seconds, samplesPerSecond: n / seconds };
    if (validation) entry.valLoss = 'rows' in validation ? await evaluateSourceLoss(net, source!, validation.rows, lossFn, batchSize) : evaluateLoss(net, validation.x, validation.y, lossFn, batchSize);
    record.epochs.push(entry);
    options.onEpochEnd?.(entry);

    const monitored = entry.valLoss ?? entry.loss;
    const { best } = loop;
    if (monitored < best.loss - (early?.minDelta ?? 0)) {
      loop.best = { loss: monitored, epoch, weights: early ? snapshotWeights(net, best.weights ?? undefined) : null };
      loop.sinceImprovement = 0;
    } else if (early && ++loop.sinceImprovement >= early.patience) {
      record.stoppedEarly = loop.stoppedEarly = true;
    }
    if (checkpoint && epoch % checkpoint.every === 0)
      await checkpoint.save(captureTrainingState(parts, epoch, loop, resultOptions, (performance.now() - start) / 1000));
  }
  const { best } = loop;
  const restoreBest = early && (early.restoreBestWeights ?? true) && best.weights && best.epoch !== record.epochs.length;
  if (restoreBest && best.weights) restoreWeights(net, best.weights);
  record.bestEpoch = restoreBest ? best.epoch : record.epochs.length;
  record.seconds = (performance.now() - start) / 1000;
  record.samplesPerSecond = loop.samplesSeen / record.seconds;
  return record;
}

/** Mean loss over a data set, in inference mode, in batches. */
export function evaluateLoss(net: Network, x: Tensor, y: Tensor, loss: Loss, batchSize = 1024): number {
  let sum = 0;
  const n = x.shape[0];
  for (let lo = 0; lo < n; lo += batchSize) {
    const hi = Math.min(n, lo + batchSize);
    const out = net.forward(sliceRows(x, lo, hi), false);
    sum += loss.value(out, sliceRows(y, lo, hi)) * (hi - lo);
  }
  return sum / n;
}

/** evaluateLoss over rows of a DataSource (reconstruction): the same batches, the same sum. */
export async function evaluateSourceLoss(net: Network, source: DataSource, rows: Uint32Array, loss: Loss, batchSize = 1024): Promise<number> {
  let sum = 0;
  for await (const batch of source.batches(rows, batchSize)) {
    const out = net.forward(batch, false);
    sum += loss.value(out, batch) * batch.shape[0];
  }
  return sum / rows.length;
}

async function nextSourceBatch(batches: AsyncIterator<Tensor>, expected: number, epoch: number, b: number): Promise<Tensor> {
  const next = await batches.next();
  if (next.done || next.value.shape[0] !== expected)
    throw new HourglassError('BAD_DATA', `the data source gave ${next.done ? 'no' : `a ${next.value.shape[0]}-sample`} batch for epoch ${epoch}, batch ${b + 1}; ${expected} samples were asked for`);
  return next.value;
}

function checkInput(net: Network, x: Tensor, what: string): void {
  if (!sameShape(x.shape.slice(1), net.inputShape))
    throw shapeMismatch(`${what} has shape ${shapeToString(x.shape)}; the model expects [n, ${net.inputShape.join(', ')}] (${sizeOf(net.inputShape)} values per sample)`);
}
