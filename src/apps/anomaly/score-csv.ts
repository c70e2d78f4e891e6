import { HourglassError, invalid } from '../../core/errors.js';
import { quoteInput } from '../../core/quote.js';
import { checkFiniteResult, tensor, type Tensor } from '../../core/tensor.js';
import { formatFloat32, streamNumericCsv } from '../../data/csv.js';
import type { AnomalyDetector } from './anomaly-detector.js';
import { AtomicTextWriter } from '../../io/atomic-write.js';
import { csvTextCell } from '../../io/csv-cell.js';

export interface CsvScoringOptions {
  /** Rows read, scored and written at a time (default 4096): memory stays flat whatever the file size. */
  chunkRows?: number;
  /** How many of the largest per-feature contributions to name per row (default 3, 0 for none). */
  topFeatures?: number;
  /** Called after every chunk with the rows done so far. */
  onProgress?: (rows: number) => void;
}

export interface CsvScoringSummary {
  rows: number;
  flagged: number;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * Scores a numeric CSV (with the header of the training data) chunk by chunk and writes
 * `row,score,normalized_score,flag[,top1,top1_share,...]`. The output appears under its
 * name only once every row was scored: an error in row 900,000 leaves no partial file.
 * Columns may come in another order than at training; they are matched by name.
 */
export async function scoreCsvFile(detector: AnomalyDetector, input: string, output: string, options: CsvScoringOptions = {}): Promise<CsvScoringSummary> {
  const { chunkRows = 4096, topFeatures = 3, onProgress } = options;
  if (!Number.isInteger(topFeatures) || topFeatures < 0) throw invalid(`topFeatures must be an integer >= 0, got ${topFeatures}`);
  const shape = detector.sampleShape;
  if (shape.length !== 1) throw invalid(`this detector was fitted on samples of shape [${shape.join(', ')}], not table rows; score images with an .idx or .npy file`);
  const width = shape[0];
  const names = detector.columns;
  const top = Math.min(topFeatures, width);
  const started = performance.now();
  const writer = await AtomicTextWriter.open(output);
  let rows = 0;
  let flagged = 0;
  try {
    const outHeader = ['row', 'score', 'normalized_score', 'flag'];
    for (let t = 1; t <= top; t++) outHeader.push(`top${t}`, `top${t}_share`);
    await writer.write(outHeader.join(',') + '\n');
    let order: Int32Array | null = null;
    // The header is told apart from data as everywhere else (a first line of numbers is data), unless
    // the detector's own column names look like numbers: then the first line must be those names.
    const header = names !== null && names.every((n) => n.trim() !== '' && Number.isFinite(Number(n))) ? true : 'auto';
    for await (const chunk of streamNumericCsv(input, { chunkRows, header })) {
      if (order === null) order = columnOrder(chunk.columns, names, width, input);
      const x = reorder(chunk.data, order);
      const explanation = top > 0 ? detector.explain(x) : null;
      const scores = explanation ? explanation.scores : detector.score(x);
      checkFiniteResult(scores, 'anomaly score', chunk.startRow);
      const normalized = detector.normalize(scores);
      const contributions = explanation ? explanation.map.data : null;
      const threshold = detector.threshold;
      const lines: string[] = [];
      for (let r = 0; r < scores.length; r++) {
        const flag = scores[r] > threshold ? 1 : 0;
        flagged += flag;
        const cells = [String(chunk.startRow + r), formatFloat32(scores[r]), formatFloat32(normalized[r]), String(flag)];
        if (contributions) cells.push(...topContributions(contributions, r, width, top, names));
        lines.push(cells.join(','));
      }
      rows += scores.length;
      await writer.write(lines.join('\n') + '\n');
      onProgress?.(rows);
    }
    await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const seconds = (performance.now() - started) / 1000;
  return { rows, flagged, seconds, rowsPerSecond: rows / Math.max(seconds, 1e-9) };
}

/** Position in the file of each training column; the same order gives the identity. */
function columnOrder(fileColumns: string[], trained: string[] | null, width: number, file: string): Int32Array {
  if (fileColumns.length !== width)
    throw new HourglassError(
      'SHAPE_MISMATCH',
      `${file} has ${fileColumns.length} columns; this detector was fitted on ${width}${trained ? ` (${nameList(trained)})` : ''}`,
    );
  const order = Int32Array.from({ length: width }, (_, i) => i);
  if (!trained) return order;
  const position = new Map(fileColumns.map((c, i) => [c, i]));
  const missing = trained.filter((c) => !position.has(c));
  if (missing.length > 0) {
    const extra = fileColumns.filter((c) => !trained.includes(c));
    throw new HourglassError('SHAPE_MISMATCH', `${file} lacks the column${missing.length > 1 ? 's' : ''} ${nameList(missing)} the detector was fitted on${extra.length ? ` and has ${nameList(extra)} instead` : ''}`);
  }
  trained.forEach((c, i) => (order[i] = position.get(c)!));
  return order;
}

/** Column names as echoed in messages: quoted and escaped, at most 10 of them. */
function nameList(list: string[]): string {
  // Plain names stay plain; anything else (commas, control characters, long names) is quoted and escaped.
  const shown = list.slice(0, 10).map((n) => (/^[\w.-]{1,60}$/.test(n) ? n : quoteInput(n))).join(', ');
  return list.length > 10 ? `${shown} and ${list.length - 10} more` : shown;
}

function reorder(data: Tensor, order: Int32Array): Tensor {
  if (order.every((v, i) => v === i)) return data;
  const [n, d] = data.shape;
  const out = tensor([n, d]);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) out.data[r * d + j] = data.data[r * d + order[j]];
  return out;
}

/** The `count` largest contributions of row r as [name, share of the row's total, ...]. */
function topContributions(map: Float32Array, r: number, width: number, count: number, names: string[] | null): string[] {
  const base = r * width;
  let total = 0;
  for (let j = 0; j < width; j++) total += map[base + j];
  const picked: number[] = [];
  for (let t = 0; t < count; t++) {
    let best = -1;
    for (let j = 0; j < width; j++) if (!picked.includes(j) && (best < 0 || map[base + j] > map[base + best])) best = j;
    picked.push(best);
  }
  return picked.flatMap((j) => [csvTextCell(names ? names[j] : `col_${j + 1}`), total > 0 ? (map[base + j] / total).toFixed(4) : '0']);
}

