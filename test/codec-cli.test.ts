import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { encodeNpy, decodeNpy } from '../src/data/npy.js';
import { encodeIdx } from '../src/data/idx.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { Codec } from '../src/apps/codec/codec.js';
import { tempDir } from './support/data-files.js';
import { HourglassError } from '../src/core/errors.js';
import { parseOptions, type Command } from '../src/cli/command.js';
import { compressCommand, decompressCommand } from '../src/cli/commands/compress.js';
import { cliRunner } from './support/cli.js';

const tmp = tempDir('codec-cli');
const file = (name: string): string => path.join(tmp, name);

const hourglass = cliRunner(tmp);

/** Exit 1 with one `hourglass: error:` line matching `pattern`, and `output` not created. */
function assertFails(args: string[], pattern: RegExp, output?: string): void {
  const r = hourglass(...args);
  assert.equal(r.code, 1, `expected exit 1 for ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^hourglass: error: /);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
  if (output) assert.ok(!existsSync(output), `${output} must not be written`);
}

let images: Float32Array;

before(async () => {
  // Two small codecs (an untrained network is enough to exercise the files) and a plain model.
  const data = await loadFashionMnist({ split: 'test', limit: 300 });
  images = data.images.data;
  for (const [name, seed] of [['codec.safetensors', 0], ['other.safetensors', 1]] as const) {
    const model = denseAutoencoder({ inputShape: [1, 28, 28], hidden: [32], bottleneck: 8, seed });
    await new Codec({ model, bits: 4 }).calibrate(data.images).save(file(name));
  }
  await denseAutoencoder({ inputShape: [1, 28, 28], hidden: [32], bottleneck: 8 }).save(file('plain.safetensors'));
  const pixels = Buffer.from(images.subarray(0, 784).map((v) => Math.round(v * 255)));
  writeFileSync(file('shirt.png'), await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer());
  // An RGB PNG of the same image: converted to grey for a one-channel model.
  const rgb = Buffer.alloc(784 * 3);
  for (let i = 0; i < 784; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = pixels[i];
  writeFileSync(file('shirt-rgb.png'), await sharp(rgb, { raw: { width: 28, height: 28, channels: 3 } }).png().toBuffer());
  writeFileSync(file('small.png'), await sharp(Buffer.alloc(400), { raw: { width: 20, height: 20, channels: 1 } }).png().toBuffer());
  writeFileSync(file('broken.png'), 'this is not a picture');
  writeFileSync(file('short-rows.npy'), encodeNpy({ shape: [2, 783], data: new Float32Array(2 * 783) }));
  writeFileSync(file('rows.npy'), encodeNpy({ shape: [3, 784], data: images.subarray(0, 3 * 784) }));
  writeFileSync(file('images.idx'), encodeIdx([2, 28, 28], Uint8Array.from(images.subarray(0, 2 * 784), (v) => Math.round(v * 255))));
});

test('compress a PNG, decompress it to a PNG of the same size', async () => {
  const c = hourglass('compress', '--model', 'codec.safetensors', '--data', 'shirt.png', '--out', 'shirt.hgc');
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /compressed shirt\.png \(1 sample \[1, 28, 28\]\) into shirt\.hgc: \d+ bytes = [\d.]+ bits per value \(11 header \+ \d+ payload; 8 latent values at 4 bits, range coder\)/);
  const size = readFileSync(file('shirt.hgc')).length;
  assert.ok(size > 11 && size < 11 + 8 * 4, `${size} bytes`);

  const d = hourglass('decompress', '--model', 'codec.safetensors', '--data', 'shirt.hgc', '--out', 'back.png');
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /decompressed shirt\.hgc \(1 sample \[1, 28, 28\], 4-bit latent, range coder, model [0-9a-f]{8}\) into back\.png/);
  const meta = await sharp(file('back.png')).metadata();
  assert.deepEqual([meta.width, meta.height, meta.channels], [28, 28, 1]);

  // The RGB version of the same picture compresses to the same bytes.
  assert.equal(hourglass('compress', '--model', 'codec.safetensors', '--data', 'shirt-rgb.png', '--out', 'rgb.hgc').code, 0);
  assert.deepEqual(readFileSync(file('rgb.hgc')), readFileSync(file('shirt.hgc')));
  // Options pick the depth and coder; the file records them.
  const raw = hourglass('compress', '--model', 'codec.safetensors', '--data', 'shirt.png', '--out', 'raw.hgc', '--bits', '6', '--coder', 'raw');
  assert.equal(raw.code, 0, raw.stderr);
  assert.equal(readFileSync(file('raw.hgc')).length, 11 + 6);
  assert.match(hourglass('decompress', '--model', 'codec.safetensors', '--data', 'raw.hgc', '--out', 'raw.png').stdout, /6-bit latent, raw coder/);
});

test('arrays: .npy rows keep their shape, .idx images come back as .idx or .npy', () => {
  assert.equal(hourglass('compress', '--model', 'codec.safetensors', '--data', 'rows.npy', '--out', 'rows.hgc').code, 0);
  const d = hourglass('decompress', '--model', 'codec.safetensors', '--data', 'rows.hgc', '--out', 'rows-back.npy');
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(decodeNpy(readFileSync(file('rows-back.npy'))).shape, [3, 784]);

  const c = hourglass('compress', '--model', 'codec.safetensors', '--data', 'images.idx', '--out', 'images.hgc');
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /2 samples \[1, 28, 28\]/);
  assert.equal(hourglass('decompress', '--model', 'codec.safetensors', '--data', 'images.hgc', '--out', 'images-back.idx').code, 0);
  const idx = readFileSync(file('images-back.idx'));
  assert.deepEqual([idx[2], idx[3], idx.readUInt32BE(4), idx.readUInt32BE(8), idx.readUInt32BE(12)], [0x08, 3, 2, 28, 28]);
  assertFails(['decompress', '--model', 'codec.safetensors', '--data', 'images.hgc', '--out', 'two.png'], /holds 2 images and a PNG holds one; write an \.npy or \.idx/, file('two.png'));
});

test('codec calibrate turns a plain autoencoder into a codec', () => {
  assertFails(['compress', '--model', 'plain.safetensors', '--data', 'shirt.png', '--out', 'plain.hgc'], /without codec calibration; run 'hourglass codec calibrate/, file('plain.hgc'));
  const r = hourglass('codec', 'calibrate', '--model', 'plain.safetensors', '--limit', '500', '--bits', '3', '--out', 'calibrated.safetensors');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /calibrated plain\.safetensors on fashion-mnist\/train \(500 samples, 8 latent values\)/);
  assert.match(r.stdout, /3 bits: [\d.]+ bytes per image \([\d.]+ bpp\), PSNR [\d.]+ dB, SSIM/);
  assert.equal(hourglass('compress', '--model', 'calibrated.safetensors', '--data', 'shirt.png', '--out', 'calibrated.hgc').code, 0);
  assertFails(['codec', 'calibrate', '--model', 'plain.safetensors', '--out', 'calibrated.safetensors'], /already exists; pass --overwrite to replace it/);
});

test('codec calibrate makes a codec of a PCA file too, and compress/decompress use it', () => {
  const fit = hourglass('pca', '--components', '8', '--limit', '500', '--out', 'pca-run');
  assert.equal(fit.code, 0, fit.stderr);
  const r = hourglass('codec', 'calibrate', '--model', path.join('pca-run', 'pca.safetensors'), '--limit', '500', '--bits', '5', '--out', 'pca-codec.safetensors');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /calibrated .*pca\.safetensors on fashion-mnist\/train \(500 samples, 8 latent values\)/);
  assert.equal(hourglass('compress', '--model', 'pca-codec.safetensors', '--data', 'shirt.png', '--out', 'pca.hgc').code, 0);
  const back = hourglass('decompress', '--model', 'pca-codec.safetensors', '--data', 'pca.hgc', '--out', 'pca-back.png');
  assert.equal(back.code, 0, back.stderr);
  assert.ok(existsSync(file('pca-back.png')));
});

test('bad input to compress and decompress: one clear line, exit 1, nothing written', () => {
  const out = file('never.hgc');
  assertFails(['compress', '--model', 'codec.safetensors', '--data', 'broken.png', '--out', out], /broken\.png: cannot read the image/, out);
  assertFails(['compress', '--model', 'codec.safetensors', '--data', 'small.png', '--out', out], /small\.png is 20x20 pixels; this model compresses 28x28 images/, out);
  assertFails(['compress', '--model', 'codec.safetensors', '--data', 'short-rows.npy', '--out', out], /783 values per sample .* this codec's model takes 784/, out);

  const hgc = readFileSync(file('shirt.hgc'));
  const png = file('never.png');
  writeFileSync(file('truncated.hgc'), hgc.subarray(0, hgc.length - 3));
  assertFails(['decompress', '--model', 'codec.safetensors', '--data', 'truncated.hgc', '--out', png], /truncated\.hgc: the file is corrupted or truncated/, png);
  const damaged = Buffer.from(hgc);
  damaged[damaged.length - 6] ^= 0x10;
  writeFileSync(file('damaged.hgc'), damaged);
  assertFails(['decompress', '--model', 'codec.safetensors', '--data', 'damaged.hgc', '--out', png], /damaged\.hgc: the file is corrupted or truncated \(its CRC-32 checksum does not match/, png);
  assertFails(['decompress', '--model', 'other.safetensors', '--data', 'shirt.hgc', '--out', png], /shirt\.hgc was compressed with another model .*decompress it with the model that compressed it/, png);
  // No temporary files are left behind by any of the failures.
  assert.deepEqual(readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
});

/** Runs a command in this process (no process start-up per case); the CLI turns these errors into one line and exit 1. */
async function rejects(command: Command, args: string[], pattern: RegExp, output?: string): Promise<void> {
  const cwd = process.cwd();
  process.chdir(tmp);
  try {
    const { options, rest } = parseOptions(command, args);
    await assert.rejects(command.run(options, rest), (e: unknown) => e instanceof HourglassError && pattern.test(e.message));
  } finally {
    process.chdir(cwd);
  }
  if (output) assert.ok(!existsSync(output), `${output} must not be written`);
}

test('more bad input, checked in-process: formats, options, paths', async () => {
  const out = file('never2.hgc');
  const model = ['--model', 'codec.safetensors'];
  await rejects(compressCommand, [...model, '--data', 'missing.png', '--out', out], /missing\.png: no such file/, out);
  await rejects(compressCommand, [...model, '--data', 'shirt.bmpx', '--out', out], /cannot tell the input format/, out);
  await rejects(compressCommand, ['--model', 'missing.safetensors', '--data', 'shirt.png', '--out', out], /no such model file/, out);
  await rejects(compressCommand, [...model, '--data', 'shirt.png', '--out', out, '--bits', '13'], /bit depth must be an integer from 1 to 12/, out);
  await rejects(compressCommand, [...model, '--data', 'shirt.png', '--out', out, '--coder', 'zip'], /unknown entropy coder 'zip'/, out);
  await rejects(compressCommand, [...model, '--data', 'shirt.png', '--out', path.join(tmp, 'no-dir', 'x.hgc')], /directory .* does not exist/);
  await rejects(compressCommand, [...model, '--data', 'shirt.png', '--out', 'shirt.png'], /--out shirt\.png is the input --data shirt\.png/);
  await rejects(decompressCommand, [...model, '--data', 'shirt.png', '--out', 'never.png'], /shirt\.png: not an \.hgc file/, file('never.png'));
  await rejects(decompressCommand, [...model, '--data', 'shirt.hgc', '--out', 'x.jpg'], /cannot tell the output format/, file('x.jpg'));
  await rejects(decompressCommand, ['--model', 'plain.safetensors', '--data', 'shirt.hgc', '--out', 'never.png'], /without codec calibration/, file('never.png'));
});
