import { invalid } from '../core/errors.js';
import { axesSvg, clipPathSvg, extent, linearScale, logScale, type PlotArea } from './axes.js';
import { legendSize, legendSvg, placeLegend, type Point } from './legend.js';
import { categoryColor } from './palette.js';
import { fmt, svgDocument } from './svg.js';

export interface ErrorBarSeries {
  name: string;
  x: readonly number[];
  /** The line goes through the means... */
  mean: readonly number[];
  /** ...and a bar spans [low, high] at each x (e.g. the min and max over seeds). */
  low: readonly number[];
  high: readonly number[];
}

export interface ErrorBarPlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ErrorBarSeries[];
  /** Logarithmic x axis (e.g. number of labelled samples 100, 1000, 10000). */
  logX?: boolean;
  width?: number;
  height?: number;
}

/** Mean lines with a vertical bar for the spread at each point: results over several seeds. */
export function errorBarPlot({ title, xLabel, yLabel, series, logX = false, width = 720, height = 460 }: ErrorBarPlotOptions): string {
  series.forEach((s, i) => {
    const n = s.x.length;
    if (s.mean.length !== n || s.low.length !== n || s.high.length !== n)
      throw invalid(`series ${i} ('${s.name}'): x, mean, low and high must have the same length`);
  });
  const area: PlotArea = { left: 76, top: 44, width: width - 76 - 24, height: height - 44 - 58 };
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => [...s.low, ...s.high, ...s.mean]);
  const [x0, x1] = extent(xs, logX ? (v) => Number.isFinite(v) && v > 0 : Number.isFinite) ?? [1, 10];
  const [y0, y1] = extent(ys) ?? [0, 1];
  const xScale = logX ? logScale(x0, x1, area.left, area.left + area.width, 0.08) : linearScale(x0, x1, area.left, area.left + area.width);
  const yScale = linearScale(y0, y1, area.top + area.height, area.top, { padLow: 0.08, padHigh: 0.08 });
  const body = [clipPathSvg('plot-area', area), ...axesSvg(area, xScale, yScale, { title, xLabel, yLabel })];
  body.push('<g clip-path="url(#plot-area)">');
  const marks: Point[] = [];
  series.forEach((s, k) => {
    const color = categoryColor(k);
    // Series side by side around each x, so their bars do not hide each other.
    const offset = (k - (series.length - 1) / 2) * 5;
    const points: Point[] = [];
    s.x.forEach((x, i) => {
      if (!xScale.accepts(x) || !Number.isFinite(s.mean[i])) return;
      const px = xScale.toPixel(x) + offset;
      const [pl, ph, pm] = [yScale.toPixel(s.low[i]), yScale.toPixel(s.high[i]), yScale.toPixel(s.mean[i])];
      body.push(`<line x1="${fmt(px)}" y1="${fmt(pl)}" x2="${fmt(px)}" y2="${fmt(ph)}" stroke="${color}" stroke-width="1.5"/>`);
      for (const py of [pl, ph]) body.push(`<line x1="${fmt(px - 4)}" y1="${fmt(py)}" x2="${fmt(px + 4)}" y2="${fmt(py)}" stroke="${color}" stroke-width="1.5"/>`);
      body.push(`<circle cx="${fmt(px)}" cy="${fmt(pm)}" r="3.5" fill="${color}"/>`);
      points.push([px, pm]);
      marks.push([px, pl], [px, ph], [px, pm]);
    });
    if (points.length > 1)
      body.push(`<path d="M${points.map(([px, py]) => `${fmt(px)} ${fmt(py)}`).join(' L')}" fill="none" stroke="${color}" stroke-width="2"/>`);
  });
  body.push('</g>');
  const entries = series.map((s, k) => ({ name: s.name, color: categoryColor(k), mark: 'line' as const }));
  const at = placeLegend(legendSize(entries), area, marks);
  body.push(...legendSvg(entries, at.x, at.y));
  return svgDocument(width, height, body);
}
