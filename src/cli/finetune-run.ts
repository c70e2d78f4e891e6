import path from 'node:path';
import type { ImageReadOptions } from '../data/image-set-reader.js';
import { mkdir } from 'node:fs/promises';
import { HourglassError, invalid, shapeMismatch } from '../core/errors.js';
import { gatherRows, sizeOf } from '../core/tensor.js';
import { Rng } from '../core/rng.js';
import { loadModelFile } from '../io/model-file.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { Autoencoder } from '../models/autoencoder.js';
import { Classifier, FINE_TUNE_MODES, type FineTuneMode } from '../models/classifier.js';
import { balancedSample } from '../data/balanced-sample.js';
import { holdOutRows } from '../data/dataset.js';
import { checkLabels } from '../train/cross-entropy.js';
import { formatClassificationReport, type ClassificationMetrics } from '../metrics/classification.js';
import { confusionMatrixPlot } from '../report/confusion-matrix-plot.js';
import { svgToPng } from '../report/svg.js';
import { fineTuneRecipe } from '../apps/finetune/recipe.js';
import { fineTuneClassifier, type FineTuneRecord } from '../apps/finetune/fine-tune.js';
import type { EpochRecord } from '../train/fit.js';
import { featureLayers } from '../apps/finetune/pretrain.js';
import { classifierFromAutoencoder } from '../apps/finetune/classifier-from-autoencoder.js';
import { fineTuneWithPropagation } from '../apps/finetune/propagation.js';
import { semiSupervisedTerms } from '../apps/finetune/regularizers.js';
import { checkRunDirectory, defaultRunDirectory } from './run-directory.js';
import { classNamesFor, loadLabelledData, type LabelledData } from './labels.js';
import { ProgressPrinter } from './progress.js';
import { parseAugmentation } from '../train/image-shift.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';

export interface FinetuneRunOptions {
  pretrained: string;
  data: string;
  dataDir?: string;
  labelFile?: string;
  /** How image folders are read (--channels, --size, --fit, --skip-bad). */
  images?: ImageReadOptions;
  testData?: string;
  testLabelFile?: string;
  testSplit: number;
  /** Score on the first N test samples only (quick runs). */
  testLimit?: number;
  /** Labelled training samples to use (class-balanced); all when undefined. */
  labels?: number;
  classes?: number;
  mode: string;
  encoderLrScale: number;
  /** Hidden widths of the head; [] for a linear head; default from the recipe. */
  head?: number[];
  headDropout?: number;
  encoderLayers?: number;
  init: string;
  /** 'none' or 'shift:N' (parseAugmentation). */
  augment?: string;
  /** 'none' or 'propagation' (label propagation over the unlabelled training samples). */
  semiSupervised?: string;
  neighbours?: number;
  propagationRounds?: number;
  reconstructionWeight?: number;
  pseudoLabelWeight?: number;
  pseudoLabelThreshold?: number;
  l2sp?: number;
  unlabelledBatch?: number;
  epochs?: number;
  probeEpochs?: number;
  batchSize?: number;
  lr?: number;
  probeLr?: number;
  weightDecay?: number;
  seed: number;
  validationSplit?: number;
  patience?: number;
  out?: string;
  overwrite: boolean;
  progress?: boolean;
}

export interface FinetuneRunResult {
  model: Classifier;
  dir: string;
  metrics: ClassificationMetrics;
}

/** Parses --head: 'linear' (or 'none') for a softmax-regression head, else comma-separated widths. */
export function parseHead(spec: string): number[] {
  const s = spec.trim().toLowerCase();
  if (s === 'linear' || s === 'none' || s === '') return [];
  const widths = s.split(',').map((p) => Number(p.trim()));
  if (widths.some((w) => !Number.isInteger(w) || w < 1)) throw invalid(`--head expects 'linear' or comma-separated widths such as 256,128; got '${spec}'`);
  return widths;
}

/** Loads --pretrained, refusing anything that is not an autoencoder with a message that says so. */
export async function loadPretrained(file: string): Promise<Autoencoder> {
  const contents = await loadModelFile(file);
  if (contents.kind !== 'autoencoder')
    throw new HourglassError(
      'MODEL_MISMATCH',
      `${file} holds a ${contents.kind} model; --pretrained needs an autoencoder (train one with 'hourglass train')`,
    );
  return Autoencoder.fromModelFile(contents, file);
}

/** The whole `hourglass finetune` job: pre-trained encoder + head, trained on N labels, evaluated, saved with a report. */
export async function finetuneRun(o: FinetuneRunOptions, log: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<FinetuneRunResult> {
  if (!FINE_TUNE_MODES.includes(o.mode as FineTuneMode)) throw invalid(`--mode must be one of ${FINE_TUNE_MODES.join(', ')}, got '${o.mode}'`);
  if (o.init !== 'pretrained' && o.init !== 'random') throw invalid(`--init must be pretrained or random, got '${o.init}'`);
  const semi = o.semiSupervised ?? 'none';
  if (semi !== 'none' && semi !== 'propagation') throw invalid(`--semi-supervised must be none or propagation, got '${semi}'`);
  checkSemiSupervisedOptions(o);
  const augment = parseAugmentation(o.augment ?? 'none');
  const dir = o.out ?? defaultRunDirectory('finetune');
  await checkRunDirectory(dir, o.overwrite, { '--pretrained': o.pretrained, '--data': o.data, '--label-file': o.labelFile, '--test-data': o.testData, '--test-label-file': o.testLabelFile });

  const pretrained = await loadPretrained(o.pretrained);
  const labelled = (await loadLabelledData(o.data, 'train', { dataDir: o.dataDir, labelFile: o.labelFile, images: o.images })) as LabelledData;
  const separateTest = await loadSeparateTest(o);
  const perSample = sizeOf(labelled.x.shape.slice(1));
  if (perSample !== sizeOf(pretrained.inputShape))
    throw shapeMismatch(
      `${o.pretrained} was trained on samples of shape [${pretrained.inputShape.join(', ')}] (${sizeOf(pretrained.inputShape)} values); ` +
        `${labelled.source} has [${labelled.x.shape.slice(1).join(', ')}] (${perSample} values): fine-tune on data like the pre-training data`,
    );
  // Classes from every label given, so a class that only the test data holds still gets a logit.
  const allLabels = separateTest ? [...labelled.labels, ...separateTest.labels] : labelled.labels;
  const classNames = classNamesFor({ labels: allLabels, classNames: labelled.classNames }, o.classes);
  checkLabels(labelled.labels, classNames.length, o.labelFile ?? `${labelled.source} labels`);
  if (separateTest) checkLabels(separateTest.labels, classNames.length, o.testLabelFile ?? `${separateTest.source} labels`);
  const { train, test: fullTest } = separateTest ? { train: labelled, test: separateTest } : holdOut(labelled, o);
  const test = limitSamples(fullTest, o.testLimit);

  const available = train.x.shape[0];
  const n = o.labels ?? available;
  if (!Number.isInteger(n) || n < 1) throw invalid(`--labels must be a positive integer, got ${n}`);
  if (n < classNames.length)
    throw invalid(`--labels ${n} is fewer than the ${classNames.length} classes: a class-balanced sample needs at least one labelled example per class`);
  if (n > available) throw invalid(`--labels ${n}: ${train.source} has only ${available} labelled samples`);
  const indices = n === available ? null : balancedSample(train.labels, n, { classes: classNames.length, seed: o.seed });
  const x = indices ? gatherRows(train.x, indices) : train.x;
  const y = indices ? Array.from(indices, (i) => train.labels[i]) : train.labels;

  if (semi === 'propagation' && n >= available)
    throw invalid(`--semi-supervised propagation spreads the labels to unlabelled samples, but all ${available} training samples are labelled; pass --labels N below ${available}`);
  // With propagation the classifier trains on every training sample (propagated labels): the recipe for that many.
  const recipe = fineTuneRecipe(semi === 'propagation' ? available : n);
  const mode = o.mode as FineTuneMode;
  const epochs = o.epochs ?? recipe.epochs;
  const schedule = {
    epochs,
    // A head-only warm-up helps pre-trained features only; from scratch there is nothing to protect.
    probeEpochs: mode === 'frozen' ? 0 : (o.probeEpochs ?? (o.init === 'random' ? 0 : Math.round((epochs * recipe.probeEpochs) / recipe.epochs))),
    learningRate: o.lr ?? recipe.learningRate,
    probeLearningRate: o.probeLr ?? recipe.probeLearningRate,
  };
  const batchSize = o.batchSize ?? recipe.batchSize;
  const weightDecay = o.weightDecay ?? recipe.weightDecay;
  const model = classifierFromAutoencoder(pretrained, {
    classNames,
    hidden: o.head ?? recipe.headHidden,
    dropout: o.headDropout ?? recipe.headDropout,
    mode,
    encoderLearningRateScale: o.encoderLrScale,
    weights: o.init as 'pretrained' | 'random',
    // Conv encoders with a dense waist: classify from the conv maps before it (measured better, docs/finetune.md).
    encoderLayers: o.encoderLayers ?? featureLayers(pretrained),
    seed: o.seed,
  });
  const what = o.init === 'random' ? 'randomly initialised copy of the encoder of' : 'pre-trained encoder of';
  const phases =
    mode === 'frozen'
      ? `${schedule.epochs} epochs at lr ${schedule.probeLearningRate}`
      : `${schedule.probeEpochs > 0 ? `${schedule.probeEpochs} head-only epochs at lr ${schedule.probeLearningRate}, then ` : ''}${schedule.epochs} epochs at lr ${schedule.learningRate}`;
  log(
    `hourglass: fine-tuning the ${what} ${o.pretrained} (${model.mode}${model.mode === 'discriminative' ? `, encoder lr x${model.encoderLearningRateScale}` : ''}) ` +
      `on ${n} labelled samples of ${train.source}${indices ? ' (class-balanced)' : ''}` +
        `${semi === 'propagation' ? `, their labels propagated to all ${available} training samples` : ''}; ${phases}, batch ${batchSize} -> ${dir}`,
  );
  log(`  features [${model.featureShape.join('x')}] -> head ${model.head.layers.map((l) => l.type).join(' ')} -> ${classNames.length} classes`);

  if (augment) {
    if (model.inputShape.length < 2)
      throw invalid(`--augment ${augment.spec} moves images, but the pre-trained model takes vectors of ${sizeOf(model.inputShape)} values; use --augment none`);
    log(`  augmentation: ${augment.description}`);
  }
  const printer = new ProgressPrinter(process.stderr, o.progress ?? process.stderr.isTTY === true);
  let phaseEpochs = schedule.epochs;
  const regularizers = semiSupervisedTerms(
    model,
    pretrained,
    train.x,
    { reconstructionWeight: o.reconstructionWeight, pseudoLabelWeight: o.pseudoLabelWeight, pseudoLabelThreshold: o.pseudoLabelThreshold, l2sp: o.l2sp, unlabelledBatchSize: o.unlabelledBatch },
    { init: o.init as 'pretrained' | 'random', seed: o.seed },
  );
  if (regularizers.length > 0) log(`  while the encoder trains, also: ${regularizers.map((r) => r.name).join(', ')} on the ${available} training samples`);
  const fitOptions = {
    batchSize,
    weightDecay,
    regularizers,
    augment,
    seed: o.seed,
    validationSplit: o.validationSplit,
    earlyStopping: o.patience !== undefined ? { patience: o.patience } : undefined,
    onBatchEnd: printer.batch,
    onPhaseStart: (phase: 'probe' | 'main', epochs: number) => {
      phaseEpochs = epochs;
      if (schedule.probeEpochs > 0) process.stderr.write(phase === 'probe' ? 'head only (encoder frozen):\n' : 'fine-tuning everything:\n');
    },
    onEpochEnd: (r: EpochRecord) => printer.epoch(r, phaseEpochs),
  };
  let propagation: { rounds: number; neighbours: number; meanConfidence: number[] } | null = null;
  let record: FineTuneRecord;
  if (semi === 'propagation') {
    const labelledIndex = indices as Uint32Array;
    const neighbours = o.neighbours ?? 20;
    const rounds = o.propagationRounds ?? 1;
    const run = await fineTuneWithPropagation(model, train.x, labelledIndex, y, schedule, {
      ...fitOptions,
      neighbours,
      rounds,
      onRound: (round, confidence) =>
        process.stderr.write(`label propagation${rounds > 1 ? ` (round ${round}/${rounds})` : ''}: ${n} labels spread to ${available} samples along a ${neighbours}-NN graph, mean confidence ${confidence.toFixed(3)}\n`),
    });
    record = run.rounds[run.rounds.length - 1].training;
    propagation = { rounds, neighbours, meanConfidence: run.rounds.map((r) => r.meanConfidence) };
  } else {
    record = await fineTuneClassifier(model, x, y, schedule, fitOptions);
  }
  const metrics = model.evaluate(test.x, test.labels);
  await mkdir(dir, { recursive: true });
  await model.save(path.join(dir, 'model.safetensors'));
  const summary = {
    pretrained: o.pretrained,
    train: train.source,
    test: test.source,
    labelled: n,
    classBalanced: indices !== null,
    mode: model.mode,
    encoderLearningRateScale: model.encoderLearningRateScale,
    init: o.init,
    head: model.head.layers.map((l) => l.config()),
    schedule: { ...schedule, batchSize, weightDecay },
    semiSupervised: semi,
    augment: augment?.spec ?? 'none',
    propagation,
    regularizers: regularizers.map((r) => r.name),
    featureShape: model.featureShape,
    seed: o.seed,
    testAccuracy: metrics.accuracy,
    testLoss: metrics.loss,
    testSamples: metrics.samples,
    perClass: metrics.perClass,
    confusion: metrics.confusion,
    classNames,
    training: record.main,
    probeTraining: record.probe,
  };
  await writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(summary, null, 2) + '\n');
  const title = `${test.source}: accuracy ${(metrics.accuracy * 100).toFixed(2)}% (${n} labels, ${model.mode})`;
  await writeFileAtomic(path.join(dir, 'confusion-matrix.png'), await svgToPng(confusionMatrixPlot({ title, confusion: metrics.confusion, classNames })));
  log(formatClassificationReport(metrics));
  log(
    `hourglass: test accuracy ${(metrics.accuracy * 100).toFixed(2)}% on ${metrics.samples} samples of ${test.source} ` +
      `(loss ${metrics.loss?.toFixed(4)}); wrote ${path.join(dir, 'model.safetensors')}, metrics.json, confusion-matrix.png`,
  );
  return { model, dir, metrics };
}

/** The test data when it is its own set: --test-data, or Fashion-MNIST's test split. */
async function loadSeparateTest(o: FinetuneRunOptions): Promise<LabelledData | null> {
  if (o.testData) return (await loadLabelledData(o.testData, 'test', { dataDir: o.dataDir, labelFile: o.testLabelFile, images: o.images })) as LabelledData;
  if (o.data === 'fashion-mnist') return (await loadLabelledData('fashion-mnist', 'test', { dataDir: o.dataDir })) as LabelledData;
  return null;
}

function limitSamples(data: LabelledData, limit: number | undefined): LabelledData {
  if (limit === undefined) return data;
  if (!Number.isInteger(limit) || limit < 1) throw invalid(`--test-limit must be a positive integer, got ${limit}`);
  if (limit >= data.x.shape[0]) return data;
  const idx = Uint32Array.from({ length: limit }, (_, i) => i);
  return { ...data, x: gatherRows(data.x, idx), labels: data.labels.slice(0, limit), source: `${data.source} (first ${limit})` };
}

/** Holds out --test-split of a data file as test data, seeded. */
function holdOut(data: LabelledData, o: FinetuneRunOptions): { train: LabelledData; test: LabelledData } {
  if (!(o.testSplit > 0 && o.testSplit < 1)) throw invalid(`--test-split must be in (0, 1), got ${o.testSplit}`);
  const rows = holdOutRows(data.x.shape[0], o.testSplit, new Rng(RANDOM_STREAMS.testSplit(o.seed)), `${o.data} (pass --test-data)`);
  const part = (idx: Uint32Array, source: string): LabelledData => ({
    ...data,
    x: gatherRows(data.x, idx),
    labels: Uint32Array.from(idx, (i) => data.labels[i]),
    source,
  });
  return { train: part(rows.kept, data.source), test: part(rows.held, `${data.source} (held-out ${o.testSplit})`) };
}

/** Refuses semi-supervised settings that cannot work, before anything is loaded. */
function checkSemiSupervisedOptions(o: FinetuneRunOptions): void {
  const positive = (name: string, v: number | undefined, min = 0) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= min)) throw invalid(`--${name} must be a number >= ${min}, got ${v}`);
  };
  positive('reconstruction-weight', o.reconstructionWeight);
  positive('pseudo-label-weight', o.pseudoLabelWeight);
  positive('l2sp', o.l2sp);
  if (o.pseudoLabelThreshold !== undefined && !(o.pseudoLabelThreshold >= 0 && o.pseudoLabelThreshold < 1))
    throw invalid(`--pseudo-label-threshold must be in [0, 1), got ${o.pseudoLabelThreshold}`);
  if (o.unlabelledBatch !== undefined && !(Number.isInteger(o.unlabelledBatch) && o.unlabelledBatch >= 1))
    throw invalid(`--unlabelled-batch must be a positive integer, got ${o.unlabelledBatch}`);
  if (o.neighbours !== undefined && !(Number.isInteger(o.neighbours) && o.neighbours >= 1)) throw invalid(`--neighbours must be a positive integer, got ${o.neighbours}`);
  if (o.propagationRounds !== undefined && !(Number.isInteger(o.propagationRounds) && o.propagationRounds >= 1))
    throw invalid(`--propagation-rounds must be a positive integer, got ${o.propagationRounds}`);
  const terms = [o.reconstructionWeight && '--reconstruction-weight', o.pseudoLabelWeight && '--pseudo-label-weight', o.l2sp && '--l2sp'].filter(Boolean);
  if (terms.length > 0 && o.mode === 'frozen')
    throw invalid(`${terms.join(' and ')} ${terms.length > 1 ? 'act' : 'acts'} on the encoder while it trains; with --mode frozen it never does (use --mode full or discriminative)`);
}
