import { invalid } from '../../core/errors.js';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP, loadData } from '../datasets.js';
import { ID_COLUMN_HELP } from '../id-column.js';
import { ProgressPrinter } from '../progress.js';
import { loadNormalData } from '../detect-data.js';
import { VOLUME_OPTIONS, volumeOptionsFrom } from '../volume-data.js';
import { fillSizedDefaults, sizedByDataOptions } from '../table-sizing.js';
import { describeTableSettings } from '../../apps/anomaly/table-detector.js';
import { THRESHOLD_OPTIONS, describeSpec, detectorSpec, fitOptions, makeDetector, thresholdRule } from '../detect-options.js';
import { describeThresholdRule } from '../../apps/anomaly/threshold-rule.js';
import { quantileOf } from '../../apps/anomaly/score-statistics.js';
import type { DetectorEvaluation } from '../../apps/anomaly/anomaly-detector.js';

export const detectFitCommand: Command = {
  name: 'detect fit',
  summary: 'train an anomaly detector on normal data and write it to one model file',
  options: [
    { name: 'data', type: 'string', description: `normal data: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'id-column', type: 'string', description: ID_COLUMN_HELP },
    { name: 'normal-class', type: 'number', description: 'train on this class only (labelled data: fashion-mnist, or a file with --labels)' },
    { name: 'label-file', type: 'string', description: 'class labels of a data file (one-column CSV or .npy), for --normal-class', aliases: ['labels'] },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'limit', type: 'number', description: 'use only the first N samples of the data' },
    ...VOLUME_OPTIONS.filter((v) => v.name !== 'masks'),
    ...sizedByDataOptions(),
    ...THRESHOLD_OPTIONS,
    { name: 'validation', type: 'string', description: 'labelled validation data for --max-f1 (a data file)' },
    { name: 'validation-label-file', type: 'string', description: 'labels of --validation: 0 = normal, 1 = anomaly', aliases: ['validation-labels'] },
    { name: 'validation-split', type: 'number', description: 'with --normal-class and --max-f1: fraction of the labelled data held out', default: 0.1 },
    { name: 'calibration', type: 'number', description: 'fraction of the normal data held out to calibrate the threshold (0: use the training scores)', default: 0 },
    { name: 'out', type: 'string', description: 'detector file to write', default: 'detector.safetensors' },
    { name: 'overwrite', type: 'flag', description: 'replace an existing detector file' },
    { name: 'progress', type: 'flag', description: 'live progress line (default on a terminal)' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const out = opt.string(o, 'out') as string;
    claimOutput(out, { inputs: { '--data': opt.string(o, 'data'), '--label-file': opt.string(o, 'label-file'), '--validation': opt.string(o, 'validation'), '--validation-label-file': opt.string(o, 'validation-label-file') }, overwrite: opt.flag(o, 'overwrite') });
    const rule = thresholdRule(o);
    const dataSpec = opt.string(o, 'data') as string;
    const normal = await loadNormalData({
      data: dataSpec,
      dataDir: opt.string(o, 'data-dir'),
      idColumn: opt.string(o, 'id-column'),
      limit: opt.number(o, 'limit'),
      normalClass: opt.number(o, 'normal-class'),
      labels: opt.string(o, 'label-file'),
      validation: opt.string(o, 'validation'),
      validationLabels: opt.string(o, 'validation-label-file'),
      validationSplit: opt.number(o, 'validation-split') as number,
      needValidation: rule.kind === 'max-f1',
      images: imageReadOptions(o),
      volume: volumeOptionsFrom(o),
    });
    const sampleShape = normal.x.shape.slice(1);
    // Before building the model (a 4096x4096 image builds a large one): the cheap count check first.
    if (normal.x.shape[0] < 2)
      throw invalid(`${normal.source} holds ${normal.x.shape[0]} normal sample${normal.x.shape[0] === 1 ? '' : 's'}; a detector needs at least 2 to learn from`);
    const table = fillSizedDefaults(o, sampleShape, normal.x.shape[0]);
    const spec = detectorSpec(o);
    const detector = makeDetector(spec, sampleShape, rule, normal.columns);
    detector.provenance = { data: dataSpec === 'fashion-mnist' ? 'fashion-mnist' : normal.source, normalClass: normal.normalClass, className: normal.className };
    const log = (line: string): void => void process.stdout.write(line + '\n');
    log(`hourglass: fitting a detector (${describeSpec(spec)}) on ${normal.source}: ${normal.x.shape[0].toLocaleString('en-US')} normal samples`);
    if (table) log(`hourglass: table settings (from ${normal.x.shape[0]} rows x ${sampleShape[0]} columns; --hidden, --bottleneck, --epochs, --batch-size override): ${describeTableSettings(table)}`);

    const printer = new ProgressPrinter(process.stderr, (o.progress as boolean | undefined) ?? process.stderr.isTTY === true);
    const started = performance.now();
    await detector.fit(normal.x, {
      ...fitOptions(spec),
      ...(table && table.validationSplit > 0 ? { validationSplit: table.validationSplit, earlyStopping: { patience: table.patience, restoreBestWeights: true } } : {}),
      calibrationFraction: opt.number(o, 'calibration') as number,
      onBatchEnd: printer.batch,
      onEpochEnd: (r) => printer.epoch(r, spec.epochs),
    });
    if (rule.kind === 'max-f1') {
      const v = normal.validation!;
      const choice = detector.calibrate(v.x, v.labels);
      log(`hourglass: max-F1 threshold on ${v.source}: F1 ${choice.f1.toFixed(4)} (precision ${choice.precision.toFixed(4)}, recall ${choice.recall.toFixed(4)})`);
    }
    const stats = detector.normalScores;
    log(
      `hourglass: fitted in ${((performance.now() - started) / 1000).toFixed(1)}s; normal scores: mean ${fmt(stats.mean)}, median ${fmt(quantileOf(stats, 0.5))}, ` +
        `99th percentile ${fmt(quantileOf(stats, 0.99))}, max ${fmt(stats.max)}`,
    );
    log(`hourglass: threshold ${fmt(detector.threshold)} (${describeThresholdRule(detector.thresholdRule)})`);
    if (dataSpec === 'fashion-mnist' && normal.normalClass !== null) {
      const test = await loadData('fashion-mnist', 'test', { dataDir: opt.string(o, 'data-dir') });
      const labels = Uint8Array.from(test.labels!, (l) => (l === normal.normalClass ? 0 : 1));
      log(`hourglass: Fashion-MNIST test split (${labels.length - count(labels)} normal, ${count(labels)} anomalous): ${describeEvaluation(detector.evaluate(test.x, labels))}`);
    }
    await detector.save(out);
    log(`hourglass: wrote ${out}`);
  },
};

export function describeEvaluation(e: DetectorEvaluation): string {
  const t = e.atThreshold;
  const c = t.confusion;
  return (
    `AUROC ${e.auroc.toFixed(4)}, average precision ${e.averagePrecision.toFixed(4)}; at the threshold: precision ${t.precision.toFixed(4)}, ` +
    `recall ${t.recall.toFixed(4)}, F1 ${t.f1.toFixed(4)} (TP ${c.truePositives}, FP ${c.falsePositives}, TN ${c.trueNegatives}, FN ${c.falseNegatives})`
  );
}

export function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function count(labels: Uint8Array): number {
  let n = 0;
  for (const l of labels) n += l;
  return n;
}
