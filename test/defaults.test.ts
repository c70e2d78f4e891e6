import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { StandardScaler } from '../src/data/scaler.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { DATA_DEFAULTS, DETECTOR_FIT_DEFAULTS, FIT_DEFAULTS, dataKindOf } from '../src/models/defaults.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { auroc } from '../src/metrics/auroc.js';
import { cliRunner } from './support/cli.js';
import { tempDir } from './support/data-files.js';

const FEATURES = 8;

/**
 * Rows on a 2-D plane in 8 columns, column 0 in thousands (2000 +- ~500, like an amount in
 * currency), the others around unit size; anomalies keep column 0 normal but draw the other
 * columns independently, off the plane, with the same spread.
 */
function table(normal: number, anomalies: number, seed: number): { x: Tensor; labels: Uint8Array } {
  const rng = new Rng(seed);
  const mixing = new Rng(99); // the same plane for every call
  const a = Array.from({ length: FEATURES }, () => [mixing.normal(), mixing.normal()]);
  const n = normal + anomalies;
  const x = tensor([n, FEATURES]);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const z = [rng.normal(), rng.normal()];
    for (let j = 0; j < FEATURES; j++) {
      const onPlane = a[j][0] * z[0] + a[j][1] * z[1];
      const spread = Math.hypot(a[j][0], a[j][1]);
      const v = i < normal || j === 0 ? onPlane + 0.05 * rng.normal() : spread * rng.normal();
      x.data[i * FEATURES + j] = j === 0 ? 2000 + 500 * v : v;
    }
    labels[i] = i < normal ? 0 : 1;
  }
  return { x, labels };
}

test('the data kind decides: images keep sigmoid and no scaler, tables get a StandardScaler and a linear output', () => {
  assert.equal(dataKindOf([1, 28, 28]), 'images');
  assert.equal(dataKindOf([30]), 'table');
  const image = denseAutoencoder({ inputShape: [1, 28, 28], hidden: [16], bottleneck: 4 });
  assert.equal(image.scaler, null);
  assert.deepEqual(image.decoder.layers.slice(-2).map((l) => l.type), ['sigmoid', 'reshape']);
  const row = denseAutoencoder({ inputDim: FEATURES, hidden: [16], bottleneck: 2 });
  assert.ok(row.scaler instanceof StandardScaler);
  assert.equal(row.decoder.layers.at(-1)!.type, 'dense', 'linear output: the decoder ends with its Dense layer');
  // Told otherwise, the preset does as it is told.
  assert.equal(denseAutoencoder({ inputDim: FEATURES, data: 'images' }).scaler, null);
  assert.ok(denseAutoencoder({ inputShape: [1, 4, 4], data: 'table' }).scaler instanceof StandardScaler);
  assert.equal(denseAutoencoder({ inputDim: FEATURES, outputActivation: 'linear' }).scaler, null, 'an explicit output leaves scaling to the caller');
  assert.equal(convAutoencoder({ inputShape: [1, 8, 8], filters: [4] }).scaler, null);
});

test('a detector on a table with a column in thousands works with the table defaults and fails with the image ones', async () => {
  const train = table(1500, 0, 1).x;
  const { x, labels } = table(400, 100, 2);
  const fitted = async (model: ReturnType<typeof denseAutoencoder>): Promise<number> => {
    const detector = new AnomalyDetector({ model });
    await detector.fit(train, { epochs: 30, batchSize: 64, seed: 0 });
    return auroc(labels, detector.score(x));
  };
  const withDefaults = await fitted(denseAutoencoder({ inputDim: FEATURES, hidden: [16], bottleneck: 2, seed: 0 }));
  const asImages = await fitted(denseAutoencoder({ inputDim: FEATURES, hidden: [16], bottleneck: 2, outputActivation: 'sigmoid', scaler: null, seed: 0 }));
  console.log(`AUROC: table defaults ${withDefaults.toFixed(3)}, sigmoid + no scaler ${asImages.toFixed(3)}`);
  assert.ok(withDefaults > 0.95, `AUROC with the table defaults: ${withDefaults}`);
  assert.ok(withDefaults - asImages > 0.25, `AUROC ${withDefaults} with the table defaults against ${asImages} with a sigmoid output and no scaler`);
});

test('the CLI shows the defaults module values: detect fit epochs and batch size, scaler and output per data kind', () => {
  const run = cliRunner(tempDir('defaults-cli'));
  const detect = run('detect', 'fit', '--help');
  assert.equal(detect.code, 0, detect.stderr);
  // Images keep DETECTOR_FIT_DEFAULTS; tables are sized from their rows and columns (tableDetectorDefaults).
  assert.match(detect.stdout, new RegExp(`--epochs <number> +training epochs \\(autoencoders\\) \\(default: ${DETECTOR_FIT_DEFAULTS.epochs} for images, from the rows and columns for tables\\)`));
  assert.match(detect.stdout, new RegExp(`--batch-size <number> +mini-batch size \\(default: ${DETECTOR_FIT_DEFAULTS.batchSize} for images, from the rows and columns for tables\\)`));
  assert.match(detect.stdout, new RegExp(`default: ${DATA_DEFAULTS.images.scaler} for images, ${DATA_DEFAULTS.table.scaler} for tables`));
  const train = run('train', '--help');
  assert.match(train.stdout, new RegExp(`default: ${DATA_DEFAULTS.images.outputActivation} for images, ${DATA_DEFAULTS.table.outputActivation} for tables`));
  // The detector's budget differs from fit()'s on purpose (DETECTOR_FIT_DEFAULTS says why); the learning rate agrees.
  assert.equal(DETECTOR_FIT_DEFAULTS.learningRate, FIT_DEFAULTS.learningRate);
  assert.deepEqual([FIT_DEFAULTS.epochs, FIT_DEFAULTS.batchSize], [10, 256]);
});
