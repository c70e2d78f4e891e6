import path from 'node:path';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP } from '../datasets.js';
import { LABEL_FILE_HELP, loadLabelledData } from '../labels.js';
import { Classifier, argmaxRows } from '../../models/classifier.js';
import { classificationMetrics, formatClassificationReport } from '../../metrics/classification.js';
import { CrossEntropyLoss, checkLabels, oneHot, softmax } from '../../train/cross-entropy.js';
import { formatFloat32, writeCsv } from '../../data/csv.js';

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'predict classes with a fine-tuned classifier; prints accuracy when the data has labels',
  options: [
    { name: 'model', type: 'string', description: 'classifier model file (.safetensors from hourglass finetune)', required: true },
    { name: 'data', type: 'string', description: `data: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'split', type: 'string', description: 'Fashion-MNIST split: train or test', default: 'test' },
    { name: 'limit', type: 'number', description: 'use only the first N samples' },
    { name: 'label-file', type: 'string', description: `${LABEL_FILE_HELP} (to measure accuracy)` },
    { name: 'out', type: 'string', description: 'predictions CSV: prediction, one probability per class, and the label when known' },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
    { name: 'json', type: 'flag', description: 'print the metrics as JSON' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const split = opt.string(o, 'split');
    if (split !== 'train' && split !== 'test') throw invalid(`--split must be train or test, got '${split}'`);
    const out = opt.string(o, 'out');
    if (out !== undefined && path.extname(out).toLowerCase() !== '.csv') throw invalid(`--out ${out}: predictions are written as a .csv file`);
    if (out !== undefined) claimOutput(out, { inputs: { '--model': opt.string(o, 'model'), '--data': opt.string(o, 'data'), '--label-file': opt.string(o, 'label-file') }, overwrite: opt.flag(o, 'overwrite') });
    const model = await Classifier.load(opt.string(o, 'model') as string);
    const data = await loadLabelledData(opt.string(o, 'data') as string, split, {
      limit: opt.number(o, 'limit'),
      dataDir: opt.string(o, 'data-dir'),
      labelFile: opt.string(o, 'label-file'),
      required: false,
      images: imageReadOptions(o),
    });
    if (data.labels) checkLabels(data.labels, model.classes, `${data.source} labels`);
    const logits = model.logits(data.x);
    const predictions = argmaxRows(logits);
    const n = predictions.length;
    const k = model.classes;

    if (out !== undefined) {
      const probabilities = softmax(logits);
      const columns = ['prediction', ...model.classNames.map((_, j) => `p${j}`), ...(data.labels ? ['label'] : [])];
      const rows: Float64Array[] = [];
      for (let r = 0; r < n; r++) {
        const row = new Float64Array(columns.length);
        row[0] = predictions[r];
        for (let j = 0; j < k; j++) row[1 + j] = Number(formatFloat32(probabilities.data[r * k + j]));
        if (data.labels) row[1 + k] = data.labels[r];
        rows.push(row);
      }
      await writeCsv(out, columns, rows);
    }

    const wrote = out !== undefined ? `; wrote ${out}` : '';
    if (!data.labels) {
      const counts = new Array<number>(k).fill(0);
      for (const p of predictions) counts[p]++;
      if (opt.flag(o, 'json')) process.stdout.write(JSON.stringify({ data: data.source, samples: n, predicted: Object.fromEntries(model.classNames.map((c, j) => [c, counts[j]])) }, null, 2) + '\n');
      else process.stdout.write(`hourglass: classified ${n} samples of ${data.source} (no labels, so no accuracy): ${model.classNames.map((c, j) => `${c} ${counts[j]}`).join(', ')}${wrote}\n`);
      return;
    }
    const metrics = classificationMetrics(data.labels, predictions, model.classNames);
    metrics.loss = new CrossEntropyLoss().value(logits, oneHot(data.labels, k));
    if (opt.flag(o, 'json')) {
      process.stdout.write(JSON.stringify({ data: data.source, ...metrics }, null, 2) + '\n');
      return;
    }
    process.stdout.write(formatClassificationReport(metrics) + '\n');
    process.stdout.write(`hourglass: accuracy ${(metrics.accuracy * 100).toFixed(2)}% on ${n} samples of ${data.source} (loss ${metrics.loss.toFixed(4)})${wrote}\n`);
  },
};
