import { mkdir } from 'node:fs/promises';
import { IMAGE_OPTIONS, imageReadOptions } from '../image-options.js';
import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { checkFiniteResult, sliceRows, type Tensor } from '../../core/tensor.js';
import { maxPatchScorePerImage, patchesPerImage, stitchPatches } from '../../data/patches.js';
import { formatFloat32 } from '../../data/csv.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { opt, type Command } from '../command.js';
import { claimOutput } from '../output-path.js';
import { DATA_HELP, loadData } from '../datasets.js';
import { imageOutputName } from '../image-output-name.js';
import { VOLUME_OPTIONS, volumeOptionsFrom } from '../volume-data.js';
import { ID_COLUMN_HELP, withoutIdColumn } from '../id-column.js';
import { csvTextCell } from '../../io/csv-cell.js';
import { readFile, rm } from 'node:fs/promises';
import { AnomalyDetector } from '../../apps/anomaly/anomaly-detector.js';
import { scoreCsvFile } from '../../apps/anomaly/score-csv.js';
import { errorHeatmap } from '../../apps/anomaly/anomaly-report.js';

export const detectScoreCommand: Command = {
  name: 'detect score',
  summary: 'score data with a detector: a CSV of row, score, normalised score, flag and what contributed',
  options: [
    { name: 'model', type: 'string', description: 'detector file (from detect fit)', required: true },
    { name: 'data', type: 'string', description: `data to score: ${DATA_HELP}; a CSV is streamed in chunks`, required: true, aliases: ['in'] },
    { name: 'out', type: 'string', description: 'scores CSV to write', default: 'scores.csv' },
    { name: 'id-column', type: 'string', description: ID_COLUMN_HELP },
    { name: 'split', type: 'string', description: 'Fashion-MNIST split: train or test', default: 'test' },
    { name: 'data-dir', type: 'string', description: 'Fashion-MNIST directory' },
    ...VOLUME_OPTIONS.filter((v) => v.name !== 'masks'),
    { name: 'top', type: 'number', description: 'tables: name the N features contributing most to each score', default: 3 },
    { name: 'maps', type: 'string', description: 'images: write an error heat map PNG of each flagged image into this directory' },
    { name: 'maps-all', type: 'flag', description: 'with --maps: a heat map for every image, not only the flagged ones' },
    { name: 'chunk-rows', type: 'number', description: 'CSV rows scored at a time', default: 4096 },
    { name: 'overwrite', type: 'flag', description: 'replace --out (and files in --maps) if they exist' },
    ...IMAGE_OPTIONS,
  ],
  async run(o) {
    const input = opt.string(o, 'data') as string;
    const out = opt.string(o, 'out') as string;
    const inputs = { '--model': opt.string(o, 'model'), '--data': input };
    claimOutput(out, { inputs, overwrite: opt.flag(o, 'overwrite') });
    if (opt.string(o, 'maps')) claimOutput(opt.string(o, 'maps') as string, { flag: '--maps', kind: 'directory', inputs: { ...inputs, '--out': out }, overwrite: opt.flag(o, 'overwrite') });
    const detector = await AnomalyDetector.load(opt.string(o, 'model') as string);
    const top = opt.number(o, 'top') as number;
    const chunkRows = opt.number(o, 'chunk-rows') as number;
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw invalid(`--chunk-rows must be a positive integer, got ${chunkRows}`);
    const log = (line: string): void => void process.stdout.write(line + '\n');

    if (detector.imageShape === null) {
      if (!input.toLowerCase().endsWith('.csv')) throw invalid(`this detector scores table rows: give a .csv file to --data, got ${input}`);
      if (opt.string(o, 'maps')) throw invalid('--maps draws heat maps of images; this detector scores table rows (see the top features columns instead)');
      const idColumn = opt.string(o, 'id-column');
      const summary = idColumn === undefined
        ? await scoreCsvFile(detector, input, out, { chunkRows, topFeatures: top })
        : await withoutIdColumn(input, idColumn, async (numeric, id) => {
            // Scored into a scratch file beside the copy, then written to --out with the id in place of the row number.
            const scratch = `${numeric}.scores.csv`;
            const result = await scoreCsvFile(detector, numeric, scratch, { chunkRows, topFeatures: top });
            const lines = (await readFile(scratch, 'utf8')).split('\n');
            await rm(scratch, { force: true });
            for (let i = 0; i < lines.length; i++) {
              if (lines[i] === '') continue;
              const comma = lines[i].indexOf(',');
              const first = i === 0 ? id.name : id.ids[Number(lines[i].slice(0, comma))];
              lines[i] = csvTextCell(first) + lines[i].slice(comma);
            }
            await writeFileAtomic(out, lines.join('\n'));
            return result;
          });
      log(
        `hourglass: scored ${summary.rows.toLocaleString('en-US')} rows in ${summary.seconds.toFixed(1)}s (${Math.round(summary.rowsPerSecond).toLocaleString('en-US')} rows/s); ` +
          `${summary.flagged.toLocaleString('en-US')} flagged above ${formatFloat32(detector.threshold)}; wrote ${out}`,
      );
      return;
    }

    if (opt.string(o, 'id-column') !== undefined) throw invalid('--id-column names a column of a CSV table; this detector scores images');
    const split = opt.string(o, 'split') === 'train' ? 'train' : 'test';
    const data = await loadData(input, split, { dataDir: opt.string(o, 'data-dir'), images: imageReadOptions(o), volume: volumeOptionsFrom(o) });
    const started = performance.now();
    // With --patch the detector scores patches; an image's score is its worst patch's.
    const layout = data.images?.patches ?? null;
    const sampleScores = detector.score(data.x);
    checkFiniteResult(sampleScores, 'anomaly score');
    const scores = layout ? maxPatchScorePerImage(sampleScores, layout) : sampleScores;
    const seconds = (performance.now() - started) / 1000;
    const normalized = detector.normalize(scores);
    const threshold = detector.threshold;
    const mapsDir = opt.string(o, 'maps');
    const mapFiles = new Map<number, string>();
    if (mapsDir) {
      const all = opt.flag(o, 'maps-all');
      const rows = [...scores.keys()].filter((i) => all || scores[i] > threshold);
      const pictures: [string, Buffer][] = [];
      // Whole images (the patches stitched back for a map) or the samples themselves.
      const x = layout ? data.images!.x : data.x;
      const per = x.data.length / x.shape[0];
      const batchSize = layout ? 1 : 256;
      for (let lo = 0; lo < rows.length; lo += batchSize) {
        const batch = rows.slice(lo, lo + batchSize);
        const picked = { shape: [batch.length, ...x.shape.slice(1)], data: new Float32Array(batch.length * per) };
        batch.forEach((r, i) => picked.data.set(sliceRows(x, r, r + 1).data, i * per));
        let map: Tensor;
        if (layout) {
          const p = patchesPerImage(layout);
          map = stitchPatches(detector.explain(sliceRows(data.x, batch[0] * p, (batch[0] + 1) * p)).map, { ...layout, images: 1 });
        } else map = detector.explain(picked).map;
        for (let i = 0; i < batch.length; i++) {
          // Images keep their relative paths under --maps (test/scratch/003.png, brain.nii.gz/axial/071.png), so maps join back to their files.
          const name = data.images ? imageOutputName(data.images.paths[batch[i]]) : `row-${batch[i]}.png`;
          const file = path.join(mapsDir, name);
          pictures.push([file, await errorHeatmap(picked, map, i)]);
          mapFiles.set(batch[i], file);
        }
      }
      await mkdir(mapsDir, { recursive: true });
      for (const [file, png] of pictures) {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFileAtomic(file, png);
      }
    }
    // Images' rows are named by their paths (relative to the folder, or volume#plane/slice) (joins back to the files), with its layout's label and group.
    const images = data.images ?? null;
    const head = images ? `path${images.groups ? ',group' : ''}${images.labels ? ',label' : ''}` : 'row';
    const lines = [`${head},score,normalized_score,flag${mapsDir ? ',map_file' : ''}`];
    let flagged = 0;
    for (let i = 0; i < scores.length; i++) {
      const flag = scores[i] > threshold ? 1 : 0;
      flagged += flag;
      const first = images ? [csvTextCell(images.paths[i]), ...(images.groups ? [csvTextCell(images.groups[i])] : []), ...(images.labels ? [String(images.labels[i])] : [])] : [String(i)];
      const cells = [...first, formatFloat32(scores[i]), formatFloat32(normalized[i]), String(flag)];
      if (mapsDir) cells.push(csvTextCell(mapFiles.get(i) ?? ''));
      lines.push(cells.join(','));
    }
    await writeFileAtomic(out, lines.join('\n') + '\n');
    log(
      `hourglass: scored ${scores.length.toLocaleString('en-US')} images of ${data.source} in ${seconds.toFixed(2)}s (${Math.round(scores.length / seconds).toLocaleString('en-US')} images/s); ` +
        `${flagged.toLocaleString('en-US')} flagged above ${formatFloat32(threshold)}; wrote ${out}${mapsDir ? ` and ${mapFiles.size} heat maps in ${mapsDir}` : ''}`,
    );
  },
};
