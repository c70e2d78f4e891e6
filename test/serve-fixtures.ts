// Small models for the service's tests (trained in a second or two) and a helper that starts
// the service on an ephemeral loopback port. Not a test file itself.
import path from 'node:path';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { StandardScaler } from '../src/data/scaler.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { Codec } from '../src/apps/codec/codec.js';
import { Denoiser } from '../src/apps/denoise/denoiser.js';
import { createService, type Service } from '../src/server/service.js';
import type { ServiceOptions } from '../src/server/service-options.js';
import { blobImages } from './support/blobs.js';

export const COLUMNS = ['temp', 'pressure', 'flow', 'speed', 'load', 'power'];

/** Machine readings: six columns driven by two factors, so an autoencoder with a 2-wide bottleneck learns them. */
export function machineRows(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const a = rng.normal();
    const b = rng.normal();
    return [a, b, a + b, a - b, 2 * a, 0.5 * b].map((v) => v + 0.05 * rng.normal());
  });
}

/** The blob images of test/support/blobs.ts, which the serve tests score as PNGs. */
export { blobImages };

export async function pngOfImage(images: Tensor, i: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await sharp(Buffer.from(images.data.subarray(i * 144, (i + 1) * 144).map((v) => Math.round(v * 255))), { raw: { width: 12, height: 12, channels: 1 } }).png().toBuffer());
}

export interface FixtureFiles {
  table: string;
  images: string;
  codec: string;
  denoiser: string;
  autoencoder: string;
}

/** Writes the fixture models into `dir`: a table detector, an image detector, a codec, a denoiser and a plain autoencoder. */
export async function writeFixtureModels(dir: string): Promise<FixtureFiles> {
  const files: FixtureFiles = {
    table: path.join(dir, 'machines.safetensors'),
    images: path.join(dir, 'blobs.safetensors'),
    codec: path.join(dir, 'codec.safetensors'),
    denoiser: path.join(dir, 'denoiser.safetensors'),
    autoencoder: path.join(dir, 'ae.safetensors'),
  };
  const rows = machineRows(400, 1);
  const x = tensor([rows.length, 6], Float32Array.from(rows.flat()));
  const ae = denseAutoencoder({ inputShape: [6], hidden: [16], bottleneck: 2, scaler: new StandardScaler(), seed: 1 });
  const table = await new AnomalyDetector({ model: ae, featureNames: COLUMNS }).fit(x, { epochs: 20, batchSize: 32, seed: 1 });
  await table.save(files.table);
  await ae.save(files.autoencoder);
  const conv = convAutoencoder({ inputShape: [1, 12, 12], filters: [4, 8], bottleneck: 4, seed: 5 });
  await (await new AnomalyDetector({ model: conv }).fit(blobImages(120, false, 2), { epochs: 3, batchSize: 16 })).save(files.images);
  const small = denseAutoencoder({ inputShape: [1, 12, 12], hidden: [16], bottleneck: 4, seed: 3 });
  await new Codec({ model: small, bits: 4 }).calibrate(blobImages(60, false, 4)).save(files.codec);
  await new Denoiser({ imageShape: [1, 12, 12], noise: 'gaussian:0.2', hidden: [16], bottleneck: 8 }).save(files.denoiser);
  return files;
}

export interface RunningService {
  service: Service;
  url: string;
  close(): Promise<void>;
}

/** Starts the service in this process on 127.0.0.1, port 0, logs off. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const service = await createService({ logLevel: 'silent', ...options });
  const { url } = await service.listen(0, '127.0.0.1');
  return { service, url, close: () => service.close() };
}
