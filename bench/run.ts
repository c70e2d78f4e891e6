// `npm run bench [name...]`: every benchmark, hourglass side by side with its reference, in one
// run. Timings on a shared machine are noisy: read the ratios and medians, not single times.
// Knobs for short runs: HOURGLASS_BENCH_EPOCHS (full-run epochs of the autoencoder benches),
// HOURGLASS_BENCH_ROUNDS and HOURGLASS_BENCH_ROUND_EPOCHS (their paired speed rounds);
// HOURGLASS_BENCH_IMAGES and HOURGLASS_BENCH_LARGE_IMAGES (the image-folder bench's folders, 0 skips one);
// HOURGLASS_BENCH_CONV_SAMPLES sets the images per round of conv28 and conv128;
// HOURGLASS_BENCH_SEEDS (seeds of the tables suite);
// HOURGLASS_BENCH_FORCE_NO_BF16=1 treats bfloat16 as unavailable (its "not available" row);
// HOURGLASS_BENCH_QUICK=1 runs every bench small (a smoke run, results in bench/results/quick/);
// HOURGLASS_MAX_ISA caps the whole run's engine (the dense and conv benches add an AVX2-path
// row by themselves).
import { benchAutoencoder } from './autoencoder.js';
import { benchConvLarge } from './conv-large.js';
import { benchPca } from './pca.js';
import { benchFinetune } from './finetune.js';
import { benchDenoise } from './denoise.js';
import { benchCodec } from './codec.js';
import { benchDetect } from './detect.js';
import { benchOnnx } from './onnx.js';
import { benchImages } from './images.js';
import { benchBrain } from './brain.js';
import { benchTables } from './tables.js';
import { benchServe } from './serve.js';
import { cpuInfo, describeCpu, envCount, quickRun } from './capabilities.js';

const env = process.env;
const autoencoder = (arch: 'dense' | 'conv', epochs: number, rounds: number, roundEpochs: number) => {
  return benchAutoencoder(arch, {
    epochs: envCount(env, 'HOURGLASS_BENCH_EPOCHS', epochs),
    rounds: envCount(env, 'HOURGLASS_BENCH_ROUNDS', rounds),
    roundEpochs: envCount(env, 'HOURGLASS_BENCH_ROUND_EPOCHS', roundEpochs),
  });
};
const benches: Record<string, () => Promise<unknown>> = {
  dense: () => autoencoder('dense', 20, 5, 2),
  conv: () => autoencoder('conv', 10, 3, 1),
  // The reference CAE's architecture on synthetic 28x28 images: its speed in the same paired
  // rounds as conv128, in a few minutes (`conv` also measures quality on Fashion-MNIST).
  conv28: () => benchConvLarge({ size: 28, samples: envCount(env, 'HOURGLASS_BENCH_CONV_SAMPLES', 8192), batchSize: 256, rounds: envCount(env, 'HOURGLASS_BENCH_ROUNDS', 5), roundEpochs: 2 }),
  conv128: () =>
    benchConvLarge({ size: 128, samples: envCount(env, 'HOURGLASS_BENCH_CONV_SAMPLES', 256), batchSize: 32, rounds: envCount(env, 'HOURGLASS_BENCH_ROUNDS', 5), roundEpochs: 2 }),
  pca: () => benchPca(quickRun() ? { reps: 1 } : {}),
  finetune: () => benchFinetune(),
  denoise: () => benchDenoise(),
  codec: () => benchCodec(),
  detect: () => benchDetect(quickRun() ? { classes: [0], epochs: 1, streamRows: 50_000 } : {}),
  onnx: () => benchOnnx(),
  images: () =>
    benchImages({
      rounds: envCount(env, 'HOURGLASS_BENCH_ROUNDS', 5),
      // 0 skips that part of the bench.
      speedImages: env.HOURGLASS_BENCH_IMAGES === '0' ? 0 : envCount(env, 'HOURGLASS_BENCH_IMAGES', 512),
      largeImages: env.HOURGLASS_BENCH_LARGE_IMAGES === '0' ? 0 : envCount(env, 'HOURGLASS_BENCH_LARGE_IMAGES', 8_000),
    }),
  brain: () => benchBrain(),
  tables: () => benchTables(),
  serve: () => benchServe(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in benches));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
console.log(describeCpu(cpuInfo()));
for (const [name, run] of Object.entries(benches)) if (wanted.length === 0 || wanted.includes(name)) await run();
