// Learned compression on Fashion-MNIST: the autoencoder codec at several bottlenecks and bit
// depths against PCA with the same quantisation and entropy coding, JPEG and WebP (sharp),
// bits per pixel vs PSNR and SSIM on the 10,000 test images, every image its own file.
// The same run as `hourglass codec bench fashion-mnist`; tables and plots go to
// bench/results/codec/, trained codecs are cached in bench/results/codec/models/.
import path from 'node:path';
import { CODEC_BENCH_DEFAULTS, runCodecBenchmark, type CodecBenchmarkResult } from '../src/apps/codec/codec-benchmark.js';
import { repoRoot, resultsDir, writeResult } from './common.js';
import { quickRun } from './capabilities.js';

/** A quick run's codec bench: one small codec, a tenth of the data, two epochs. */
const QUICK = { trainLimit: 6000, testLimit: 500, bottlenecks: [32], bits: [4, 6], epochs: 2, annealEpochs: 1, decoderEpochs: 1, compareNoise: false, jpegQualities: [10, 50], webpQualities: [10, 50] };

export async function benchCodec(): Promise<CodecBenchmarkResult> {
  console.log('\n## Learned compression, Fashion-MNIST: autoencoder codec vs PCA, JPEG and WebP');
  const outDir = path.join(resultsDir(), 'codec');
  const result = await runCodecBenchmark({ ...CODEC_BENCH_DEFAULTS, ...(quickRun() ? QUICK : {}), outDir, modelsDir: path.join(outDir, 'models'), log: (line) => console.log(line) });
  const file = writeResult('codec', { name: 'codec', ...result });
  console.log(`(wrote ${path.relative(repoRoot, file)} and the tables and plots in ${path.relative(repoRoot, outDir)}/)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCodec();
