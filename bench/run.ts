// `npm run bench [name...]`: every benchmark, hourglass side by side with its reference, in one
// run. Timings on a shared machine are noisy: read the ratios and medians, not single times.
// Knobs for short runs: HOURGLASS_BENCH_EPOCHS (full-run epochs of the autoencoder benches),
// HOURGLASS_BENCH_ROUNDS and HOURGLASS_BENCH_ROUND_EPOCHS (their paired speed rounds);
// HOURGLASS_BENCH_FORCE_NO_BF16=1 treats bfloat16 as unavailable (its "not available" row).
import { benchAutoencoder } from './autoencoder.js';
import { benchPca } from './pca.js';
import { benchFinetune } from './finetune.js';
import { benchDenoise } from './denoise.js';
import { benchCodec } from './codec.js';
import { benchDetect } from './detect.js';
import { benchOnnx } from './onnx.js';
import { benchServe } from './serve.js';
import { cpuInfo, describeCpu, envCount } from './capabilities.js';

const env = process.env;
const autoencoder = (arch: 'dense' | 'conv', epochs: number, singleThreadEpochs: number, rounds: number, roundEpochs: number) => {
  const e = envCount(env, 'HOURGLASS_BENCH_EPOCHS', epochs);
  return benchAutoencoder(arch, {
    epochs: e,
    singleThreadEpochs: Math.min(singleThreadEpochs, e),
    rounds: envCount(env, 'HOURGLASS_BENCH_ROUNDS', rounds),
    roundEpochs: envCount(env, 'HOURGLASS_BENCH_ROUND_EPOCHS', roundEpochs),
  });
};
const benches: Record<string, () => Promise<unknown>> = {
  dense: () => autoencoder('dense', 20, 3, 5, 2),
  conv: () => autoencoder('conv', 10, 1, 3, 1),
  pca: () => benchPca(),
  finetune: () => benchFinetune(),
  denoise: () => benchDenoise(),
  codec: () => benchCodec(),
  detect: () => benchDetect(),
  onnx: () => benchOnnx(),
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
