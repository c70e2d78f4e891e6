import { estimateTextWidth, fmt, svgText } from './svg.js';

export interface LegendEntry {
  readonly name: string;
  readonly color: string;
  /** How the entry's mark looks in the plot: a line, a dot, or a filled box (bars). */
  readonly mark: 'line' | 'dot' | 'box';
}

const ROW_HEIGHT = 18;
const FONT_SIZE = 12;
const MARK_WIDTH = 22;
const PADDING = 8;

export function legendSize(entries: readonly LegendEntry[]): { width: number; height: number } {
  const longest = Math.max(0, ...entries.map((e) => estimateTextWidth(e.name, FONT_SIZE)));
  return { width: PADDING * 2 + MARK_WIDTH + 6 + longest, height: PADDING * 2 + entries.length * ROW_HEIGHT - 4 };
}

/** A boxed legend whose top-left corner is at (x, y). */
export function legendSvg(entries: readonly LegendEntry[], x: number, y: number): string[] {
  if (entries.length === 0) return [];
  const { width, height } = legendSize(entries);
  const out = [
    `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(width)}" height="${fmt(height)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb" stroke-width="1"/>`,
  ];
  entries.forEach((e, i) => {
    const cy = y + PADDING + i * ROW_HEIGHT + (ROW_HEIGHT - 4) / 2;
    const mx = x + PADDING;
    if (e.mark === 'line')
      out.push(`<line x1="${fmt(mx)}" y1="${fmt(cy)}" x2="${fmt(mx + MARK_WIDTH)}" y2="${fmt(cy)}" stroke="${e.color}" stroke-width="2.5"/>`);
    else if (e.mark === 'dot') out.push(`<circle cx="${fmt(mx + MARK_WIDTH / 2)}" cy="${fmt(cy)}" r="4.5" fill="${e.color}"/>`);
    else
      out.push(
        `<rect x="${fmt(mx + 3)}" y="${fmt(cy - 6)}" width="${MARK_WIDTH - 6}" height="12" fill="${e.color}" fill-opacity="0.5" stroke="${e.color}"/>`,
      );
    out.push(svgText(mx + MARK_WIDTH + 6, cy, e.name, { size: FONT_SIZE }));
  });
  return out;
}

export type Point = readonly [number, number];

/**
 * Puts the legend in the corner of the plot area that covers the fewest marks (top right
 * when several tie), so it never hides the part of the curve people look at.
 */
export function placeLegend(
  size: { width: number; height: number },
  area: { left: number; top: number; width: number; height: number },
  marks: Iterable<Point>,
  margin = 8,
): { x: number; y: number } {
  const left = area.left + margin;
  const right = area.left + area.width - size.width - margin;
  const top = area.top + margin;
  const bottom = area.top + area.height - size.height - margin;
  const corners = [
    { x: right, y: top },
    { x: left, y: top },
    { x: right, y: bottom },
    { x: left, y: bottom },
  ];
  const covered = new Array<number>(corners.length).fill(0);
  for (const [px, py] of marks)
    corners.forEach((c, i) => {
      if (px >= c.x - 4 && px <= c.x + size.width + 4 && py >= c.y - 4 && py <= c.y + size.height + 4) covered[i]++;
    });
  let best = 0;
  for (let i = 1; i < corners.length; i++) if (covered[i] < covered[best]) best = i;
  return corners[best];
}

/** Points along a polyline, spaced a few pixels apart, so a legend test sees the lines and not only their vertices. */
export function samplePolyline(points: readonly Point[], spacing = 4): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < points.length; i++) {
    out.push(points[i]);
    if (i === 0) continue;
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const steps = Math.floor(Math.hypot(x1 - x0, y1 - y0) / spacing);
    for (let s = 1; s < steps; s++) out.push([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]);
  }
  return out;
}
