import path from 'node:path';
import type { ImageReadOptions } from '../data/image-set-reader.js';
import { mkdir } from 'node:fs/promises';
import { invalid } from '../core/errors.js';
import { PRECISIONS, type Precision } from '../core/types.js';
import { gatherRows, sizeOf, type Tensor } from '../core/tensor.js';
import { PCA } from '../models/pca.js';
import { Rng } from '../core/rng.js';
import { checkLossKind } from '../train/loss.js';
import type { Autoencoder } from '../models/autoencoder.js';
import { buildAutoencoder, describeBuild, type BuildOptions } from '../models/build.js';
import { scalerByName } from '../data/scaler.js';
import { holdOutRows } from '../data/dataset.js';
import { defaultOutputActivation, defaultScaler, type DataKind } from '../models/defaults.js';
import { writeTrainingReport, type PcaBaseline } from '../report/training-report.js';
import { loadData, type LoadedData } from './datasets.js';
import { planImageData, streamedTrainAndTest } from './image-stream-plan.js';
import { ProgressPrinter } from './progress.js';
import { describeModel } from './describe.js';
import { checkRunDirectory, defaultRunDirectory } from './run-directory.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';
import type { Checkpoint } from '../train/checkpoint-file.js';
import type { OptionValues } from './command.js';
import { CHECKPOINT_FILE, checkResumable, checkpointWriter } from './train-resume.js';

export interface TrainRunOptions {
  data: string;
  dataDir?: string;
  /** --id-column of a CSV: dropped from the features. */
  idColumn?: string;
  testData?: string;
  testSplit: number;
  limit?: number;
  /** How image folders are read (--channels, --size, --fit, --skip-bad). */
  images?: ImageReadOptions;
  /** Image folders: true = stream from disk, false = decode into memory, undefined = by --memory-budget. */
  stream?: boolean;
  /** Decoded float32 size (MB) above which an image folder streams. */
  memoryBudgetMb?: number;
  /** Folder of the decoded uint8 cache of a streamed folder. */
  cacheDir?: string;
  arch: string;
  hidden: number[];
  filters?: number[];
  depth?: number;
  downsample?: string;
  bottleneck?: number;
  batchNorm?: boolean;
  activation?: string;
  outputActivation?: string;
  scaler?: string;
  dropout: number;
  loss: string;
  optimizer: string;
  momentum: number;
  weightDecay: number;
  epochs: number;
  batchSize: number;
  lr: number;
  precision: string;
  seed: number;
  validationSplit?: number;
  patience?: number;
  out?: string;
  overwrite: boolean;
  progress?: boolean;
  /** --checkpoint-every: epochs between checkpoints in the run directory (train-resume.ts). */
  checkpointEvery?: number;
  /** The command line as parsed, stored in each checkpoint so that --resume can compare. */
  commandOptions?: OptionValues;
  /** --resume: the checkpoint to continue from; the run directory is `out`. */
  resumeFrom?: Checkpoint;
}

export interface TrainRunResult {
  model: Autoencoder;
  dir: string;
  testMse: number;
}

/** The whole `hourglass train` job: data, model, training, evaluation, model file and report. */
export async function trainRun(o: TrainRunOptions, log: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<TrainRunResult> {
  const loss = checkLossKind(o.loss);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw invalid(`--optimizer must be adam or sgd, got '${o.optimizer}'`);
  if (!(PRECISIONS as readonly string[]).includes(o.precision)) throw invalid(`--precision must be ${PRECISIONS.join(' or ')}, got '${o.precision}'`);
  const dir = o.out ?? defaultRunDirectory(o.arch);
  // A resumed run continues in its own directory, which holds its checkpoint by design.
  if (!o.resumeFrom) {
    const run = await checkRunDirectory(dir, o.overwrite, { '--data': o.data, '--test-data': o.testData });
    // A failed run removes what it wrote, except its checkpoint: that is what --resume continues from.
    if (o.checkpointEvery !== undefined) run.keepOnFailure(CHECKPOINT_FILE);
  }
  if (o.checkpointEvery !== undefined && !(Number.isInteger(o.checkpointEvery) && o.checkpointEvery >= 1))
    throw invalid(`--checkpoint-every must be a positive whole number of epochs, got ${o.checkpointEvery}`);

  // An image folder above the memory budget streams from disk (image-stream-plan.ts); everything else is decoded into memory.
  const plan = await planImageData(o.data, 'train', { ...(o.images ?? { size: null, fit: 'cover' }), limit: o.limit }, { force: o.stream, memoryBudgetMb: o.memoryBudgetMb });
  if (plan) log(plan.line);
  let streamed: Awaited<ReturnType<typeof streamedTrainAndTest>> | null = null;
  if (plan?.stream) {
    if (o.resumeFrom || o.checkpointEvery !== undefined) throw invalid('--checkpoint-every and --resume keep the training data with the checkpoint; with a streamed folder, pass --no-stream or train without checkpoints');
    streamed = await streamedTrainAndTest(o.data, plan, { images: o.images ?? { size: null, fit: 'cover' }, testData: o.testData, testSplit: o.testSplit, seed: o.seed, cacheDir: o.cacheDir });
    if (streamed.skipped > 0) log(`hourglass: skipped ${streamed.skipped} unreadable image${streamed.skipped === 1 ? '' : 's'} (--skip-bad)`);
  }
  const { train, test } = streamed
    ? { train: { source: streamed.sourceText, imageShape: [...streamed.source.sampleShape], x: { shape: [streamed.source.length, ...streamed.source.sampleShape], data: new Float32Array(0) } }, test: streamed.test }
    : await loadTrainAndTest(o);
  // Cheap checks before the expensive work: found after training, they would waste it.
  if (train.x.shape[0] < 2) throw invalid(`${train.source} holds ${train.x.shape[0]} training sample${train.x.shape[0] === 1 ? '' : 's'}; training needs at least 2`);
  if (test.x.shape.slice(1).join('x') !== train.x.shape.slice(1).join('x'))
    throw invalid(`the test data ${test.source} has samples of shape [${test.x.shape.slice(1).join(', ')}], the training data [${train.x.shape.slice(1).join(', ')}]; give --test-data of the same width`);
  if (o.resumeFrom) checkResumable(o.resumeFrom, train.x, dir);
  const kind: DataKind = train.imageShape !== null ? 'images' : 'table';
  if (streamed && o.scaler !== undefined && o.scaler !== 'none') throw invalid(`--scaler ${o.scaler} needs the whole data set to fit it; a streamed folder trains with --scaler none (images are already in [0, 1])`);
  const scaler = o.scaler !== undefined ? scalerByName(o.scaler) : defaultScaler(kind);
  const buildOptions: BuildOptions = {
    arch: o.arch,
    inputShape: train.x.shape.slice(1),
    hidden: o.hidden,
    filters: o.filters,
    depth: o.depth,
    downsample: o.downsample,
    bottleneck: o.bottleneck,
    batchNorm: o.batchNorm,
    activation: o.activation,
    outputActivation: o.outputActivation ?? defaultOutputActivation(kind, scaler),
    dropout: o.dropout,
    scaler,
    seed: o.seed,
  };
  const model = buildAutoencoder(buildOptions);
  const picked = describeBuild(buildOptions);
  log(`hourglass: training a ${o.arch} autoencoder on ${train.source} (${train.x.shape[0]} samples, ${test.x.shape[0]} test) -> ${dir}`);
  if (picked) log(`hourglass: ${picked}`);
  log(describeModel(model));
  if (o.resumeFrom) log(`hourglass: resuming after epoch ${o.resumeFrom.state.epoch} from ${path.join(dir, CHECKPOINT_FILE)}`);
  if (o.checkpointEvery !== undefined) await mkdir(dir, { recursive: true });

  const printer = new ProgressPrinter(process.stderr, o.progress ?? process.stderr.isTTY === true);
  const { history: record } = await model.fit(streamed?.source ?? train.x, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.lr,
    precision: o.precision as Precision,
    optimizer: o.optimizer,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    loss,
    seed: o.seed,
    validationSplit: o.validationSplit,
    earlyStopping: o.patience !== undefined ? { patience: o.patience } : undefined,
    onBatchEnd: printer.batch,
    onEpochEnd: (r) => printer.epoch(r, o.epochs),
    checkpoint: o.checkpointEvery !== undefined ? { every: o.checkpointEvery, save: checkpointWriter(dir, o.commandOptions ?? {}, train.x) } : undefined,
    resumeFrom: o.resumeFrom?.state,
  });
  await streamed?.source.close();
  const testMse = model.evaluate(test.x).mse;
  // The PCA baseline needs the training data in memory: skipped when it streamed.
  const pca = streamed ? null : await pcaBaseline(model, train.x, test.x);
  await mkdir(dir, { recursive: true });
  await model.save(path.join(dir, 'model.safetensors'));
  await writeTrainingReport(dir, { model, record, test, testMse, train: train.source, pca });
  log(
    `hourglass: test MSE ${testMse.toFixed(5)} after ${record.epochs.length} epochs (${Math.round(record.samplesPerSecond).toLocaleString('en-US')} samples/s); ` +
      `wrote ${path.join(dir, 'model.safetensors')}, metrics.json, loss-curve.png${kind === 'images' ? ', reconstructions.png' : ''}`,
  );
  if (pca) {
    const change = ((testMse - pca.testMse) / pca.testMse) * 100;
    log(`hourglass: PCA with ${pca.components} components on the same data: test MSE ${pca.testMse.toFixed(5)} (the autoencoder's is ${Math.abs(change).toFixed(1)}% ${change <= 0 ? 'lower' : 'higher'})`);
  }
  return { model, dir, testMse };
}

/**
 * PCA with as many components as the bottleneck has units, fitted on the same training
 * data in the model's (scaled) space: the linear baseline every autoencoder is judged by.
 * Skipped when the code is larger than the data allows PCA to match.
 */
export async function pcaBaseline(model: Autoencoder, trainX: Tensor, testX: Tensor): Promise<PcaBaseline | null> {
  const k = model.latentSize;
  const features = sizeOf(model.inputShape);
  if (k >= Math.min(trainX.shape[0], features)) return null;
  // The autoencoder's fitted scaler: both models measure errors in the same space.
  const pca = await new PCA({ nComponents: k, seed: 0, scaler: model.scaler }).fit(trainX);
  return { components: k, testMse: pca.evaluate(testX).mse, reconstruct: (x) => pca.reconstruct(x) };
}

async function loadTrainAndTest(o: TrainRunOptions): Promise<{ train: LoadedData; test: LoadedData }> {
  const train = await loadData(o.data, 'train', { limit: o.limit, dataDir: o.dataDir, idColumn: o.idColumn, images: o.images });
  if (o.testData) return { train, test: await loadData(o.testData, 'test', { dataDir: o.dataDir, idColumn: o.testData.toLowerCase().endsWith('.csv') ? o.idColumn : undefined, images: o.images }) };
  if (o.data === 'fashion-mnist') return { train, test: await loadData('fashion-mnist', 'test', { dataDir: o.dataDir }) };
  if (!(o.testSplit > 0 && o.testSplit < 1)) throw invalid(`--test-split must be in (0, 1), got ${o.testSplit}`);
  const rows = holdOutRows(train.x.shape[0], o.testSplit, new Rng(RANDOM_STREAMS.testSplit(o.seed)), `${o.data} (pass --test-data)`);
  const testPart = { ...train, x: gatherRows(train.x, rows.held), source: `${train.source} (held-out ${o.testSplit})` };
  return { train: { ...train, x: gatherRows(train.x, rows.kept) }, test: testPart };
}

