// One training run for the image-folder benchmark, in its own process so that its peak RSS is
// its own: trains a conv autoencoder on a folder, either decoded into memory first or streamed
// (decoded on the fly; 'cached': from a decoded uint8 cache warmed first), and prints one JSON line: training seconds, samples/s, peak RSS.
import { buildAutoencoder } from '../src/models/build.js';
import { listImages } from '../src/data/image-folder.js';
import { decodeEntries } from '../src/data/image-set-reader.js';
import { ImageFolderSource } from '../src/data/image-folder-source.js';
import { parseImageSize } from '../src/data/image-decode.js';

const [mode, root, sizeText, epochsText, filtersText, batchText, cacheDir] = process.argv.slice(2);
const size = parseImageSize(sizeText);
const decode = { channels: 3 as const, size, fit: 'cover' as const };
const entries = (await listImages(root, 'train')).entries;
const model = buildAutoencoder({
  arch: 'conv',
  inputShape: [3, size.height, size.width],
  filters: filtersText.split(',').map(Number),
  hidden: [],
  activation: 'relu',
  dropout: 0,
  scaler: null,
  seed: 0,
});
const options = { epochs: Number(epochsText), batchSize: Number(batchText), seed: 0 };
let decodeSeconds = 0;
let data;
if (mode === 'memory') {
  const t = performance.now();
  data = (await decodeEntries(entries, decode, root)).x;
  decodeSeconds = (performance.now() - t) / 1000;
} else {
  data = await ImageFolderSource.open(entries, { decode, cacheDir: mode === 'cached' ? cacheDir : null });
  if (mode === 'cached') {
    // Warm the decoded cache (what a first epoch does), then time epochs that read it.
    const t = performance.now();
    for await (const _ of data.batches(Uint32Array.from(entries.keys()), 64)) void _;
    decodeSeconds = (performance.now() - t) / 1000;
  }
}
// A progress line every 100 batches on stderr (the bench shows it), with the peak RSS so far.
const onBatchEnd = (p: { batch: number; batches: number; samplesPerSecond: number }) => {
  if (p.batch % 100 === 0) process.stderr.write(`  ${mode}: batch ${p.batch}/${p.batches}, ${p.samplesPerSecond.toFixed(1)} samples/s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
};
const { history } = await model.fit(data, { ...options, onBatchEnd });
if (data instanceof ImageFolderSource) await data.close();
process.stdout.write(
  JSON.stringify({ mode, images: entries.length, decodeSeconds, trainSeconds: history.seconds, samplesPerSecond: history.samplesPerSecond, loss: history.epochs.at(-1)!.loss, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n',
);
