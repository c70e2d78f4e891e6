import path from 'node:path';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import { HourglassError, invalid } from '../../core/errors.js';
import { sizeOf, type Tensor } from '../../core/tensor.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP } from '../datasets.js';
import { ID_COLUMN_HELP } from '../id-column.js';
import { csvTextCell } from '../../io/csv-cell.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { LABEL_FILE_HELP, loadLabelledData } from '../labels.js';
import { loadFeatureExtractor } from '../reconstructor.js';
import { formatFloat32, writeCsv } from '../../data/csv.js';
import { writeNpy } from '../../data/npy.js';

/** An autoencoder's bottleneck codes, or the features a classifier's encoder hands its head. */
export const encodeCommand: Command = {
  name: 'encode',
  summary: "write a data set's latent features (the encoder's output) to a CSV or NPY file, for use in any other tool",
  options: [
    { name: 'model', type: 'string', description: 'autoencoder, classifier or PCA model file (.safetensors)', required: true },
    { name: 'data', type: 'string', description: `data: ${DATA_HELP}`, default: 'fashion-mnist' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    { name: 'split', type: 'string', description: 'Fashion-MNIST split: train or test', default: 'train' },
    { name: 'limit', type: 'number', description: 'use only the first N samples' },
    { name: 'id-column', type: 'string', description: ID_COLUMN_HELP },
    { name: 'label-file', type: 'string', description: `${LABEL_FILE_HELP} (adds a label column to a CSV)` },
    { name: 'out', type: 'string', description: 'output file: features.csv (header z0..zk, plus label) or features.npy (float32 [n, k])', required: true },
    { name: 'overwrite', type: 'flag', description: 'replace --out if it exists' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const out = opt.string(o, 'out') as string;
    const format = path.extname(out).toLowerCase();
    if (format !== '.csv' && format !== '.npy') throw invalid(`--out ${out}: write features to a .csv or .npy file`);
    if (opt.string(o, 'id-column') !== undefined && format !== '.csv') throw invalid(`--id-column carries the ids into a .csv --out; ${out} is an .npy array of numbers`);
    claimOutput(out, { inputs: { '--model': opt.string(o, 'model'), '--data': opt.string(o, 'data'), '--label-file': opt.string(o, 'label-file') }, overwrite: opt.flag(o, 'overwrite') });
    const split = opt.string(o, 'split');
    if (split !== 'train' && split !== 'test') throw invalid(`--split must be train or test, got '${split}'`);
    const extractor = await loadFeatureExtractor(opt.string(o, 'model') as string);
    const data = await loadLabelledData(opt.string(o, 'data') as string, split, {
      limit: opt.number(o, 'limit'),
      dataDir: opt.string(o, 'data-dir'),
      labelFile: opt.string(o, 'label-file'),
      required: false,
      idColumn: opt.string(o, 'id-column'),
      images: imageReadOptions(o),
    });
    const z = extractor.encode(data.x);
    const n = z.shape[0];
    const k = sizeOf(z.shape.slice(1));
    const flat: Tensor = { shape: [n, k], data: z.data };
    const columns = Array.from({ length: k }, (_, i) => `z${i}`);
    if (format === '.npy') {
      await writeNpy(out, flat);
    } else if (data.ids) {
      // Ids are text, which writeCsv (numbers only) does not take: the first column, then z0.., then the label.
      const lines = [[data.ids.name, ...columns, ...(data.labels ? ['label'] : [])].map((c) => csvTextCell(c)).join(',')];
      for (let r = 0; r < n; r++) {
        const cells = [csvTextCell(data.ids.ids[r])];
        for (let c = 0; c < k; c++) cells.push(formatFloat32(z.data[r * k + c]));
        if (data.labels) cells.push(String(data.labels[r]));
        lines.push(cells.join(','));
      }
      await writeFileAtomic(out, lines.join('\n') + '\n');
    } else if (data.labels) {
      const rows: Float64Array[] = [];
      for (let r = 0; r < n; r++) {
        const row = new Float64Array(k + 1);
        // The shortest decimal of each float32, as the tensor path of writeCsv prints it.
        for (let c = 0; c < k; c++) row[c] = Number(formatFloat32(z.data[r * k + c]));
        row[k] = data.labels[r];
        rows.push(row);
      }
      await writeCsv(out, [...columns, 'label'], rows);
    } else {
      await writeCsv(out, columns, flat);
    }
    const labelNote = data.labels && format === '.csv' ? ' and a label column' : '';
    process.stdout.write(`hourglass: encoded ${n} samples of ${data.source} with the ${extractor.describe} into ${k} features${labelNote} -> ${out}\n`);
  },
};
