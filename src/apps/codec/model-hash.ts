import { createHash } from 'node:crypto';
import type { Reconstructor } from '../../models/contract.js';
import type { LatentCalibration } from './latent-quantizer.js';

/**
 * Identifies everything a decoder must share with the encoder: the SHA-256 of the model's
 * architecture, scaler and tensors as its model file holds them (for an autoencoder, its
 * parameters and buffers) (sorted by name: name, shape, little-endian float32
 * bytes) and of the codec calibration (quantisation ranges and the histograms behind the
 * entropy coder's probabilities), truncated to MODEL_HASH_BYTES bytes. Decoding with a
 * model whose hash differs would produce plausible-looking garbage, so it is refused.
 */
/** Bytes of the SHA-256 kept as a model's identity (shown as 8 hex digits; files store a prefix). */
export const MODEL_HASH_BYTES = 4;

export function modelHash(model: Reconstructor, calibration: LatentCalibration): Uint8Array {
  const file = model.toModelFile();
  const hash = createHash('sha256');
  hash.update('hourglass codec model v1\n');
  hash.update(JSON.stringify(file.architecture));
  hash.update('\n');
  hash.update(JSON.stringify(model.scaler?.toJSON() ?? null));
  hash.update('\n');
  const tensors = [...file.tensors].map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name, value } of tensors) {
    hash.update(`${name}\0${value.shape.join(',')}\0`);
    hash.update(toLittleEndian(value.data));
  }
  hash.update(JSON.stringify(calibration));
  return new Uint8Array(hash.digest().subarray(0, MODEL_HASH_BYTES));
}

export function hashToHex(hash: Uint8Array): string {
  return Buffer.from(hash).toString('hex');
}

const littleEndianHost = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function toLittleEndian(data: Float32Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndianHost) return bytes;
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}
