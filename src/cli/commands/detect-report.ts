import { invalid } from '../../core/errors.js';
import path from 'node:path';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { opt, type Command } from '../command.js';
import { DATA_HELP } from '../datasets.js';
import { VOLUME_OPTIONS, volumeOptionsFrom } from '../volume-data.js';
import { checkRunDirectory } from '../run-directory.js';
import { loadAnomalyReportData } from '../detect-data.js';
import { AnomalyDetector } from '../../apps/anomaly/anomaly-detector.js';
import { writeAnomalyReport } from '../../apps/anomaly/anomaly-report.js';
import { describeEvaluation } from './detect-fit.js';
import { describeDetector, writeScoringPage } from '../../apps/anomaly/scoring-page.js';
import { formatPixelEvaluation } from '../../apps/anomaly/pixel-evaluation.js';

/** The scoring page's name in a report directory. */
const SCORING_PAGE_FILE = 'scoring-page.html';

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
    { name: 'scoring-page', type: 'flag', description: `also write ${SCORING_PAGE_FILE}: the detector and ONNX Runtime in one page that scores dropped CSV rows or images in the browser (about 16 MB)` },
    { name: 'out', type: 'string', description: 'report directory', default: 'anomaly-report' },
    { name: 'overwrite', type: 'flag', description: 'write into an existing, non-empty directory' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const out = opt.string(o, 'out') as string;
    const images = imageReadOptions(o);
    if (images.patch) throw invalid('detect report draws and scores whole images; --patch is for train, detect fit and detect score (which stitches patch scores and maps back to each image)');
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
      images,
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
      masks: data.images?.masks ?? null,
      foreground: data.images?.foreground ?? null,
      paths: data.images?.paths ?? null,
      groups: data.images?.groups ?? null,
      description: describeDetector(detector),
    });
    if (opt.flag(o, 'scoring-page')) {
      await writeScoringPage(detector, path.join(out, SCORING_PAGE_FILE));
      report.files.push(SCORING_PAGE_FILE);
    }
    const log = (line: string): void => void process.stdout.write(line + '\n');
    log(`hourglass: ${data.x.shape[0].toLocaleString('en-US')} samples, ${report.flagged.toLocaleString('en-US')} flagged above ${detector.threshold.toPrecision(4)}`);
    if (report.evaluation) log(`hourglass: ${describeEvaluation(report.evaluation)}`);
    if (report.pixelEvaluation) log(formatPixelEvaluation(report.pixelEvaluation));
    log(`hourglass: wrote ${report.files.map((f) => path.join(out, f)).join(', ')}`);
  },
};
