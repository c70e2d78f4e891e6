import { invalid } from '../core/errors.js';
import { linearScale, type PlotArea } from './axes.js';
import { legendSize, legendSvg } from './legend.js';
import { categoryColor } from './palette.js';
import { fmt, svgDocument, svgText } from './svg.js';

export interface DotSeries {
  name: string;
  /** One value per category (NaN: no mark, e.g. a method that could not run there). */
  mean: readonly number[];
  /** Optional half-width of a bar around the mean (e.g. the standard deviation over seeds). */
  spread?: readonly number[];
}

export interface DotPlotOptions {
  title: string;
  yLabel: string;
  /** Category names along the x axis (e.g. data sets). */
  categories: readonly string[];
  series: readonly DotSeries[];
  width?: number;
  height?: number;
}

/**
 * A dot plot over named categories: each series a coloured dot per category (side by side,
 * so they do not hide each other) with an optional bar of +- spread, a legend on the right.
 * For results per data set and method, where a line between data sets would mean nothing.
 */
export function dotPlot({ title, yLabel, categories, series, width = 980, height = 500 }: DotPlotOptions): string {
  series.forEach((s, i) => {
    if (s.mean.length !== categories.length || (s.spread && s.spread.length !== categories.length))
      throw invalid(`series ${i} ('${s.name}') needs one value per category (${categories.length})`);
  });
  const legend = series.map((s, k) => ({ name: s.name, color: categoryColor(k), mark: 'dot' as const }));
  const size = legendSize(legend);
  const area: PlotArea = { left: 70, top: 44, width: width - 70 - size.width - 30, height: height - 44 - 110 };
  const values = series.flatMap((s) => s.mean.flatMap((m, i) => [m - (s.spread?.[i] ?? 0), m + (s.spread?.[i] ?? 0)])).filter(Number.isFinite);
  const y = linearScale(values.length ? Math.min(...values) : 0, values.length ? Math.max(...values) : 1, area.top + area.height, area.top, { padLow: 0.05, padHigh: 0.05 });
  const body: string[] = [svgText(width / 2, 20, title, { size: 15, anchor: 'middle', weight: 'bold' })];
  body.push(`<rect x="${area.left}" y="${area.top}" width="${area.width}" height="${area.height}" fill="none" stroke="#444"/>`);
  for (const t of y.ticks) {
    const py = y.toPixel(t);
    body.push(`<line x1="${area.left}" y1="${fmt(py)}" x2="${area.left + area.width}" y2="${fmt(py)}" stroke="#e4e4e4"/>`);
    body.push(svgText(area.left - 6, py, y.format(t), { size: 11, anchor: 'end' }));
  }
  body.push(svgText(18, area.top + area.height / 2, yLabel, { size: 12, anchor: 'middle', rotate: -90 }));
  const slot = area.width / Math.max(1, categories.length);
  categories.forEach((c, i) => {
    const cx = area.left + slot * (i + 0.5);
    if (i > 0) body.push(`<line x1="${fmt(area.left + slot * i)}" y1="${area.top}" x2="${fmt(area.left + slot * i)}" y2="${area.top + area.height}" stroke="#f0f0f0"/>`);
    body.push(svgText(cx, area.top + area.height + 12, c, { size: 11, anchor: 'end', rotate: -35 }));
    series.forEach((s, k) => {
      const m = s.mean[i];
      if (!Number.isFinite(m)) return;
      const px = cx + (k - (series.length - 1) / 2) * Math.min(9, (slot * 0.8) / Math.max(1, series.length));
      const color = categoryColor(k);
      const d = s.spread?.[i] ?? 0;
      if (d > 0) body.push(`<line x1="${fmt(px)}" y1="${fmt(y.toPixel(m - d))}" x2="${fmt(px)}" y2="${fmt(y.toPixel(m + d))}" stroke="${color}" stroke-width="1.5"/>`);
      body.push(`<circle cx="${fmt(px)}" cy="${fmt(y.toPixel(m))}" r="3.5" fill="${color}"/>`);
    });
  });
  body.push(...legendSvg(legend, area.left + area.width + 16, area.top));
  return svgDocument(width, height, body);
}
