/**
 * The one Gaussian kernel of the library: SSIM's window (metrics/ssim.ts), the anomaly
 * detector's error smoothing and the Gaussian-blur baseline of the denoiser all use it, and
 * differ only in how far they cut it (their `radius` rule, each documented where it is chosen).
 */

/** Normalised 1-D Gaussian weights over [-radius, radius] (2 radius + 1 taps). */
export function gaussianKernel(sigma: number, radius: number): Float64Array {
  const k = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let i = -radius; i <= radius; i++) total += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= total;
  return k;
}

/**
 * For a kernel slid along a line of `length` values with the weights that fall outside the
 * line dropped: 1 / (sum of the weights inside) at each position, which renormalises the
 * rest so a constant line stays constant and the border is not darkened.
 */
export function borderNormalisers(kernel: Float64Array, length: number): Float64Array {
  const radius = (kernel.length - 1) / 2;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    let s = 0;
    for (let t = Math.max(0, i - radius); t <= Math.min(length - 1, i + radius); t++) s += kernel[t - i + radius];
    out[i] = 1 / s;
  }
  return out;
}
