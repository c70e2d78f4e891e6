// hourglass side of the large-image conv benchmark, in its own process so that its peak RSS
// is measured like PyTorch's. Loads the untrained model file the benchmark wrote (the model
// PyTorch starts from too), trains it on the benchmark's images and prints one JSON line.
import { readFileSync } from 'node:fs';
import { Autoencoder } from '../src/models/autoencoder.js';
import { tensor } from '../src/core/tensor.js';

const [modelFile, imagesFile, epochsArg, batchArg] = process.argv.slice(2);
const model = await Autoencoder.load(modelFile);
const raw = readFileSync(imagesFile);
const values = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const perSample = model.inputShape.reduce((a, b) => a * b, 1);
const images = tensor([values.length / perSample, ...model.inputShape], values);
// Process CPU time per epoch (all threads): unlike wall time, it does not count the time other
// processes hold the cores, so it compares the work each side does per sample.
const cpuMsPerSample: number[] = [];
let cpuMark = process.cpuUsage();
const history = (
  await model.fit(images, {
    epochs: Number(epochsArg),
    batchSize: Number(batchArg),
    learningRate: 1e-3,
    seed: 0,
    onEpochEnd: () => {
      const used = process.cpuUsage(cpuMark);
      cpuMsPerSample.push((used.user + used.system) / 1000 / images.shape[0]);
      cpuMark = process.cpuUsage();
    },
  })
).history!;
process.stdout.write(
  JSON.stringify({
    impl: 'hourglass',
    epochRates: history.epochs.map((e) => e.samplesPerSecond),
    cpuMsPerSample,
    loss: history.epochs[history.epochs.length - 1].loss,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
