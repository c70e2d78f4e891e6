import path from 'node:path';
import { opt, type Command } from '../command.js';
import { DATA_HELP } from '../datasets.js';
import { VOLUME_OPTIONS, volumeOptionsFrom } from '../volume-data.js';
import { checkRunDirectory } from '../run-directory.js';
import { loadAnomalyReportData } from '../detect-data.js';
import { AnomalyDetector } from '../../apps/anomaly/anomaly-detector.js';
import { writeAnomalyReport } from '../../apps/anomaly/anomaly-report.js';
import { describeEvaluation } from './detect-fit.js';
import { formatPixelEvaluation } from '../../apps/anomaly/pixel-evaluation.js';

export const detectReportCommand: Command = {
  name: 'detect report',
  summary: 'score histogram, ROC and PR curves, top anomalies with heat maps: PNGs and one HTML page',
  options: [
    { name: 'model', type: 'string', description: 'detector file (from detect fit)', required: true },
    { name: 'data', type: 'string', description: `data to report on: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'split', type: 'string', description: 'Fashion-MNIST split: train or test', default: 'test' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'label-file', type: 'string', description: 'labels of a data file (one-column CSV or .npy): 0/1, or classes with --normal-class', aliases: ['labels'] },
    { name: 'normal-class', type: 'number', description: 'the normal class (default: the one the detector was fitted on)' },
    { name: 'limit', type: 'number', description: 'use only the first N samples' },
    ...VOLUME_OPTIONS,
    { name: 'top', type: 'number', description: 'how many of the most anomalous inputs to show', default: 16 },
    { name: 'out', type: 'string', description: 'report directory', default: 'anomaly-report' },
    { name: 'overwrite', type: 'flag', description: 'write into an existing, non-empty directory' },
  ],
  async run(o) {
    const out = opt.string(o, 'out') as string;
    await checkRunDirectory(out, opt.flag(o, 'overwrite'), { '--model': opt.string(o, 'model'), '--data': opt.string(o, 'data'), '--label-file': opt.string(o, 'label-file') });
    const detector = await AnomalyDetector.load(opt.string(o, 'model') as string);
    const fitted = detector.provenance?.normalClass;
    const normalClass = opt.number(o, 'normal-class') ?? (typeof fitted === 'number' ? fitted : null);
    const { data, anomalyLabels, classLabels } = await loadAnomalyReportData(opt.string(o, 'data') as string, {
      split: opt.string(o, 'split') === 'train' ? 'train' : 'test',
      dataDir: opt.string(o, 'data-dir'),
      limit: opt.number(o, 'limit'),
      labels: opt.string(o, 'label-file'),
      normalClass,
      volume: volumeOptionsFrom(o),
    });
    const report = await writeAnomalyReport(out, {
      detector,
      x: data.x,
      labels: anomalyLabels,
      classLabels,
      classNames: data.classNames,
      source: normalClass !== null ? `${data.source} (class ${normalClass}${data.classNames ? ` '${data.classNames[normalClass]}'` : ''} normal)` : data.source,
      top: opt.number(o, 'top') as number,
      masks: data.imageSet?.masks ?? null,
      foreground: data.imageSet?.foreground ?? null,
      paths: data.imageSet?.paths ?? null,
      groups: data.imageSet?.groups ?? null,
      description: `${detector.modelKind === 'pca' ? 'PCA' : 'autoencoder'} detector, score ${detector.scoreKinds.join(' + ')}${detector.latentWeight > 0 ? ` + ${detector.latentWeight} x latent` : ''}`,
    });
    const log = (line: string): void => void process.stdout.write(line + '\n');
    log(`hourglass: ${data.x.shape[0].toLocaleString('en-US')} samples, ${report.flagged.toLocaleString('en-US')} flagged above ${detector.threshold.toPrecision(4)}`);
    if (report.evaluation) log(`hourglass: ${describeEvaluation(report.evaluation)}`);
    if (report.pixelEvaluation) log(formatPixelEvaluation(report.pixelEvaluation));
    log(`hourglass: wrote ${report.files.map((f) => path.join(out, f)).join(', ')}`);
  },
};
