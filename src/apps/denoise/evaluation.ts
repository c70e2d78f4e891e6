import { invalid } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { meanPsnr } from '../../metrics/psnr.js';
import { meanSsim } from '../../metrics/ssim.js';
import { corruptWithSeed, formatCorruption, type Corruption, type CorruptionKind } from './corruption.js';
import { bestBlurSigma, clip, gaussianBlur, medianFilter } from './filters.js';
import type { Denoiser } from './denoiser.js';
import { RANDOM_STREAMS } from '../../core/random-streams.js';

/** The methods compared, in table order. */
export const METHODS = ['noisy', 'median', 'blur', 'autoencoder'] as const;
export type Method = (typeof METHODS)[number];
export const METHOD_LABELS: Record<Method, string> = {
  noisy: 'noisy input',
  median: 'median 3x3',
  blur: 'Gaussian blur',
  autoencoder: 'autoencoder',
};

export interface Score {
  /** Mean of per-image PSNR, dB. */
  psnr: number;
  /** Mean of per-image SSIM; null when the images are smaller than the 11x11 SSIM window. */
  ssim: number | null;
}

export interface LevelResult {
  /** The corruption at this level, e.g. 'gaussian:0.3'. */
  noise: string;
  /** Sigma or fraction. */
  amount: number;
  /** Blur sigma chosen on the validation images at this level. */
  blurSigma: number;
  scores: Record<Method, Score>;
}

/** Noise levels of the PSNR-vs-noise sweep, per kind. */
export const SWEEP_LEVELS: Record<CorruptionKind, readonly number[]> = {
  gaussian: [0.1, 0.2, 0.3, 0.4, 0.5],
  'salt-pepper': [0.05, 0.1, 0.2, 0.3, 0.4],
  mask: [0.1, 0.2, 0.3, 0.4, 0.5],
};

export function amountOf(c: Corruption): number {
  return c.kind === 'gaussian' ? c.sigma : c.fraction;
}

export function withAmount(c: Corruption, amount: number): Corruption {
  return c.kind === 'gaussian' ? { kind: 'gaussian', sigma: amount } : { kind: c.kind, fraction: amount };
}

/** The sweep for a trained corruption: the standard levels of its kind plus the trained level. */
export function sweepFor(c: Corruption): Corruption[] {
  const amounts = [...new Set([...SWEEP_LEVELS[c.kind], amountOf(c)])].sort((a, b) => a - b);
  return amounts.map((a) => withAmount(c, a));
}

export interface EvaluationInput {
  denoiser: Denoiser;
  /** Clean test images [n, c, h, w] in [0, 1]; corrupted here with a fixed seed per level. */
  test: Tensor;
  /** Clean images (not the test images) on which the blur sigma is chosen. */
  validation: Tensor;
  levels: readonly Corruption[];
  seed?: number;
  /** Called after each level, e.g. to print progress. */
  onLevel?: (result: LevelResult) => void;
}

/**
 * PSNR and SSIM of the noisy input, the median filter, the best Gaussian blur and the
 * denoiser, at each noise level, on the same noisy copies of the test images.
 */
export function evaluateDenoising({ denoiser, test, validation, levels, seed = 1, onLevel }: EvaluationInput): LevelResult[] {
  if (levels.length === 0) throw invalid('evaluateDenoising needs at least one noise level');
  const [, , h, w] = test.shape;
  const withSsim = h >= 11 && w >= 11;
  const score = (out: Tensor): Score => ({ psnr: meanPsnr(out, test), ssim: withSsim ? meanSsim(out, test) : null });
  return levels.map((noise, i) => {
    const noisy = corruptWithSeed(test, noise, RANDOM_STREAMS.denoiseTestNoise(seed, i));
    const blur = bestBlurSigma(corruptWithSeed(validation, noise, RANDOM_STREAMS.denoiseValidationNoise(seed, i)), validation);
    const result: LevelResult = {
      noise: formatCorruption(noise),
      amount: amountOf(noise),
      blurSigma: blur.sigma,
      scores: {
        noisy: score(noisy),
        median: score(medianFilter(noisy)),
        blur: score(clip(gaussianBlur(noisy, blur.sigma))),
        autoencoder: score(denoiser.denoise(noisy)),
      },
    };
    onLevel?.(result);
    return result;
  });
}

/** The best classic filter at one level, and how far the autoencoder is ahead of it (dB). */
export function marginOverFilters(result: LevelResult): { bestFilter: Method; margin: number } {
  const bestFilter: Method = result.scores.median.psnr >= result.scores.blur.psnr ? 'median' : 'blur';
  return { bestFilter, margin: result.scores.autoencoder.psnr - result.scores[bestFilter].psnr };
}

/** A plain-text table: one row per noise level, PSNR / SSIM per method, and the autoencoder's lead. */
export function formatDenoiseTable(results: readonly LevelResult[]): string {
  const cell = (s: Score) => `${s.psnr.toFixed(2)} / ${s.ssim === null ? '-' : s.ssim.toFixed(3)}`;
  const headers = ['noise', ...METHODS.map((m) => `${METHOD_LABELS[m]} PSNR / SSIM`), 'blur sigma', 'AE - best filter'];
  const rows = results.map((r) => {
    return [r.noise, ...METHODS.map((m) => cell(r.scores[m])), r.blurSigma.toFixed(2), formatDb(marginOverFilters(r).margin)];
  });
  const cells = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A signed difference in dB with two decimals; a difference that rounds to zero shows as +0.00. */
export function formatDb(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return `${rounded >= 0 ? '+' : '-'}${Math.abs(rounded).toFixed(2)} dB`;
}
