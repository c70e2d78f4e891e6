// `npm run bench [name...]`: every benchmark, hourglass side by side with its reference, in one
// run. Timings on a shared machine are noisy: read the ratios and medians, not single times.
import { benchAutoencoder } from './autoencoder.js';
import { benchPca } from './pca.js';
import { benchFinetune } from './finetune.js';
import { benchDenoise } from './denoise.js';
import { benchCodec } from './codec.js';
import { benchDetect } from './detect.js';

const benches: Record<string, () => Promise<unknown>> = {
  dense: () => benchAutoencoder('dense', { epochs: 20, singleThreadEpochs: 3 }),
  conv: () => benchAutoencoder('conv', { epochs: 10, singleThreadEpochs: 1 }),
  pca: () => benchPca(),
  finetune: () => benchFinetune(),
  denoise: () => benchDenoise(),
  codec: () => benchCodec(),
  detect: () => benchDetect(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in benches));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benches)) if (wanted.length === 0 || wanted.includes(name)) await run();
