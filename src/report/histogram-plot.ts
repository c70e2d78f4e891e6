import { invalid } from '../core/errors.js';
import { axesSvg, clipPathSvg, extent, linearScale, type PlotArea } from './axes.js';
import { legendSize, legendSvg, placeLegend, type LegendEntry, type Point } from './legend.js';
import { categoryColor } from './palette.js';
import { estimateTextWidth, fmt, svgDocument, svgText } from './svg.js';

export interface HistogramGroup {
  name: string;
  values: ArrayLike<number>;
}

export interface HistogramPlotOptions {
  title: string;
  groups: readonly HistogramGroup[];
  /** A vertical line, e.g. the anomaly threshold on reconstruction errors. */
  threshold?: number;
  xLabel?: string;
  bins?: number;
  width?: number;
  height?: number;
}

/**
 * Overlaid distributions on shared bins, each normalised to the fraction of its own group,
 * so a few hundred anomalies show up next to tens of thousands of normal scores.
 */
export function histogramPlot({ title, groups, threshold, xLabel = 'score', bins = 40, width = 720, height = 440 }: HistogramPlotOptions): string {
  if (!Number.isInteger(bins) || bins < 1) throw invalid(`bins must be a positive integer, got ${bins}`);
  if (threshold !== undefined && !Number.isFinite(threshold)) throw invalid(`threshold must be a finite number, got ${threshold}`);
  const area: PlotArea = { left: 76, top: 44, width: width - 76 - 24, height: height - 44 - 58 };
  if (area.width < 40 || area.height < 40) throw invalid(`a ${width}x${height} plot is too small; use at least 200x200`);

  const all: number[] = [];
  for (const g of groups) for (let i = 0; i < g.values.length; i++) if (Number.isFinite(g.values[i])) all.push(g.values[i]);
  if (threshold !== undefined) all.push(threshold);
  let [lo, hi] = extent(all) ?? [0, 1];
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const binWidth = (hi - lo) / bins;
  const fractions = groups.map((g) => {
    const counts = new Float64Array(bins);
    let total = 0;
    for (let i = 0; i < g.values.length; i++) {
      const v = g.values[i];
      if (!Number.isFinite(v)) continue;
      counts[Math.min(bins - 1, Math.floor((v - lo) / binWidth))]++;
      total++;
    }
    return total > 0 ? counts.map((c) => c / total) : counts;
  });
  const top = Math.max(0, ...fractions.flatMap((f) => [...f]));

  const xScale = linearScale(lo, hi, area.left, area.left + area.width, { count: 7, padLow: 0.02, padHigh: 0.02 });
  const yScale = linearScale(0, top > 0 ? top : 1, area.top + area.height, area.top, { padLow: 0, padHigh: 0.05 });
  const body = [clipPathSvg('plot-area', area), ...axesSvg(area, xScale, yScale, { title, xLabel, yLabel: 'fraction of group' })];
  body.push('<g clip-path="url(#plot-area)">');
  const base = yScale.toPixel(0);
  const marks: Point[] = [];
  fractions.forEach((f, k) => {
    const color = categoryColor(k);
    for (let b = 0; b < bins; b++) {
      if (f[b] === 0) continue;
      const x0 = xScale.toPixel(lo + b * binWidth);
      const x1 = xScale.toPixel(lo + (b + 1) * binWidth);
      const y = yScale.toPixel(f[b]);
      for (let s = 0; s <= 4; s++) marks.push([(x0 + x1) / 2, y + ((base - y) * s) / 4]);
      body.push(
        `<rect x="${fmt(x0)}" y="${fmt(y)}" width="${fmt(x1 - x0)}" height="${fmt(base - y)}" fill="${color}" fill-opacity="0.45" stroke="${color}" stroke-width="0.8"/>`,
      );
    }
  });
  body.push('</g>');

  const entries: LegendEntry[] = groups.map((g, k) => ({ name: g.name, color: categoryColor(k), mark: 'box' }));
  if (threshold !== undefined) {
    const px = xScale.toPixel(threshold);
    body.push(
      `<line x1="${fmt(px)}" y1="${fmt(area.top)}" x2="${fmt(px)}" y2="${fmt(area.top + area.height)}" stroke="#111" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    const label = `threshold ${Number(threshold.toPrecision(4))}`;
    const rightHalf = px > area.left + area.width / 2;
    body.push(svgText(rightHalf ? px - 6 : px + 6, area.top + 14, label, { size: 11, anchor: rightHalf ? 'end' : 'start' }));
    for (let y = area.top; y <= area.top + area.height; y += 4) marks.push([px, y]);
    const labelWidth = estimateTextWidth(label, 11);
    for (let x = 0; x <= labelWidth; x += 4) marks.push([rightHalf ? px - 6 - x : px + 6 + x, area.top + 14]);
  }
  const legend = legendSize(entries);
  const at = placeLegend(legend, area, marks);
  body.push(...legendSvg(entries, at.x, at.y));
  return svgDocument(width, height, body);
}
