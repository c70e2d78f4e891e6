import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { invalid } from '../../core/errors.js';
import { tensor, type Tensor } from '../../core/tensor.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { heatmapOverlay } from '../../report/heatmap-overlay.js';
import { histogramPlot } from '../../report/histogram-plot.js';
import { imageGrid } from '../../report/image-grid.js';
import { heatOverlayBatch, maskOverlayBatch } from '../../report/overlay-batch.js';
import { linePlot, svgToPng } from '../../report/line-plot.js';
import { escapeXml } from '../../report/svg.js';
import { rocCurve } from '../../metrics/roc-curve.js';
import { precisionRecallCurve } from '../../metrics/precision-recall-curve.js';
import { evaluateScores, type AnomalyDetector, type DetectorEvaluation } from './anomaly-detector.js';
import { describeThresholdRule } from './threshold-rule.js';
import { evaluatePixels, type PixelEvaluation } from './pixel-evaluation.js';
import { quantileOf } from './score-statistics.js';

export interface AnomalyReportInput {
  detector: AnomalyDetector;
  x: Tensor;
  /** 1 = anomaly, 0 = normal; without labels the report shows the score distribution and the top of the ranking only. */
  labels: Uint8Array | null;
  /** Class of each sample and the class names, to caption the most anomalous inputs. */
  classLabels?: Uint8Array | null;
  classNames?: readonly string[] | null;
  source: string;
  /** How many of the most anomalous inputs to show (default 16). */
  top?: number;
  /** One line describing the detector, for the page's heading. */
  description?: string;
  /** Ground-truth anomaly masks [n, 1, h, w]: a 'true mask' row under the top anomalies, and the pixel metrics in metrics.json. */
  masks?: Tensor | null;
  /** Pixels counted by the pixel metrics [n, 1, h, w] (a brain mask); null = all. */
  foreground?: Tensor | null;
  /** Each image's path relative to the input (ImageSet.paths), to name the top anomalies. */
  paths?: readonly string[] | null;
  /** Defect group of each image, for the per-group pixel metrics. */
  groups?: readonly string[] | null;
}

export interface AnomalyReport {
  files: string[];
  evaluation: DetectorEvaluation | null;
  /** Pixel metrics, when masks were given. */
  pixelEvaluation: PixelEvaluation | null;
  flagged: number;
}

/** Points kept on a curve for drawing: enough to look exact, few enough for a small SVG. */
const CURVE_POINTS = 600;

/**
 * Writes a report directory: the score histogram of normal vs anomalous inputs with the
 * threshold, the ROC and precision-recall curves (with labels), the most anomalous inputs
 * with their error heat maps, metrics.json, and report.html, one page with every PNG inlined.
 */
export async function writeAnomalyReport(dir: string, input: AnomalyReportInput): Promise<AnomalyReport> {
  const { detector, x, labels } = input;
  const top = input.top ?? 16;
  if (!Number.isInteger(top) || top < 1 || top > 100) throw invalid(`the report shows 1 to 100 top anomalies, got ${top}`);
  if (labels && labels.length !== x.shape[0]) throw invalid(`${labels.length} labels for ${x.shape[0]} samples; give one label per sample`);
  const scores = detector.score(x);
  const threshold = detector.threshold;
  const evaluation = labels ? evaluateScores(labels, scores, threshold) : null;
  let flagged = 0;
  for (const s of scores) flagged += s > threshold ? 1 : 0;

  const figures: { file: string; png: Buffer; caption: string }[] = [];
  const groups = labels
    ? [
        { name: 'normal', values: scores.filter((_, i) => labels[i] === 0) },
        { name: 'anomalous', values: scores.filter((_, i) => labels[i] === 1) },
      ]
    : [{ name: 'all inputs', values: scores }];
  figures.push({
    file: 'score-histogram.png',
    png: await svgToPng(histogramPlot({ title: `Anomaly scores on ${input.source}`, groups, threshold, xLabel: 'score', bins: 50 })),
    caption: `Scores of ${labels ? 'normal and anomalous' : 'all'} inputs (each group as a fraction of itself); the dashed line is the threshold.`,
  });
  if (evaluation && labels) {
    const roc = rocCurve(labels, scores);
    const [fx, fy] = thin(roc.falsePositiveRate, roc.truePositiveRate);
    figures.push({
      file: 'roc-curve.png',
      png: await svgToPng(
        linePlot({
          title: `ROC curve: AUROC ${evaluation.auroc.toFixed(4)}`,
          xLabel: 'false positive rate',
          yLabel: 'true positive rate',
          series: [
            { name: 'detector', x: fx, y: fy },
            { name: 'chance', x: [0, 1], y: [0, 1] },
          ],
        }),
      ),
      caption: 'True positive rate against false positive rate as the threshold moves; the diagonal is a random ranking.',
    });
    const pr = precisionRecallCurve(labels, scores);
    const [rx, ry] = thin(pr.recall, pr.precision);
    const base = evaluation.anomalies / evaluation.samples;
    figures.push({
      file: 'pr-curve.png',
      png: await svgToPng(
        linePlot({
          title: `Precision-recall curve: average precision ${evaluation.averagePrecision.toFixed(4)}`,
          xLabel: 'recall',
          yLabel: 'precision',
          series: [
            { name: 'detector', x: rx, y: ry },
            { name: 'chance', x: [0, 1], y: [base, base] },
          ],
        }),
      ),
      caption: `Precision against recall; chance is the share of anomalies, ${base.toFixed(3)}.`,
    });
  }

  const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, Math.min(top, scores.length));
  const shape = detector.imageShape;
  let tableRows = '';
  if (shape) {
    const picked = pick(x, order);
    const explanation = detector.explain(picked);
    const overlays = heatOverlayBatch(picked, explanation.map);
    const rows = [clip(picked), clip(explanation.reconstruction), overlays];
    const rowLabels = ['input', 'reconstruction', 'error'];
    if (input.masks) {
      rows.push(maskOverlayBatch(picked, pick(input.masks, order)));
      rowLabels.push('true mask');
    }
    figures.push({
      file: 'top-anomalies.png',
      png: await imageGrid(rows, { scale: 3, labels: rowLabels }),
      caption: `The ${order.length} highest-scoring inputs, left to right: the input, its reconstruction, and the reconstruction error overlaid (red to yellow = larger)${input.masks ? ', and the true anomaly mask in green' : ''}.`,
    });
  } else {
    const explanation = detector.explain(pick(x, order));
    const names = detector.columns ?? Array.from({ length: explanation.map.shape[1] }, (_, j) => `col_${j + 1}`);
    const width = names.length;
    tableRows = order
      .map((row, i) => {
        const contributions = Array.from(explanation.map.data.subarray(i * width, (i + 1) * width));
        const total = contributions.reduce((a, b) => a + b, 0) || 1;
        const best = contributions.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
        const features = best.map(([v, j]) => `${escapeXml(names[j])} (${((100 * v) / total).toFixed(0)}%)`).join(', ');
        return `<tr><td>${row}</td><td>${scores[row].toPrecision(5)}</td><td>${escapeXml(labelText(input, row))}</td><td>${features}</td></tr>`;
      })
      .join('\n');
  }

  let pixelEvaluation: PixelEvaluation | null = null;
  if (input.masks && shape) {
    const [n, , h, w] = x.shape;
    const maps = detector.anomalyMaps(x).maps;
    pixelEvaluation = evaluatePixels({
      set: { labels, groups: input.groups ? [...input.groups] : null, masks: input.masks, foreground: input.foreground ?? null },
      maps: maps.data,
      imageScores: scores,
      n,
      h,
      w,
    });
  }

  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const f of figures) {
    await writeFileAtomic(path.join(dir, f.file), f.png);
    files.push(f.file);
  }
  const stats = detector.normalScores;
  const metrics = {
    source: input.source,
    samples: scores.length,
    flagged,
    threshold,
    thresholdRule: detector.thresholdRule,
    normalScores: { count: stats.count, mean: stats.mean, std: stats.std, median: quantileOf(stats, 0.5), p99: quantileOf(stats, 0.99), max: stats.max },
    evaluation,
    pixelEvaluation,
    topAnomalies: order.map((row) => ({ row, ...(input.paths ? { path: input.paths[row] } : {}), score: scores[row], label: labels ? labels[row] : null, class: input.classLabels ? input.classLabels[row] : null })),
  };
  await writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  files.push('metrics.json');
  await writeFileAtomic(path.join(dir, 'report.html'), reportPage(input, metrics, figures, tableRows, order, scores));
  files.push('report.html');
  return { files, evaluation, pixelEvaluation, flagged };
}

/** One image (sample i of a batch) with its error map overlaid, as a PNG: for `detect score --maps`. */
export async function errorHeatmap(images: Tensor, maps: Tensor, i: number, scale = 4): Promise<Buffer> {
  const [, c, h, w] = images.shape;
  const { grey, heat } = greyAndHeat(images, maps, i, c, h * w);
  return heatmapOverlay(grey, heat, h, w, scale);
}

function reportPage(
  input: AnomalyReportInput,
  metrics: { samples: number; flagged: number; threshold: number; evaluation: DetectorEvaluation | null; normalScores: Record<string, number> },
  figures: { file: string; png: Buffer; caption: string }[],
  tableRows: string,
  order: number[],
  scores: Float32Array,
): string {
  const e = metrics.evaluation;
  const rows: [string, string][] = [
    ['data', input.source],
    ['samples', metrics.samples.toLocaleString('en-US')],
    ['threshold', `${metrics.threshold.toPrecision(5)} (${describeThresholdRule(input.detector.thresholdRule)})`],
    ['flagged', `${metrics.flagged.toLocaleString('en-US')} (${((100 * metrics.flagged) / metrics.samples).toFixed(1)}%)`],
    ['normal scores', `mean ${metrics.normalScores.mean.toPrecision(4)}, median ${metrics.normalScores.median.toPrecision(4)}, 99th percentile ${metrics.normalScores.p99.toPrecision(4)}`],
  ];
  if (e) {
    const c = e.atThreshold.confusion;
    rows.push(
      ['anomalies in the data', `${e.anomalies.toLocaleString('en-US')} of ${e.samples.toLocaleString('en-US')}`],
      ['AUROC', e.auroc.toFixed(4)],
      ['average precision', e.averagePrecision.toFixed(4)],
      ['at the threshold', `precision ${e.atThreshold.precision.toFixed(4)}, recall ${e.atThreshold.recall.toFixed(4)}, F1 ${e.atThreshold.f1.toFixed(4)}`],
      ['confusion matrix', `TP ${c.truePositives}, FP ${c.falsePositives}, TN ${c.trueNegatives}, FN ${c.falseNegatives}`],
    );
  } else {
    rows.push(['evaluation', 'no labels given: ROC and precision-recall curves need to know which inputs are anomalies']);
  }
  const figureHtml = figures
    .map((f) => `<figure><img alt="${escapeXml(f.file)}" src="data:image/png;base64,${f.png.toString('base64')}"><figcaption>${escapeXml(f.caption)}</figcaption></figure>`)
    .join('\n');
  const captions = input.detector.imageShape
    ? `<p>Most anomalous, left to right: ${order.map((row) => `#${row} (${scores[row].toPrecision(4)}${input.classLabels ? `, ${escapeXml(labelText(input, row))}` : ''})`).join(', ')}.</p>`
    : `<h2>Most anomalous rows</h2><table><tr><th>row</th><th>score</th><th>label</th><th>top contributing features</th></tr>${tableRows}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hourglass anomaly report</title>
<style>
body { font-family: 'DejaVu Sans', sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
figure { margin: 1.5em 0; } img { max-width: 100%; } figcaption { color: #555; font-size: 0.9em; }
</style></head><body>
<h1>Anomaly report</h1>
<p>${escapeXml(input.description ?? `${input.detector.scoreKinds.join(' + ')} detector`)}</p>
<table>${rows.map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`).join('')}</table>
${figureHtml}
${captions}
</body></html>
`;
}

function labelText(input: AnomalyReportInput, row: number): string {
  const parts: string[] = [];
  if (input.classLabels) {
    const c = input.classLabels[row];
    parts.push(input.classNames?.[c] ?? `class ${c}`);
  }
  if (input.labels) parts.push(input.labels[row] === 1 ? 'anomaly' : 'normal');
  return parts.join(', ') || '-';
}

function pick(x: Tensor, rows: number[]): Tensor {
  const per = x.data.length / x.shape[0];
  const out = tensor([rows.length, ...x.shape.slice(1)]);
  rows.forEach((r, i) => out.data.set(x.data.subarray(r * per, (r + 1) * per), i * per));
  return out;
}

function clip(t: Tensor): Tensor {
  return { shape: t.shape, data: t.data.map((v) => (v > 0 ? (v < 1 ? v : 1) : 0)) };
}

/** Channel mean of sample i (the picture) and of its error map (the heat). */
function greyAndHeat(images: Tensor, maps: Tensor, i: number, c: number, plane: number): { grey: Float32Array; heat: Float32Array } {
  const grey = new Float32Array(plane);
  const heat = new Float32Array(plane);
  const base = i * c * plane;
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < plane; p++) {
      grey[p] += images.data[base + ch * plane + p] / c;
      heat[p] += Math.max(0, maps.data[base + ch * plane + p]) / c;
    }
  return { grey, heat };
}

/** At most CURVE_POINTS points of a monotone curve, keeping its first and last point. */
function thin(x: Float64Array, y: Float64Array): [number[], number[]] {
  const step = Math.max(1, Math.ceil(x.length / CURVE_POINTS));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i += step) {
    xs.push(x[i]);
    ys.push(y[i]);
  }
  if ((x.length - 1) % step !== 0) {
    xs.push(x[x.length - 1]);
    ys.push(y[y.length - 1]);
  }
  return [xs, ys];
}
