import { defaultText, opt, type Command, type OptionSpec, type OptionValues } from '../command.js';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { DEFAULT_MEMORY_BUDGET_MB } from '../image-stream-plan.js';
import { DATA_HELP } from '../datasets.js';
import { ID_COLUMN_HELP } from '../id-column.js';
import { DATA_DEFAULTS } from '../../models/defaults.js';
import { trainRun, type TrainRunOptions } from '../train-run.js';
import { CHECKPOINT_FILE, resumedOptions } from '../train-resume.js';

/** Options shared by `train` and `demo`. */
export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', description: `training data: ${DATA_HELP}`, default: 'fashion-mnist' },
  { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)' },
  { name: 'id-column', type: 'string', description: ID_COLUMN_HELP },
  { name: 'test-data', type: 'string', description: 'test data file (default: the Fashion-MNIST test split, or --test-split of a file)' },
  { name: 'test-split', type: 'number', description: 'fraction of a data file held out as test data when --test-data is not given', default: 0.1 },
  { name: 'limit', type: 'number', description: 'use only the first N training samples' },
  { name: 'arch', type: 'string', description: 'architecture: dense or conv', default: 'dense' },
  { name: 'hidden', type: 'list', description: 'dense: encoder hidden widths (decoder mirrors them)', default: [256, 64] },
  { name: 'filters', type: 'list', description: 'conv: filters per stage, each stage halving the maps (default: by input size, printed; 32,64 below 64 px, 32,64,... up to 256 until the maps are 8x8 from 64 px)' },
  { name: 'depth', type: 'number', description: 'conv: number of stages when --filters is not given, widths doubling from 32 up to 256 (default: by input size)' },
  { name: 'downsample', type: 'string', description: 'conv: pool (3x3 conv, then 2x2 max pooling) or stride (3x3 conv of stride 2) (default: pool below 64 px, stride from 64 px)' },
  { name: 'batch-norm', type: 'flag', description: 'conv: batch normalisation after each convolution; --no-batch-norm turns it off (default: off below 64 px, on from 64 px)' },
  { name: 'bottleneck', type: 'number', description: 'latent size (dense: units, default 32; conv: dense waist, 0 for none, default none below 64 px and 256 from 64 px)' },
  { name: 'activation', type: 'string', description: 'hidden activation: relu, leaky_relu, tanh, sigmoid (default: relu; conv from 64 px: leaky_relu)' },
  { name: 'output-activation', type: 'string', description: `sigmoid (data in [0,1]) or linear (default: ${DATA_DEFAULTS.images.outputActivation} for images, ${DATA_DEFAULTS.table.outputActivation} for tables)` },
  { name: 'scaler', type: 'string', description: `none, minmax or standard (default: ${DATA_DEFAULTS.images.scaler} for images, ${DATA_DEFAULTS.table.scaler} for tables)` },
  { name: 'dropout', type: 'number', description: 'dropout probability after hidden layers (dense)', default: 0 },
  { name: 'loss', type: 'string', description: 'mse, bce or mae', default: 'mse' },
  { name: 'optimizer', type: 'string', description: 'adam or sgd', default: 'adam' },
  { name: 'momentum', type: 'number', description: 'SGD momentum', default: 0.9 },
  { name: 'weight-decay', type: 'number', description: 'L2 weight decay', default: 0 },
  { name: 'epochs', type: 'number', description: 'training epochs', default: 20 },
  { name: 'batch-size', type: 'number', description: 'mini-batch size', default: 256 },
  { name: 'lr', type: 'number', description: 'learning rate', default: 1e-3 },
  { name: 'precision', type: 'string', description: 'float32, or bfloat16 (mixed precision: about 1.4x faster dense training on CPUs with AVX512-BF16)', default: 'float32' },
  { name: 'seed', type: 'number', description: 'random seed (same seed + same data = same model)', default: 0 },
  { name: 'validation-split', type: 'number', description: 'fraction of the training data held out for val_loss' },
  { name: 'patience', type: 'number', description: 'early stopping: epochs without val_loss improvement (restores the best weights)' },
  { name: 'out', type: 'string', description: 'run directory (default runs/<arch>-<time>)' },
  { name: 'overwrite', type: 'flag', description: 'allow writing into an existing, non-empty run directory' },
  { name: 'progress', type: 'flag', description: 'live progress line (default on a terminal; --no-progress to hide)' },
  ...IMAGE_OPTIONS,
  { name: 'stream', type: 'flag', description: `image folders: stream from disk (decode on the fly) instead of decoding into memory; --no-stream forces memory (default: stream above --memory-budget)` },
  { name: 'memory-budget', type: 'number', description: `image folders: decoded float32 size in MB above which training streams (default ${DEFAULT_MEMORY_BUDGET_MB})` },
  { name: 'cache', type: 'string', description: 'image folders, streamed: folder for a decoded uint8 cache, filled by the first epoch and reused by later epochs and runs' },
];

export function trainRunOptions(o: OptionValues): TrainRunOptions {
  return {
    data: opt.string(o, 'data') as string,
    dataDir: opt.string(o, 'data-dir'),
    idColumn: opt.string(o, 'id-column'),
    testData: opt.string(o, 'test-data'),
    testSplit: opt.number(o, 'test-split') as number,
    limit: opt.number(o, 'limit'),
    images: imageReadOptions(o),
    stream: o.stream as boolean | undefined,
    memoryBudgetMb: opt.number(o, 'memory-budget'),
    cacheDir: opt.string(o, 'cache'),
    arch: opt.string(o, 'arch') as string,
    hidden: opt.list(o, 'hidden') as number[],
    filters: opt.list(o, 'filters'),
    depth: opt.number(o, 'depth'),
    downsample: opt.string(o, 'downsample'),
    bottleneck: opt.number(o, 'bottleneck'),
    // Unset, the conv preset picks by input size; --no-batch-norm is false.
    batchNorm: o['batch-norm'] as boolean | undefined,
    activation: opt.string(o, 'activation'),
    outputActivation: opt.string(o, 'output-activation'),
    scaler: opt.string(o, 'scaler'),
    dropout: opt.number(o, 'dropout') as number,
    loss: opt.string(o, 'loss') as string,
    optimizer: opt.string(o, 'optimizer') as string,
    momentum: opt.number(o, 'momentum') as number,
    weightDecay: opt.number(o, 'weight-decay') as number,
    epochs: opt.number(o, 'epochs') as number,
    batchSize: opt.number(o, 'batch-size') as number,
    lr: opt.number(o, 'lr') as number,
    precision: opt.string(o, 'precision') as string,
    seed: opt.number(o, 'seed') as number,
    validationSplit: opt.number(o, 'validation-split'),
    patience: opt.number(o, 'patience'),
    out: opt.string(o, 'out'),
    overwrite: opt.flag(o, 'overwrite'),
    progress: o.progress as boolean | undefined,
  };
}

const CHECKPOINT_OPTIONS: readonly OptionSpec[] = [
  { name: 'checkpoint-every', type: 'number', description: `write the run directory's ${CHECKPOINT_FILE} every N epochs, to go on after a crash with --resume (default: off)` },
  { name: 'resume', type: 'string', description: `continue the run in DIR from its ${CHECKPOINT_FILE} to the same model an uninterrupted run makes; options left out are the run's, options given must match them (default: not set)` },
];

/**
 * `train` declares no defaults to the parser (its --help still shows them) so that, with
 * --resume, the options given can be told from those left out.
 */
const defaultsInDescription = (spec: OptionSpec): OptionSpec => (spec.default === undefined ? spec : { ...spec, default: undefined, description: spec.description + defaultText(spec) });

function withDefaults(o: OptionValues): OptionValues {
  const filled = { ...o };
  for (const spec of TRAIN_OPTIONS) if (filled[spec.name] === undefined && spec.default !== undefined) filled[spec.name] = spec.default;
  return filled;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train an autoencoder and write the model, metrics and report pictures to a run directory',
  options: [...TRAIN_OPTIONS.map(defaultsInDescription), ...CHECKPOINT_OPTIONS],
  async run(given) {
    const resumeDir = opt.string(given, 'resume');
    const { options, checkpoint } = resumeDir !== undefined ? await resumedOptions(resumeDir, given) : { options: withDefaults(given), checkpoint: undefined };
    await trainRun({ ...trainRunOptions(options), checkpointEvery: opt.number(options, 'checkpoint-every'), commandOptions: options, resumeFrom: checkpoint });
  },
};
