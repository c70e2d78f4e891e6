// hourglass side of the autoencoder benchmarks, run in its own process so that its peak
// RSS is measured like PyTorch's. Prints one JSON line.
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import type { Precision } from '../src/core/types.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';

const [arch, epochsArg, batchArg, precisionArg = 'float32'] = process.argv.slice(2);
const epochs = Number(epochsArg);
const batchSize = Number(batchArg);
const train = await loadFashionMnist({ split: 'train' });
const test = await loadFashionMnist({ split: 'test' });
const model =
  arch === 'conv'
    ? convAutoencoder({ inputShape: [1, 28, 28], filters: [32, 64], seed: 0 })
    : denseAutoencoder({ inputShape: [1, 28, 28], hidden: [256, 64], bottleneck: 32, seed: 0 });
const record = (await model.fit(train.images, { epochs, batchSize, learningRate: 1e-3, seed: 0, precision: precisionArg as Precision })).history!;
// Median of five passes over the test set: one pass takes a fraction of a second.
const passes: { testMse: number; rate: number }[] = [];
for (let pass = 0; pass < 5; pass++) {
  const start = performance.now();
  const testMse = meanOf(model.reconstructionError(test.images, 'mse'));
  passes.push({ testMse, rate: test.images.shape[0] / ((performance.now() - start) / 1000) });
}
const testMse = passes[0].testMse;
const inferenceRate = passes.map((p) => p.rate).sort((a, b) => a - b)[2];
process.stdout.write(
  JSON.stringify({
    impl: 'hourglass',
    model: arch,
    epochRates: record.epochs.map((e) => e.samplesPerSecond),
    testMse,
    inferenceRate,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);

function meanOf(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
