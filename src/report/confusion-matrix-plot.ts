import { invalid } from '../core/errors.js';
import { estimateTextWidth, fmt, svgDocument, svgText } from './svg.js';

export interface ConfusionMatrixPlotOptions {
  title: string;
  /** confusion[true][predicted] counts. */
  confusion: readonly (readonly number[])[];
  classNames: readonly string[];
  cellSize?: number;
}

/**
 * The confusion matrix as a grid: rows are the true classes, columns the predictions,
 * each cell shaded by the fraction of its row (so classes of different sizes compare) and
 * labelled with its count. The diagonal is the per-class recall.
 */
export function confusionMatrixPlot({ title, confusion, classNames, cellSize = 46 }: ConfusionMatrixPlotOptions): string {
  const k = classNames.length;
  if (confusion.length !== k || confusion.some((row) => row.length !== k))
    throw invalid(`the confusion matrix must be ${k}x${k} (one row and column per class)`);
  const labelWidth = Math.max(...classNames.map((n) => estimateTextWidth(n, 12))) + 16;
  const left = labelWidth + 28;
  const top = labelWidth + 56;
  const size = k * cellSize;
  const width = left + size + 24;
  const height = top + size + 24;
  const body: string[] = [svgText(width / 2, 22, title, { size: 15, anchor: 'middle', weight: 'bold' })];
  body.push(svgText(left + size / 2, 44, 'predicted class', { size: 12, anchor: 'middle' }));
  body.push(svgText(14, top + size / 2, 'true class', { size: 12, anchor: 'middle', rotate: -90 }));
  confusion.forEach((row, i) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, j) => {
      const fraction = total ? count / total : 0;
      const x = left + j * cellSize;
      const y = top + i * cellSize;
      // White to a deep blue; text turns white where the cell gets dark.
      const shade = (full: number) => Math.round(255 - fraction * (255 - full));
      body.push(`<rect x="${fmt(x)}" y="${fmt(y)}" width="${cellSize}" height="${cellSize}" fill="rgb(${shade(8)},${shade(48)},${shade(107)})" stroke="#ddd" stroke-width="1"/>`);
      if (count > 0)
        body.push(svgText(x + cellSize / 2, y + cellSize / 2, String(count), { size: 11, anchor: 'middle', fill: fraction > 0.5 ? '#fff' : '#222' }));
    });
    body.push(svgText(left - 8, top + i * cellSize + cellSize / 2, classNames[i], { size: 12, anchor: 'end' }));
  });
  classNames.forEach((name, j) => body.push(svgText(left + j * cellSize + cellSize / 2, top - 8, name, { size: 12, anchor: 'start', rotate: -90 })));
  body.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${size}" height="${size}" fill="none" stroke="#333" stroke-width="1"/>`);
  return svgDocument(width, height, body);
}
