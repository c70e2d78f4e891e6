// Denoising on Fashion-MNIST: a denoising autoencoder trained at Gaussian sigma 0.3 against
// the noisy input, a median 3x3 filter and the best Gaussian blur (sigma tuned on held-out
// training images), PSNR and SSIM on the 10,000 test images at sigma 0.1 to 0.5.
// The same run as `hourglass denoise bench fashion-mnist`; pictures go to bench/results/denoise/.
import path from 'node:path';
import { rmSync } from 'node:fs';
import { runDenoiseBenchmark, type DenoiseBenchmarkResult } from '../src/apps/denoise/benchmark.js';
import { repoRoot, resultsDir, writeResult } from './common.js';
import { quickRun } from './capabilities.js';

export async function benchDenoise({ epochs }: { epochs?: number } = {}): Promise<DenoiseBenchmarkResult> {
  console.log('\n## Denoising, Fashion-MNIST: autoencoder vs median 3x3 and Gaussian blur');
  const outDir = path.join(resultsDir(), 'denoise');
  rmSync(outDir, { recursive: true, force: true });
  const result = await runDenoiseBenchmark({
    // A quick run: one epoch on a tenth of the data.
    ...(quickRun() ? { epochs: 1, trainLimit: 6000, testLimit: 1000 } : {}),
    ...(epochs ? { epochs } : {}),
    outDir,
    // The pictures and metrics are kept with the results; the 10 MB model is not.
    saveModel: false,
    log: (line) => console.log(line),
    onEpochEnd: (r) => console.log(`  epoch ${r.epoch}: loss ${r.loss.toFixed(5)}, val_loss ${r.valLoss?.toFixed(5)}, ${r.seconds.toFixed(1)}s`),
  });
  console.log(`\nPSNR (dB) / SSIM, mean over ${result.testImages} test images (${result.epochs} epochs, ${result.trainSeconds.toFixed(0)}s training, ${result.evaluationSeconds.toFixed(0)}s scoring):`);
  console.log(result.table);
  const t = result.target;
  console.log(
    `target: at ${t.noise} the autoencoder (${t.autoencoderPsnr.toFixed(2)} dB) beats the best classic filter (${t.bestFilter}, ${t.bestFilterPsnr.toFixed(2)} dB) by ${t.margin.toFixed(2)} dB: ${t.met ? 'met' : 'NOT met'} (needs ${t.required} dB)`,
  );
  const { table: _table, ...json } = result;
  const file = writeResult('denoise', { name: 'denoise', ...json });
  console.log(`(wrote ${path.relative(repoRoot, file)} and the report in ${path.relative(repoRoot, outDir)}/)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDenoise({ epochs: process.argv[2] ? Number(process.argv[2]) : undefined });
