import { invalid } from '../core/errors.js';
import { axesSvg, clipPathSvg, extent, linearScale, type PlotArea } from './axes.js';
import { legendSize, legendSvg } from './legend.js';
import { categoryColor } from './palette.js';
import { fmt, svgDocument } from './svg.js';

export interface ScatterPoint {
  x: number;
  y: number;
  /** Class index, 0-based; it picks the colour and the legend entry. */
  label: number;
}

export interface ScatterPlotOptions {
  title: string;
  points: readonly ScatterPoint[];
  /** Legend names by class index; 'class N' where missing. */
  classNames?: readonly string[];
  xLabel?: string;
  yLabel?: string;
  /** Size of the plot area plus axes; the legend column is added to the width. */
  width?: number;
  height?: number;
}

/** 2-D codes coloured by class, the usual picture of what a bottleneck has learned. */
export function scatterPlot({ title, points, classNames, xLabel, yLabel, width = 600, height = 520 }: ScatterPlotOptions): string {
  const labels = new Set<number>();
  points.forEach((p, i) => {
    if (!Number.isInteger(p.label) || p.label < 0) throw invalid(`point ${i} has label ${p.label}; labels are class indices 0, 1, 2, ...`);
    labels.add(p.label);
  });
  const classes = [...labels].sort((a, b) => a - b);
  const entries = classes.map((c) => ({ name: classNames?.[c] ?? `class ${c}`, color: categoryColor(c), mark: 'dot' as const }));
  const legend = legendSize(entries);
  const legendColumn = entries.length > 0 ? legend.width + 16 : 0;

  const area: PlotArea = { left: 76, top: 44, width: width - 76 - 24, height: height - 44 - 58 };
  if (area.width < 40 || area.height < 40) throw invalid(`a ${width}x${height} plot is too small; use at least 200x200`);
  const drawable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const [x0, x1] = extent(drawable.map((p) => p.x)) ?? [0, 1];
  const [y0, y1] = extent(drawable.map((p) => p.y)) ?? [0, 1];
  const xScale = linearScale(x0, x1, area.left, area.left + area.width, { count: 7 });
  const yScale = linearScale(y0, y1, area.top + area.height, area.top);

  // Small dots and some transparency keep dense clusters readable with thousands of points.
  const radius = drawable.length > 2000 ? 1.8 : drawable.length > 300 ? 2.5 : 3.5;
  const body = [clipPathSvg('plot-area', area), ...axesSvg(area, xScale, yScale, { title, xLabel, yLabel, grid: false })];
  body.push(`<g clip-path="url(#plot-area)" fill-opacity="0.75">`);
  for (const p of drawable)
    body.push(`<circle cx="${fmt(xScale.toPixel(p.x))}" cy="${fmt(yScale.toPixel(p.y))}" r="${radius}" fill="${categoryColor(p.label)}"/>`);
  body.push('</g>');
  body.push(...legendSvg(entries, area.left + area.width + 16, area.top));
  return svgDocument(width + legendColumn, height, body);
}
