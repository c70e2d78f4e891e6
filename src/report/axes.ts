import { fmt, svgText } from './svg.js';

/** Maps data values to pixels along one axis and knows its tick marks. */
export interface Scale {
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  readonly log: boolean;
  toPixel(value: number): number;
  /** Whether the value can be drawn on this scale (finite, and positive on a log scale). */
  accepts(value: number): boolean;
  format(value: number): string;
}

/** Where the plot area sits inside the picture. */
export interface PlotArea {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Smallest and largest drawable values; a range of one value is widened so it can be shown. */
export function extent(values: Iterable<number>, accept: (v: number) => boolean = Number.isFinite): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!accept(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : null;
}

/**
 * Round tick values ("nice numbers": 1, 2 or 5 times a power of ten) covering [min, max],
 * about `count` of them, from the tick at or below min to the one at or above max.
 */
export function niceTicks(min: number, max: number, count = 6): { domain: [number, number]; ticks: number[]; step: number } {
  [min, max] = widenSingleValue(min, max);
  const step = niceStep((max - min) / Math.max(1, count - 1));
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(Math.min(20, decimals + 1))));
  return { domain: [first * step, last * step], ticks, step };
}

function niceStep(rough: number): number {
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const fraction = rough / power;
  // Rounding to the nearest nice step (on a log scale) rather than up keeps the domain tight.
  const nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return nice * power;
}

export interface LinearScaleOptions {
  /** About this many ticks. */
  count?: number;
  /** Margins beyond the data, as fractions of its range, so marks never sit on the frame; 0 pins the axis to the data (bars from 0). */
  padLow?: number;
  padHigh?: number;
}

export function linearScale(
  min: number,
  max: number,
  pixelFrom: number,
  pixelTo: number,
  { count = 6, padLow = 0.04, padHigh = 0.04 }: LinearScaleOptions = {},
): Scale {
  [min, max] = widenSingleValue(min, max);
  const range = max - min;
  const d0 = min - padLow * range;
  const d1 = max + padHigh * range;
  const { ticks, step } = niceTicks(d0, d1, count);
  const tolerance = (d1 - d0) * 1e-9;
  return {
    domain: [d0, d1],
    ticks: ticks.filter((t) => t >= d0 - tolerance && t <= d1 + tolerance),
    log: false,
    toPixel: (v) => pixelFrom + ((v - d0) / (d1 - d0)) * (pixelTo - pixelFrom),
    accepts: Number.isFinite,
    format: (v) => formatLinearTick(v, step),
  };
}

/**
 * Powers of ten; with three decades or fewer also 2 and 5 times them, and within about
 * one decade every multiple 1..9, so a short loss curve still gets several labels.
 */
export function logScale(min: number, max: number, pixelFrom: number, pixelTo: number, pad = 0.04): Scale {
  if (!(min > 0) || !Number.isFinite(min)) min = 1;
  if (!(max > 0) || !Number.isFinite(max) || max < min) max = min;
  let l0 = Math.log10(min);
  let l1 = Math.log10(max);
  if (l1 - l0 < 0.3) {
    const middle = (l0 + l1) / 2;
    l0 = middle - 0.15;
    l1 = middle + 0.15;
  }
  const span = l1 - l0;
  l0 -= pad * span;
  l1 += pad * span;
  const decades = l1 - l0;
  const multiples = decades <= 1.2 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : decades <= 3 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / 8));
  const ticks: number[] = [];
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    if (e % every !== 0) continue;
    for (const m of multiples) {
      const v = Number(`${m}e${e}`);
      const lv = Math.log10(v);
      if (lv >= l0 - 1e-9 && lv <= l1 + 1e-9) ticks.push(v);
    }
  }
  return {
    domain: [Math.pow(10, l0), Math.pow(10, l1)],
    ticks,
    log: true,
    toPixel: (v) => pixelFrom + ((Math.log10(v) - l0) / (l1 - l0)) * (pixelTo - pixelFrom),
    accepts: (v) => Number.isFinite(v) && v > 0,
    format: formatLogTick,
  };
}

function widenSingleValue(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return [min - pad, max + pad];
  }
  return [min, max];
}

export function formatLinearTick(v: number, step: number): string {
  if (Math.abs(v) < step * 1e-6) return '0';
  if (Math.abs(v) >= 1e6 || step < 1e-4) {
    const digits = Math.max(0, Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step) + 1e-9));
    return v.toExponential(Math.min(digits, 6)).replace('e+', 'e');
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}

export function formatLogTick(v: number): string {
  if (v >= 1e-3 && v < 1e5) return String(Number(v.toPrecision(6)));
  return v.toExponential(0).replace('e+', 'e');
}

export interface AxesOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Horizontal grid lines at the y ticks. */
  grid?: boolean;
}

/** Frame, ticks, tick labels, grid, axis labels and title around a plot area. */
export function axesSvg(area: PlotArea, x: Scale, y: Scale, { title, xLabel, yLabel, grid = true }: AxesOptions): string[] {
  const { left, top, width, height } = area;
  const bottom = top + height;
  const right = left + width;
  const out: string[] = [];
  for (const t of y.ticks) {
    const py = y.toPixel(t);
    if (grid) out.push(`<line x1="${fmt(left)}" y1="${fmt(py)}" x2="${fmt(right)}" y2="${fmt(py)}" stroke="#e4e4e4" stroke-width="1"/>`);
    out.push(`<line x1="${fmt(left - 5)}" y1="${fmt(py)}" x2="${fmt(left)}" y2="${fmt(py)}" stroke="#333" stroke-width="1"/>`);
    out.push(svgText(left - 8, py, y.format(t), { size: 11, anchor: 'end' }));
  }
  for (const t of x.ticks) {
    const px = x.toPixel(t);
    out.push(`<line x1="${fmt(px)}" y1="${fmt(bottom)}" x2="${fmt(px)}" y2="${fmt(bottom + 5)}" stroke="#333" stroke-width="1"/>`);
    out.push(svgText(px, bottom + 16, x.format(t), { size: 11, anchor: 'middle' }));
  }
  out.push(`<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(width)}" height="${fmt(height)}" fill="none" stroke="#333" stroke-width="1"/>`);
  if (title) out.push(svgText(left + width / 2, top / 2, title, { size: 15, anchor: 'middle', weight: 'bold' }));
  if (xLabel) out.push(svgText(left + width / 2, bottom + 38, xLabel, { size: 12, anchor: 'middle' }));
  if (yLabel) out.push(svgText(left - 54, top + height / 2, yLabel, { size: 12, anchor: 'middle', rotate: -90 }));
  return out;
}

/** Clips plot content to the plot area, so out-of-domain marks cannot spill over the axes. */
export function clipPathSvg(id: string, area: PlotArea): string {
  return `<clipPath id="${id}"><rect x="${fmt(area.left)}" y="${fmt(area.top)}" width="${fmt(area.width)}" height="${fmt(area.height)}"/></clipPath>`;
}
