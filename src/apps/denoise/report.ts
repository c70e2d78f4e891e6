import path from 'node:path';
import { sliceRows, type Tensor } from '../../core/tensor.js';
import type { TrainingRecord } from '../../train/fit.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { imageGrid } from '../../report/image-grid.js';
import { linePlot, svgToPng } from '../../report/line-plot.js';
import { lossCurve } from '../../report/training-report.js';
import { meanPsnr } from '../../metrics/psnr.js';
import { corruptWithSeed, formatCorruption, type Corruption } from './corruption.js';
import { clip, gaussianBlur, medianFilter } from './filters.js';
import { METHOD_LABELS, METHODS, marginOverFilters, type LevelResult } from './evaluation.js';
import type { Denoiser } from './denoiser.js';
import { Autoencoder } from '../../models/autoencoder.js';

export interface DenoiseReportInput {
  denoiser: Denoiser;
  /** Clean test images; the first `count` are drawn. */
  test: Tensor;
  /** The level drawn in the example figure (normally the trained one). */
  noise: Corruption;
  results: readonly LevelResult[];
  record?: TrainingRecord | null;
  /** Anything else for metrics.json (data sources, timings). */
  info?: Record<string, unknown>;
  count?: number;
}

/** Files written, relative to the run directory. */
export const REPORT_FILES = ['metrics.json', 'examples.png', 'psnr-vs-noise.png'] as const;

/**
 * metrics.json (the table behind the plot), examples.png (rows: clean, noisy, median 3x3,
 * Gaussian blur, autoencoder, with each row's mean PSNR) and psnr-vs-noise.png (one line
 * per method), plus loss-curve.png when a training record is given.
 */
export async function writeDenoiseReport(dir: string, input: DenoiseReportInput): Promise<string[]> {
  const { denoiser, test, noise, results, record, info = {}, count = 10 } = input;
  const written: string[] = [];
  const write = async (name: string, data: Uint8Array | string) => {
    await writeFileAtomic(path.join(dir, name), data);
    written.push(name);
  };
  const level = results.find((r) => r.noise === formatCorruption(noise));
  const trained = level ? marginOverFilters(level) : null;
  await write(
    'metrics.json',
    JSON.stringify(
      {
        ...info,
        noise: formatCorruption(noise),
        imageShape: denoiser.imageShape,
        preset: presetOf(denoiser),
        parameters: denoiser.model instanceof Autoencoder ? denoiser.model.params().reduce((s, p) => s + p.value.data.length, 0) : null,
        testImages: test.shape[0],
        metric: 'mean over images of per-image PSNR (dB, data range 1) and SSIM (11x11 Gaussian window, sigma 1.5)',
        atTrainedNoise: level ? { ...level, bestFilter: trained?.bestFilter, marginDb: trained?.margin } : null,
        levels: results,
        training: record ?? null,
      },
      null,
      2,
    ) + '\n',
  );
  await write('examples.png', await examplesFigure(denoiser, sliceRows(test, 0, Math.min(count, test.shape[0])), noise, level?.blurSigma ?? 1));
  await write('psnr-vs-noise.png', await svgToPng(psnrPlot(results, denoiser)));
  if (record) {
    const title = `denoising ${presetOf(denoiser)} autoencoder (${formatCorruption(noise)}): training loss`;
    await write('loss-curve.png', await svgToPng(lossCurve(record, title)));
  }
  return written;
}

/** Rows of clean / noisy / filtered / denoised images, each labelled with its mean PSNR. */
export async function examplesFigure(denoiser: Denoiser, clean: Tensor, noise: Corruption, blurSigma: number, seed = 7): Promise<Buffer> {
  const noisy = corruptWithSeed(clean, noise, seed);
  const rows = [
    { label: 'clean', images: clean },
    { label: `noisy (${formatCorruption(noise)})`, images: noisy },
    { label: 'median 3x3', images: medianFilter(noisy) },
    { label: `blur sigma ${blurSigma}`, images: clip(gaussianBlur(noisy, blurSigma)) },
    { label: 'autoencoder', images: denoiser.denoise(noisy) },
  ];
  const labels = rows.map((r, i) => (i === 0 ? r.label : `${r.label}: ${meanPsnr(r.images, clean).toFixed(1)} dB`));
  const scale = Math.max(1, Math.min(4, Math.floor(96 / Math.max(clean.shape[2], clean.shape[3]))));
  return imageGrid(
    rows.map((r) => r.images),
    { scale, labels },
  );
}

export function psnrPlot(results: readonly LevelResult[], denoiser: Denoiser): string {
  const x = results.map((r) => r.amount);
  const kind = denoiser.noise?.kind ?? 'gaussian';
  const trained = denoiser.noise ? ` (autoencoder trained at ${formatCorruption(denoiser.noise)})` : '';
  return linePlot({
    title: `PSNR vs noise level${trained}`,
    xLabel: kind === 'gaussian' ? 'Gaussian noise sigma' : kind === 'mask' ? 'masked fraction' : 'salt-and-pepper fraction',
    yLabel: 'PSNR (dB)',
    series: METHODS.map((m) => ({ name: m === 'blur' ? 'Gaussian blur (best sigma)' : METHOD_LABELS[m], x, y: results.map((r) => r.scores[m].psnr) })),
  });
}

/** The autoencoder preset ('dense', 'conv', ...), or the model kind of another Reconstructor. */
function presetOf(denoiser: Denoiser): string {
  return denoiser.model instanceof Autoencoder ? denoiser.model.preset : denoiser.model.kind;
}
