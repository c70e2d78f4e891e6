// Learned compression on Fashion-MNIST: the autoencoder codec at several bottlenecks and bit
// depths against PCA with the same quantisation and entropy coding, JPEG and WebP (sharp),
// bits per pixel vs PSNR and SSIM on the 10,000 test images, every image its own file.
// The same run as `hourglass codec bench fashion-mnist`; tables and plots go to
// bench/results/codec/, trained codecs are cached in bench/results/codec/models/.
import path from 'node:path';
import { CODEC_BENCH_DEFAULTS, runCodecBenchmark, type CodecBenchmarkResult } from '../src/apps/codec/codec-benchmark.js';
import { repoRoot, writeResult } from './common.js';

export async function benchCodec(): Promise<CodecBenchmarkResult> {
  console.log('\n## Learned compression, Fashion-MNIST: autoencoder codec vs PCA, JPEG and WebP');
  const outDir = path.join(repoRoot, 'bench/results/codec');
  const result = await runCodecBenchmark({ ...CODEC_BENCH_DEFAULTS, outDir, modelsDir: path.join(outDir, 'models'), log: (line) => console.log(line) });
  const file = writeResult('codec', { name: 'codec', ...result });
  console.log(`(wrote ${path.relative(repoRoot, file)} and the tables and plots in ${path.relative(repoRoot, outDir)}/)`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCodec();
