/**
 * The threshold between background and tissue of intensities in [0, 1] by Otsu's method
 * (the split of a 256-bin histogram that maximises the between-class variance).
 */
export function otsuThreshold(values: Float32Array): number {
  const bins = 256;
  const histogram = new Float64Array(bins);
  for (const v of values) histogram[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  const total = values.length;
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * histogram[b];
  let weightBelow = 0;
  let sumBelow = 0;
  let best = 0;
  let bestBin = 0;
  for (let b = 0; b < bins; b++) {
    weightBelow += histogram[b];
    if (weightBelow === 0) continue;
    const weightAbove = total - weightBelow;
    if (weightAbove === 0) break;
    sumBelow += b * histogram[b];
    const meanBelow = sumBelow / weightBelow;
    const meanAbove = (sumAll - sumBelow) / weightAbove;
    const between = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (between > best) {
      best = between;
      bestBin = b;
    }
  }
  return (bestBin + 1) / bins;
}

/**
 * A plane's foreground: pixels above `threshold`, with the holes filled (dark pixels that the
 * image border cannot reach through other dark pixels, e.g. ventricles inside a head), so
 * the mask is the object's outline rather than its bright parts.
 */
export function filledForeground(plane: Float32Array, h: number, w: number, threshold: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  for (let p = 0; p < h * w; p++) mask[p] = plane[p] > threshold ? 1 : 0;
  // Flood the background from the border (4-connected); whatever it does not reach is inside.
  const outside = new Uint8Array(h * w);
  const stack: number[] = [];
  const push = (p: number): void => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack.push(p);
    }
  };
  for (let x = 0; x < w; x++) {
    push(x);
    push((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    push(y * w);
    push(y * w + w - 1);
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const y = (p / w) | 0;
    const x = p - y * w;
    if (x > 0) push(p - 1);
    if (x < w - 1) push(p + 1);
    if (y > 0) push(p - w);
    if (y < h - 1) push(p + w);
  }
  for (let p = 0; p < h * w; p++) mask[p] = outside[p] ? 0 : 1;
  return mask;
}
