// Issue 14, the input side: each test crafts a small hostile or odd input and asserts the
// reader refuses it clearly (or reads it right). Every test has a timeout, so a regression
// that hangs (a FIFO) or spins (a bomb) fails instead of stalling the suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, gzipSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { quoteInput } from '../src/core/quote.js';
import { readNumericCsv, streamNumericCsv } from '../src/data/csv.js';
import { readNpy, readNpyFile, encodeNpy, writeNpy } from '../src/data/npy.js';
import { readIdx, encodeIdx } from '../src/data/idx.js';
import { readInputFile } from '../src/data/input-file.js';
import { loadModelFile } from '../src/io/model-file.js';
import { readImage } from '../src/apps/denoise/image-file.js';
import { readImageArray } from '../src/apps/denoise/array-file.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { Codec } from '../src/apps/codec/codec.js';
import { decodeHgc, encodeHgc } from '../src/apps/codec/hgc-container.js';
import { loadData } from '../src/cli/datasets.js';
import { tempDir, hourglassError } from './support/data-files.js';
import { cliRunner } from './support/cli.js';

const tmp = tempDir('input-hardening');
const at = (name: string): string => path.join(tmp, name);
const hourglass = cliRunner(tmp);
const T = { timeout: 60_000 };

function table(rows: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => {
    const u = rng.normal();
    const v = rng.normal();
    return [u, v, u + v, u - v];
  });
}

test('1: detect score reads a headerless CSV as data when the detector has no column names (npy-fitted)', T, async () => {
  const train = table(200, 1);
  await writeNpy(at('t.npy'), tensor([200, 4], Float32Array.from(train.flat())));
  const fit = hourglass('detect', 'fit', '--data', 't.npy', '--arch', 'pca', '--components', '2', '--out', 'npy-det.safetensors', '--no-progress');
  assert.equal(fit.code, 0, fit.stderr);
  writeFileSync(at('ten.csv'), table(10, 2).map((r) => r.map((v) => v.toFixed(4)).join(',')).join('\n') + '\n');
  const score = hourglass('detect', 'score', '--model', 'npy-det.safetensors', '--data', 'ten.csv', '--out', 'ten-scores.csv');
  assert.equal(score.code, 0, score.stderr);
  assert.match(score.stdout, /scored 10 rows/);
  const lines = readFileSync(at('ten-scores.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 11);
  assert.match(lines[1], /^0,/);
});

test('2: duplicate column names are refused, naming the column and its positions', T, async () => {
  writeFileSync(at('dup.csv'), 'a,b,a\n1,2,3\n4,5,6\n');
  await assert.rejects(readNumericCsv(at('dup.csv')), hourglassError('BAD_DATA', /names column 'a' 2 times \(columns 1, 3\)/));
  const fit = hourglass('detect', 'fit', '--data', 'dup.csv', '--arch', 'pca', '--components', '1', '--out', 'dup.safetensors', '--no-progress');
  assert.notEqual(fit.code, 0);
  assert.match(fit.stderr, /names column 'a' 2 times/);
});

test('3: uint8 arrays are divided by 255 by every sample reader (NPY and IDX alike), and the CLI says so', T, async () => {
  const bytes = Uint8Array.from({ length: 2 * 4 * 4 }, (_, i) => (i * 8) % 256);
  await writeNpy(at('u8.npy'), { shape: [2, 4, 4], data: bytes });
  writeFileSync(at('u8.idx'), encodeIdx([2, 4, 4], bytes));
  for (const file of ['u8.npy', 'u8.idx']) {
    const loaded = await loadData(at(file), 'train');
    assert.equal(loaded.scaledFromBytes, true, file);
    assert.ok(Math.abs(loaded.x.data[1] - 8 / 255) < 1e-7, `${file}: ${loaded.x.data[1]}`);
    assert.ok(loaded.x.data.every((v) => v >= 0 && v <= 1), file);
    const array = await readImageArray(at(file));
    assert.deepEqual(array.images.data, loaded.x.data, file);
  }
  // Raw tables of other dtypes are read as stored.
  await writeNpy(at('f4.npy'), { shape: [2, 2], data: Float32Array.of(0, 100, 200, 300) });
  assert.equal((await loadData(at('f4.npy'), 'train')).x.data[3], 300);
  await writeNpy(at('u8-table.npy'), { shape: [40, 3], data: Uint8Array.from({ length: 120 }, (_, i) => (i * 37) % 256) });
  const shown = hourglass('detect', 'fit', '--data', 'u8-table.npy', '--arch', 'pca', '--components', '1', '--out', 'u8-det.safetensors', '--no-progress');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stderr, /u8-table\.npy holds uint8 bytes: values divided by 255 into \[0, 1\]/);
});

test('4a: a gzip bomb in an .idx.gz stops at the size its header announces', T, async () => {
  // Header: uint8, 1 x 4 x 4 = 16 bytes of data; the gzip inflates to 8 MB.
  const content = new Uint8Array(8 << 20);
  content.set(encodeIdx([1, 4, 4], new Uint8Array(16)));
  writeFileSync(at('bomb.idx.gz'), gzipSync(content, { level: 9 }));
  await assert.rejects(readIdx(at('bomb.idx.gz')), hourglassError('BAD_FILE', /inflates to more than the 32 bytes its header announces/));
  // An honest gzip still reads.
  writeFileSync(at('ok.idx.gz'), gzipSync(encodeIdx([2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6))));
  assert.deepEqual([...(await readIdx(at('ok.idx.gz'))).data], [1, 2, 3, 4, 5, 6]);
});

function smallCodec(): Codec {
  const rng = new Rng(5);
  const x = tensor([200, 1, 4, 4]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
  return new Codec({ model: denseAutoencoder({ inputShape: [1, 4, 4], hidden: [8], bottleneck: 3, seed: 1 }), bits: 4 }).calibrate(x);
}

test('4b: a deflate/brotli .hgc payload may not inflate beyond the announced count', T, () => {
  const codec = smallCodec();
  const good = decodeHgc(codec.encode(tensor([1, 1, 4, 4], new Float32Array(16).fill(0.5))), 'x');
  const bomb = encodeHgc({ ...good, coder: 'deflate', payload: deflateRawSync(new Uint8Array(1 << 20)) });
  assert.throws(() => codec.decode(bomb, 'bomb.hgc'), hourglassError('BAD_FILE', /inflates beyond the 3 latent values its header announces/));
});

test('4c: images: SVG named .png is refused; pixel counts above maxPixels are refused before decoding', T, async () => {
  writeFileSync(at('svg.png'), '<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="100%" height="100%"/></svg>');
  await assert.rejects(readImage(at('svg.png')), hourglassError('BAD_FILE', /svg\.png: not a readable PNG .*its content is SVG/));
  await sharp({ create: { width: 100, height: 80, channels: 3, background: '#808080' } }).png().toFile(at('big.png'));
  await assert.rejects(readImage(at('big.png'), 'auto', { maxPixels: 5000 }), hourglassError('BAD_FILE', /announces 100x80 = 8000 pixels, above --max-pixels 5000/));
  assert.deepEqual((await readImage(at('big.png'), 'auto', { maxPixels: 8000 })).shape, [1, 3, 80, 100]);
});

test('5: FIFOs and devices are refused at once by every reader; over-long CSV lines fail fast', T, async () => {
  execFileSync('mkfifo', [at('pipe.csv')]);
  symlinkSync('/dev/zero', at('zero.npy'));
  const readers: [string, (f: string) => Promise<unknown>][] = [
    ['csv', (f) => readNumericCsv(f)],
    ['csv stream', async (f) => { for await (const _ of streamNumericCsv(f)) break; }],
    ['npy', (f) => readNpy(f)],
    ['idx', (f) => readIdx(f)],
    ['model', (f) => loadModelFile(f)],
    ['image', (f) => readImage(f)],
    ['hgc', (f) => readInputFile(f)],
  ];
  for (const [name, read] of readers) {
    await assert.rejects(read(at('pipe.csv')), hourglassError('BAD_FILE', /pipe\.csv is a FIFO \(named pipe\), not a regular file/), name);
    await assert.rejects(read(at('zero.npy')), hourglassError('BAD_FILE', /zero\.npy is a character device, not a regular file/), name);
  }
  writeFileSync(at('oneline.csv'), '1,'.repeat(3000));
  await assert.rejects(readNumericCsv(at('oneline.csv'), { maxLineLength: 1000 }), hourglassError('BAD_DATA', /oneline\.csv line 1 is longer than 1,000 characters/));
  await assert.rejects(
    (async () => { for await (const _ of streamNumericCsv(at('oneline.csv'), { maxLineLength: 1000 })) break; })(),
    hourglassError('BAD_DATA', /line 1 is longer than 1,000 characters/),
  );
});

test('6: an .hgc file whose count the payload cannot hold, or with swapped fields, fails cleanly', T, () => {
  const codec = smallCodec();
  const x = tensor([1, 1, 4, 4], new Float32Array(16).fill(0.3));
  const good = decodeHgc(codec.encode(x), 'x');
  assert.equal(good.coder, 'range');
  const forged = encodeHgc({ ...good, count: 342_000, latentSize: 3, sampleShape: [1, 4, 4], payload: new Uint8Array(0) });
  assert.throws(() => codec.decode(forged, 'forged.hgc'), hourglassError('BAD_FILE', /announces 1026000 latent values, more than the 0-byte range payload can hold/));
  const trailing = encodeHgc({ ...good, payload: Uint8Array.from([...good.payload, 1, 2, 3, 4, 5, 6]) });
  assert.throws(() => codec.decode(trailing, 'trailing.hgc'), hourglassError('BAD_FILE', /payload bytes remain after the 3 latent values/));
  // Coder and bit depth swapped (the low nibbles of bytes 2 and 3), CRC recomputed.
  const bytes = codec.encode(x);
  const swapped = bytes.slice();
  const coder = swapped[2] & 0xf;
  const bits1 = swapped[3] & 0xf;
  swapped[2] = (swapped[2] & 0xf0) | bits1;
  swapped[3] = (swapped[3] & 0xf0) | coder;
  new DataView(swapped.buffer).setUint32(swapped.length - 4, crc32(swapped.subarray(0, swapped.length - 4)), true);
  assert.throws(() => codec.decode(swapped, 'swapped.hgc'), (e: unknown) => (e as { code?: string }).code === 'BAD_FILE');
});

test('7: dense models wider than the fused kernels (17,000 features) train layer by layer', T, async () => {
  const width = 17_000;
  const rng = new Rng(3);
  const x = tensor([6, width]);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
  const model = denseAutoencoder({ inputDim: width, hidden: [4], bottleneck: 2, seed: 1 });
  await model.fit(x, { epochs: 1, batchSize: 6 });
  const err = model.reconstructionError(x, 'mse');
  assert.equal(err.length, 6);
  assert.ok(err.every((v) => Number.isFinite(v)));
});

test('8: --limit stops the CSV reader after N rows and reads only N rows of an .npy', T, async () => {
  // Row 50 is bad: reading it would fail, so success proves the reader stopped before it.
  const lines = ['a,b', ...Array.from({ length: 40 }, (_, i) => `${i},${i + 1}`), 'oops,1', '1,2'];
  writeFileSync(at('limited.csv'), lines.join('\n') + '\n');
  const csv = await readNumericCsv(at('limited.csv'), { limit: 25 });
  assert.deepEqual(csv.data.shape, [25, 2]);
  assert.equal(csv.data.data[48], 24);
  await assert.rejects(readNumericCsv(at('limited.csv')), /not a number/);
  const all = tensor([10, 3], Float32Array.from({ length: 30 }, (_, i) => i));
  await writeNpy(at('rows.npy'), all);
  const first = await readNpyFile(at('rows.npy'), { limit: 4 });
  assert.deepEqual(first.data.shape, [4, 3]);
  assert.deepEqual([...first.data.data], Array.from({ length: 12 }, (_, i) => i));
  assert.deepEqual((await loadData(at('limited.csv'), 'train', { limit: 5 })).x.shape, [5, 2]);
});

test('9: NPY headers are parsed strictly, and announced shapes are checked against the file before allocating', T, async () => {
  const npy = (header: string, data = new Uint8Array(8)): Uint8Array => {
    const h = header.padEnd(118, ' ') + '\n';
    const out = new Uint8Array(10 + h.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, h.length, true);
    for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
    out.set(data, 10 + h.length);
    return out;
  };
  writeFileSync(at('dupkey.npy'), npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"));
  await assert.rejects(readNpy(at('dupkey.npy')), hourglassError('BAD_FILE', /the key 'descr' appears twice/));
  writeFileSync(at('extra.npy'), npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"));
  await assert.rejects(readNpy(at('extra.npy')), hourglassError('BAD_FILE', /unexpected key 'x'/));
  writeFileSync(at('huge.npy'), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000), }"));
  await assert.rejects(readNpy(at('huge.npy')), hourglassError('BAD_FILE', /truncated NPY: header says shape \(100000000000, 100000\)/));
  const idx = new Uint8Array(16);
  idx.set([0, 0, 0x0d, 3]);
  new DataView(idx.buffer).setUint32(4, 0xffffffff);
  new DataView(idx.buffer).setUint32(8, 0xffffffff);
  new DataView(idx.buffer).setUint32(12, 0xffffffff);
  writeFileSync(at('huge.idx'), idx);
  await assert.rejects(readIdx(at('huge.idx')), hourglassError('BAD_FILE', /truncated IDX/));
  // A file numpy writes still reads.
  writeFileSync(at('ok.npy'), encodeNpy({ shape: [2], data: Float32Array.of(1.5, 2.5) }));
  assert.deepEqual([...(await readNpy(at('ok.npy'))).data], [1.5, 2.5]);
});

test('10: echoed input text is quoted and escaped; binary input to the CSV reader is named as such', T, async () => {
  assert.equal(quoteInput('a\u001b[2Jb\u0007'), "'a\\u001b[2Jb\\u0007'");
  assert.equal(quoteInput('x'.repeat(100)), `'${'x'.repeat(60)}'...`);
  writeFileSync(at('esc.csv'), 'a,\u001b[2J\u0007evil\n1,x\n2,y\n3,z\n');
  await assert.rejects(readNumericCsv(at('esc.csv')), (e: unknown) => {
    const message = (e as Error).message;
    assert.ok(!/[\u0000-\u001f]/.test(message), JSON.stringify(message));
    assert.match(message, /column '\\u001b\[2J\\u0007evil' is not numeric/);
    return true;
  });
  writeFileSync(at('binary.csv'), Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0x0a, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]));
  await assert.rejects(readNumericCsv(at('binary.csv')), hourglassError('BAD_FILE', /binary\.csv is not a text CSV file/));
});
