// loadModel reads any hourglass model file and returns it as the class that wrote it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { Autoencoder } from '../src/models/autoencoder.js';
import { PCA } from '../src/models/pca.js';
import { Classifier } from '../src/models/classifier.js';
import { classifierFromAutoencoder } from '../src/apps/finetune/classifier-from-autoencoder.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { Denoiser } from '../src/apps/denoise/denoiser.js';
import { Codec } from '../src/apps/codec/codec.js';
import { loadModel } from '../src/apps/load-model.js';
import { tempDir } from './support/data-files.js';

const tmp = tempDir('load-model');

test('loadModel returns each kind of model file as its class', async () => {
  const images = (await loadFashionMnist({ split: 'train', limit: 200 })).images;
  const ae = denseAutoencoder({ inputShape: [1, 28, 28], hidden: [16], bottleneck: 4, seed: 0 });
  const pca = await new PCA({ nComponents: 4 }).fit(images);
  const files: [string, { save(p: string): Promise<void> }, string, Function][] = [
    ['ae', ae, 'autoencoder', Autoencoder],
    ['pca', pca, 'pca', PCA],
    ['classifier', classifierFromAutoencoder(ae, { classes: 10 }), 'classifier', Classifier],
    ['detector', await new AnomalyDetector({ model: new PCA({ nComponents: 3 }) }).fit(images), 'detector', AnomalyDetector],
    ['denoiser', new Denoiser({ model: ae, noise: 'gaussian:0.2' }), 'denoiser', Denoiser],
    ['codec', new Codec({ model: pca, bits: 4 }).calibrate(images), 'codec', Codec],
  ];
  for (const [name, model, kind, cls] of files) {
    const file = path.join(tmp, `load-model-${name}.safetensors`);
    await model.save(file);
    const loaded = await loadModel(file);
    assert.equal(loaded.kind, kind, name);
    assert.ok(loaded instanceof cls, `${name} loads as ${cls.name}`);
  }
});
