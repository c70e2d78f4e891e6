import { invalid } from '../core/errors.js';
import { axesSvg, clipPathSvg, extent, linearScale, logScale, type PlotArea, type Scale } from './axes.js';
import { legendSize, legendSvg, placeLegend, samplePolyline, type Point } from './legend.js';
import { categoryColor } from './palette.js';
import { fmt, svgDocument } from './svg.js';

export { svgToPng } from './svg.js';

export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Logarithmic y axis (loss curves); values that are not positive are left out. */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** Points drawn as dots too when a series is this short, so single epochs stay visible. */
const MARKER_LIMIT = 40;

/**
 * Lines over a shared x axis, e.g. loss and val_loss per epoch. A point that cannot be drawn
 * (NaN after divergence, or not positive on a log axis) breaks the line instead of bending it.
 */
export function linePlot({ title, xLabel, yLabel, series, logY = false, width = 720, height = 440 }: LinePlotOptions): string {
  series.forEach((s, i) => {
    if (s.x.length !== s.y.length)
      throw invalid(`series ${i} ('${s.name}') has ${s.x.length} x values and ${s.y.length} y values; they must pair up`);
  });
  const area: PlotArea = { left: 76, top: 44, width: width - 76 - 24, height: height - 44 - 58 };
  if (area.width < 40 || area.height < 40) throw invalid(`a ${width}x${height} plot is too small; use at least 200x200`);

  const drawable = (i: number, s: LineSeries): boolean => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!logY || s.y[i] > 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series)
    for (let i = 0; i < s.x.length; i++)
      if (drawable(i, s)) {
        xs.push(s.x[i]);
        ys.push(s.y[i]);
      }
  const [x0, x1] = extent(xs) ?? [0, 1];
  const [y0, y1] = extent(ys) ?? (logY ? [0.1, 1] : [0, 1]);
  const xScale = linearScale(x0, x1, area.left, area.left + area.width, { count: 7 });
  const yScale: Scale = logY
    ? logScale(y0, y1, area.top + area.height, area.top)
    : linearScale(y0, y1, area.top + area.height, area.top);

  const body = [clipPathSvg('plot-area', area), ...axesSvg(area, xScale, yScale, { title, xLabel, yLabel })];
  body.push('<g clip-path="url(#plot-area)">');
  const marks: Point[] = [];
  series.forEach((s, k) => {
    const color = categoryColor(k);
    const segments: Point[][] = [[]];
    for (let i = 0; i < s.x.length; i++) {
      if (!drawable(i, s)) {
        if (segments[segments.length - 1].length > 0) segments.push([]);
        continue;
      }
      segments[segments.length - 1].push([xScale.toPixel(s.x[i]), yScale.toPixel(s.y[i])]);
    }
    const markers = segments.flat().length <= MARKER_LIMIT;
    for (const points of segments) {
      marks.push(...samplePolyline(points));
      if (points.length > 1)
        body.push(
          `<path d="M${points.map(([px, py]) => `${fmt(px)} ${fmt(py)}`).join(' L')}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round"/>`,
        );
      if (markers || points.length === 1)
        for (const [px, py] of points) body.push(`<circle cx="${fmt(px)}" cy="${fmt(py)}" r="3" fill="${color}"/>`);
    }
  });
  body.push('</g>');

  const entries = series.map((s, k) => ({ name: s.name, color: categoryColor(k), mark: 'line' as const }));
  const legend = legendSize(entries);
  const at = placeLegend(legend, area, marks);
  body.push(...legendSvg(entries, at.x, at.y));
  return svgDocument(width, height, body);
}
