import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { HourglassError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { PCA } from '../src/models/pca.js';
import { Codec } from '../src/apps/codec/codec.js';
import { decodeHgc, encodeHgc, ENTROPY_CODERS, hgcOverheadBytes } from '../src/apps/codec/hgc-container.js';
import { dequantize, quantize } from '../src/apps/codec/latent-quantizer.js';

function images(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const x = tensor([n, 1, 8, 8]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
  return x;
}

function smallCodec(seed = 0, bits = 5): Codec {
  const model = denseAutoencoder({ inputShape: [1, 8, 8], hidden: [16], bottleneck: 6, seed });
  return new Codec({ model, bits }).calibrate(images(300, 100 + seed));
}

function assertHourglassError(run: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof HourglassError, `expected a HourglassError, got ${(e as Error)?.stack ?? String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('codec: decode(encode(x)) is the decoder applied to the quantised codes, with every entropy coder', () => {
  const codec = smallCodec();
  const x = images(20, 1);
  const codes = codec.model.encode(x);
  for (const bits of [1, 3, 8, 12]) {
    const expected = codec.model.decode(dequantize(quantize(codes, codec.calibration, bits), codec.calibration, bits, codes.shape));
    for (const coder of ENTROPY_CODERS) {
      const decoded = codec.with({ bits, coder }).decode(codec.with({ bits, coder }).encode(x));
      assert.deepEqual(decoded.shape, [20, 1, 8, 8]);
      assert.deepEqual(decoded.data, expected.data, `${coder} at ${bits} bits`);
    }
  }
});

test('codec: a file is self-describing; any codec of the same model and calibration decodes it', () => {
  const codec = smallCodec();
  const x = images(3, 2);
  const bytes = codec.with({ bits: 7, coder: 'brotli' }).encode(x);
  const file = decodeHgc(bytes, 'x.hgc');
  assert.equal(file.bits, 7);
  assert.equal(file.coder, 'brotli');
  assert.equal(file.count, 3);
  assert.equal(file.latentSize, 6);
  assert.deepEqual(codec.decode(bytes).data, codec.with({ bits: 7 }).decode(bytes).data);
});

test('codec: samples given flat keep their shape through the file', () => {
  const codec = smallCodec();
  const x = images(4, 3);
  const flat = { shape: [4, 64], data: x.data };
  const decoded = codec.decode(codec.encode(flat));
  assert.deepEqual(decoded.shape, [4, 64]);
  assert.deepEqual(decoded.data, codec.decode(codec.encode(x)).data);
  assertHourglassError(() => codec.encode({ shape: [2, 63], data: new Float32Array(126) }), 'SHAPE_MISMATCH', /63 values per sample .* takes 64/);
});

test('container: one image of the model shape costs 11 bytes beyond its payload; other files state their layout', () => {
  const codec = smallCodec();
  assert.equal(hgcOverheadBytes(codec.header(1)), 11);
  const bytes = codec.encode(images(1, 4));
  const file = decodeHgc(bytes, 'x');
  assert.equal(bytes.length, 11 + file.payload.length);
  assert.deepEqual([file.version, file.count, file.latentSize, file.sampleShape], [2, 1, null, null]);
  // Several samples: count, latent size and rank follow the fixed header (one varint each here).
  assert.equal(hgcOverheadBytes(codec.header(3)), 14);
  assert.deepEqual(decodeHgc(codec.encode(images(3, 4)), 'x').latentSize, 6);
});

test('container: version 1 files (19-byte header) still decode', () => {
  const codec = smallCodec();
  const x = images(2, 10);
  const current = decodeHgc(codec.encode(x), 'x');
  const hash = Buffer.from(codec.hashHex, 'hex');
  const head = [0x89, 0x48, 0x47, 0x43, 1, ENTROPY_CODERS.indexOf(current.coder), current.bits, ...hash, 2, 6, 0, current.payload.length];
  const v1 = new Uint8Array(head.length + current.payload.length + 4);
  v1.set(head);
  v1.set(current.payload, head.length);
  new DataView(v1.buffer).setUint32(v1.length - 4, crc32(v1.subarray(0, v1.length - 4)), true);
  const parsed = decodeHgc(v1, 'old.hgc');
  assert.deepEqual([parsed.version, parsed.count, parsed.latentSize, parsed.modelHash.length], [1, 2, 6, 4]);
  assert.deepEqual(codec.decode(v1, 'old.hgc').data, codec.decode(codec.encode(x)).data);
  const damaged = v1.slice();
  damaged[20] ^= 4;
  assertHourglassError(() => codec.decode(damaged, 'old.hgc'), 'BAD_FILE', /old\.hgc: the file is corrupted or truncated/);
});

test('container: decoding with another model is refused with both hashes in the message', () => {
  const bytes = smallCodec(0).encode(images(2, 5));
  const other = smallCodec(1);
  assertHourglassError(() => other.decode(bytes, 'x.hgc'), 'MODEL_MISMATCH', /x\.hgc was compressed with another model \(model hash [0-9a-f]{6}; this model's is [0-9a-f]{6}\)/);
  // Same weights, different calibration: also another model as far as decoding goes.
  const base = smallCodec(0);
  const recalibrated = new Codec({ model: base.model, bits: 5 }).calibrate(images(300, 999));
  assertHourglassError(() => recalibrated.decode(bytes, 'x.hgc'), 'MODEL_MISMATCH', /another model/);
});

test('container: every truncation is reported as truncation', () => {
  const codec = smallCodec();
  const bytes = codec.encode(images(3, 6));
  for (let length = 0; length < bytes.length; length++)
    assertHourglassError(() => codec.decode(bytes.subarray(0, length), 'x.hgc'), 'BAD_FILE', length === 0 ? /not an \.hgc file|truncated/ : /truncated/);
});

test('container: every flipped bit is detected, never decoded into garbage', () => {
  const codec = smallCodec();
  const bytes = codec.encode(images(3, 7));
  for (let at = 0; at < bytes.length; at++)
    for (let bit = 0; bit < 8; bit++) {
      const damaged = bytes.slice();
      damaged[at] ^= 1 << bit;
      assert.throws(
        () => codec.decode(damaged, 'x.hgc'),
        (e: unknown) => e instanceof HourglassError && e.code === 'BAD_FILE' && /x\.hgc: /.test(e.message),
        `byte ${at}, bit ${bit}`,
      );
    }
});

test('container: appended bytes, foreign files and newer versions are refused clearly', () => {
  const codec = smallCodec();
  const bytes = codec.encode(images(1, 8));
  assertHourglassError(() => codec.decode(Uint8Array.from([...bytes, 0]), 'x.hgc'), 'BAD_FILE', /x\.hgc: the file is corrupted or truncated \(its CRC-32 checksum does not match/);
  assertHourglassError(() => codec.decode(new TextEncoder().encode('\x89PNG\r\n\x1a\n....'), 'x.png'), 'BAD_FILE', /x\.png: not an \.hgc file/);
  const newer = bytes.slice();
  newer[2] = (3 << 4) | (newer[2] & 0xf);
  new DataView(newer.buffer).setUint32(newer.length - 4, crc32(newer.subarray(0, newer.length - 4)), true);
  assertHourglassError(() => codec.decode(newer, 'x.hgc'), 'BAD_FILE', /format version 3; this hourglass reads up to version 2: upgrade hourglass/);
});

test('container: header fields round-trip, including explicit shapes and large counts', () => {
  const header = { coder: 'range' as const, bits: 12, modelHash: Uint8Array.from({ length: 3 }, (_, i) => i * 31), count: 300000, latentSize: 200, sampleShape: [3, 1000, 17] };
  const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const back = decodeHgc(encodeHgc({ ...header, payload }), 'y.hgc');
  assert.deepEqual({ ...back, payload: [...back.payload] }, { ...header, version: 2, payload: [...payload] });
  for (const bits of [1, 16]) assert.equal(decodeHgc(encodeHgc({ ...header, bits, payload }), 'y.hgc').bits, bits);
  assert.throws(() => encodeHgc({ ...header, bits: 17, payload }), /bit depths 1 to 16/);
});

test('codec: save and load keep the hash; a plain autoencoder needs calibrating first', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-codec-'));
  try {
    const codec = smallCodec();
    const file = path.join(dir, 'codec.safetensors');
    await codec.save(file);
    const loaded = await Codec.load(file);
    assert.equal(loaded.hashHex, codec.hashHex);
    assert.equal(loaded.bits, 5);
    const x = images(2, 9);
    assert.deepEqual(loaded.decode(codec.encode(x)).data, codec.decode(codec.encode(x)).data);
    assert.equal((await Codec.load(file, { bits: 3 })).bits, 3);

    const plain = path.join(dir, 'plain.safetensors');
    await codec.model.save(plain);
    await assert.rejects(Codec.load(plain), (e: unknown) => e instanceof HourglassError && /without codec calibration; run 'hourglass codec calibrate/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the model hash of an autoencoder codec is the one earlier versions computed (old .hgc files keep decoding)', async () => {
  const { createHash } = await import('node:crypto');
  const model = denseAutoencoder({ inputShape: [1, 8, 8], hidden: [16], bottleneck: 6, seed: 3 });
  const codec = new Codec({ model, bits: 5 }).calibrate(images(300, 103));
  // The formula as it was written for autoencoders: architecture(), scaler, params and buffers by name.
  const hash = createHash('sha256');
  hash.update('hourglass codec model v1\n');
  hash.update(JSON.stringify(model.architecture()));
  hash.update('\n');
  hash.update(JSON.stringify(model.scaler?.toJSON() ?? null));
  hash.update('\n');
  for (const { name, value } of [...model.params(), ...model.buffers()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    hash.update(`${name}\0${value.shape.join(',')}\0`);
    hash.update(new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength));
  }
  hash.update(JSON.stringify(codec.calibration));
  assert.equal(codec.hashHex, hash.digest().subarray(0, 4).toString('hex'));
});

test('a PCA codec: fit quantises its projections, round-trips through .hgc bytes and its model file, and evaluates', async () => {
  const train = images(400, 21);
  const x = images(20, 22);
  const codec = await new Codec({ model: new PCA({ nComponents: 6 }), bits: 6 }).fit(train);
  assert.equal(codec.kind, 'codec');
  assert.ok(codec.isFitted);
  assert.equal(codec.history, null);
  assert.equal(codec.calibration.latentSize, 6);
  const bytes = codec.encode(x);
  const decoded = codec.decode(bytes);
  assert.deepEqual(decoded.shape, x.shape);
  // Decoding is the PCA's reconstruction up to the quantisation of its codes.
  const exact = codec.model.reconstruct(x);
  let worst = 0;
  for (let i = 0; i < x.data.length; i++) worst = Math.max(worst, Math.abs(decoded.data[i] - exact.data[i]));
  assert.ok(worst > 0 && worst < 0.25, `largest change by quantisation ${worst}`);
  const metrics = codec.evaluate(x);
  assert.equal(metrics.samples, 20);
  assert.equal(metrics.bytes, bytes.length);
  assert.ok(Math.abs(metrics.bitsPerSample - (bytes.length * 8) / 20) < 1e-9);
  assert.ok(metrics.compressionRatio > 1 && metrics.psnr > 5 && metrics.mse > 0);
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-pca-codec-'));
  const file = path.join(dir, 'pca-codec.safetensors');
  await codec.save(file);
  const loaded = await Codec.load(file);
  assert.equal(loaded.model.kind, 'pca');
  assert.equal(loaded.hashHex, codec.hashHex);
  assert.deepEqual(loaded.decode(bytes).data, decoded.data);
  assert.throws(() => new Codec({ model: new PCA({ nComponents: 2 }), bits: 4 }).encode(x), /not calibrated yet/);
  await rm(dir, { recursive: true, force: true });
});
