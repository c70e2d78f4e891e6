import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, readIdx, writeIdx } from '../src/data/idx.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { hourglassError, tempDir } from './support/data-files.js';

const dir = tempDir('idx');
const file = (name: string) => path.join(dir, name);

/** An IDX header by hand: magic 0x0000, type byte, rank, big-endian dimensions. */
function idxHeader(typeByte: number, dims: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b[2] = typeByte;
  b[3] = dims.length;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

test('uint8 IDX round trip, raw and gzipped', async () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
  for (const name of ['a-idx3-ubyte', 'a-idx3-ubyte.gz']) {
    await writeIdx(file(name), [2, 3, 4], data);
    const back = await readIdx(file(name));
    assert.deepEqual(back.dims, [2, 3, 4]);
    assert.equal(back.type, 'uint8');
    assert.deepEqual(Array.from(back.data), Array.from(data));
  }
  const raw = await readFile(file('a-idx3-ubyte'));
  assert.deepEqual([...raw.subarray(0, 8)], [0, 0, 0x08, 3, 0, 0, 0, 2]);
  const gz = await readFile(file('a-idx3-ubyte.gz'));
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
});

test('every IDX element type round-trips, multi-byte values big-endian', async () => {
  const cases = [
    new Int8Array([-128, -1, 0, 127]),
    new Int16Array([1, -2, 300, -32768]),
    new Int32Array([1, -2, 70000, -2147483648]),
    new Float32Array([0.5, -1.25, 3e38, -0]),
    new Float64Array([0.1, -1e300, Math.PI, 2]),
  ];
  for (const data of cases) {
    await writeIdx(file('typed.idx'), [2, 2], data);
    const back = await readIdx(file('typed.idx'));
    assert.equal(back.data.constructor, data.constructor);
    assert.deepEqual(Array.from(back.data), Array.from(data));
  }
  const int16 = encodeIdx([3], new Int16Array([1, -2, 300]));
  assert.deepEqual([...int16.subarray(8)], [0x00, 0x01, 0xff, 0xfe, 0x01, 0x2c]);
  assert.equal(int16[2], 0x0b);
});

test('gzip is detected by content, not by file name', async () => {
  const bytes = encodeIdx([3], new Uint8Array([7, 8, 9]));
  await writeFile(file('gzipped-without-suffix'), gzipSync(bytes));
  await writeFile(file('raw-with-suffix.gz'), bytes);
  assert.deepEqual(Array.from((await readIdx(file('gzipped-without-suffix'))).data), [7, 8, 9]);
  assert.deepEqual(Array.from((await readIdx(file('raw-with-suffix.gz'))).data), [7, 8, 9]);
});

test('missing IDX file names the path', async () => {
  const missing = file('nope-idx1-ubyte');
  await assert.rejects(readIdx(missing), hourglassError('FILE_NOT_FOUND', `${missing}: no such file`));
  await assert.rejects(readIdx(dir), hourglassError('BAD_FILE', /is a directory/));
});

test('malformed IDX headers are rejected', async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['short', Buffer.from([0, 0]), /not an IDX file \(only 2 bytes/],
    ['magic', Buffer.concat([Buffer.from([0x12, 0x34, 0x08, 1, 0, 0, 0, 1]), Buffer.from([5])]), /magic number starts with 0x1234/],
    ['type', Buffer.concat([idxHeader(0x0a, [1]), Buffer.from([5])]), /unknown IDX data type 0x0a/],
    ['rank0', idxHeader(0x08, []), /0 dimensions/],
    ['zero-dim', idxHeader(0x08, [3, 0]), /dimension 2 of 2 is 0/],
    ['short-header', idxHeader(0x08, [3, 4, 5]).subarray(0, 10), /truncated IDX header: 3 dimensions need 16 header bytes, file holds 10/],
  ];
  for (const [name, bytes, pattern] of cases) {
    await writeFile(file(name), bytes);
    await assert.rejects(readIdx(file(name)), hourglassError('BAD_FILE', pattern), name);
  }
});

test('truncated IDX data says how many values the header promised and the file holds', async () => {
  const f = file('train-images-idx3-ubyte');
  await writeFile(f, Buffer.concat([idxHeader(0x08, [60000, 28, 28]), Buffer.alloc(1234)]));
  await assert.rejects(
    readIdx(f),
    hourglassError('BAD_FILE', `${f}: truncated IDX: header says 60000x28x28 = 47040000 values, file holds 1234`),
  );
  // Partial multi-byte values count as missing.
  const g = file('float-idx');
  await writeFile(g, Buffer.concat([idxHeader(0x0d, [4]), Buffer.alloc(10)]));
  await assert.rejects(readIdx(g), hourglassError('BAD_FILE', /header says 4 = 4 values, file holds 2$/));
});

test('trailing bytes after the IDX data are rejected', async () => {
  const f = file('trailing');
  await writeFile(f, Buffer.concat([encodeIdx([2], new Uint8Array([1, 2])), Buffer.from('junk')]));
  await assert.rejects(readIdx(f), hourglassError('BAD_FILE', /4 unexpected bytes after the IDX data/));
});

test('truncated and corrupt gzip are reported as such', async () => {
  const gz = gzipSync(encodeIdx([100], new Uint8Array(100).fill(3)));
  await writeFile(file('cut.gz'), gz.subarray(0, gz.length - 12));
  await assert.rejects(readIdx(file('cut.gz')), hourglassError('BAD_FILE', /truncated gzip data/));
  const corrupt = Buffer.from(gz);
  corrupt.fill(0xff, 10, 20);
  await writeFile(file('corrupt.gz'), corrupt);
  await assert.rejects(readIdx(file('corrupt.gz')), hourglassError('BAD_FILE', /gzip/));
});

test('writeIdx validates dimensions against the data', async () => {
  await assert.rejects(writeIdx(file('x'), [2, 2], new Uint8Array(3)), hourglassError('INVALID_ARGUMENT', /2x2 = 4 values, but data holds 3/));
  await assert.rejects(writeIdx(file('x'), [0], new Uint8Array(0)), hourglassError('INVALID_ARGUMENT', /positive integers/));
  await assert.rejects(writeIdx(file('x'), [], new Uint8Array(1)), hourglassError('INVALID_ARGUMENT', /between 1 and 255/));
  await assert.rejects(
    writeIdx(file('x'), [2], [1, 2] as unknown as Uint8Array),
    hourglassError('INVALID_ARGUMENT', /must be a Uint8Array/),
  );
  assert.ok(!(await readdir(dir)).includes('x'));
});

test('atomic write replaces the target and leaves no temporary file', async () => {
  const sub = path.join(dir, 'atomic');
  await mkdir(sub);
  const target = path.join(sub, 'out.txt');
  await writeFile(target, 'old');
  await writeFileAtomic(target, 'new content');
  assert.equal(await readFile(target, 'utf8'), 'new content');
  await writeFileAtomic(target, new Uint8Array([104, 105]));
  assert.equal(await readFile(target, 'utf8'), 'hi');
  assert.deepEqual(await readdir(sub), ['out.txt']);
});

test('failed atomic write keeps the old file and removes the temporary one', async () => {
  const sub = path.join(dir, 'atomic-fail');
  await mkdir(sub);
  const target = path.join(sub, 'keep.txt');
  await writeFile(target, 'old');
  await assert.rejects(writeFileAtomic(target, 42 as never));
  assert.equal(await readFile(target, 'utf8'), 'old');
  assert.deepEqual(await readdir(sub), ['keep.txt']);

  // Renaming onto a non-empty directory fails at the very last step.
  const blocker = path.join(sub, 'blocker');
  await mkdir(blocker);
  await writeFile(path.join(blocker, 'inside'), 'x');
  await assert.rejects(writeFileAtomic(blocker, 'data'), hourglassError('INVALID_ARGUMENT', /cannot write .*blocker/));
  assert.deepEqual((await readdir(sub)).sort(), ['blocker', 'keep.txt']);

  await assert.rejects(
    writeFileAtomic(path.join(sub, 'no-such-dir', 'f'), 'x'),
    hourglassError('FILE_NOT_FOUND', /directory .*no-such-dir does not exist/),
  );
});
