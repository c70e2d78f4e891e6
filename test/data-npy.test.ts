import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { decodeNpy, encodeNpy, readNpy, writeNpy } from '../src/data/npy.js';
import { tensor } from '../src/core/tensor.js';
import { hourglassError, tempDir } from './support/data-files.js';

const dir = tempDir('npy');
const file = (name: string) => path.join(dir, name);

/*
 * Files written by numpy 1.24 (io.BytesIO + numpy.save, printed with .hex()):
 *   F4:      numpy.arange(6, dtype='<f4').reshape(2, 3) * 0.5
 *   I8:      numpy.array([1, 2, 3], dtype='<i8')
 *   U1:      numpy.array([[1, 255]], dtype=numpy.uint8)
 *   FORTRAN: numpy.asfortranarray(numpy.arange(6, dtype='<f8').reshape(2, 3))
 */
const F4 =
  '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000003f0000803f0000c03f0000004000002040';
const I8 =
  '934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a010000000000000002000000000000000300000000000000';
const U1 =
  '934e554d5059010076007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028312c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a01ff';
const FORTRAN =
  '934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a00000000000000000000000000000840000000000000f03f000000000000104000000000000000400000000000001440';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** NPY bytes with an arbitrary header text (no padding), for malformed-file tests. */
function npyWithHeader(header: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, prefix + header.length);
  return out;
}

test('files written by numpy are read as float32 tensors', () => {
  const f4 = decodeNpy(hex(F4));
  assert.deepEqual(f4.shape, [2, 3]);
  assert.deepEqual(Array.from(f4.data), [0, 0.5, 1, 1.5, 2, 2.5]);
  const i8 = decodeNpy(hex(I8));
  assert.deepEqual(i8.shape, [3]);
  assert.deepEqual(Array.from(i8.data), [1, 2, 3]);
  const u1 = decodeNpy(hex(U1));
  assert.deepEqual(u1.shape, [1, 2]);
  assert.deepEqual(Array.from(u1.data), [1, 255]);
});

test('encodeNpy writes exactly what numpy writes', () => {
  assert.equal(Buffer.from(encodeNpy(tensor([2, 3], Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5])))).toString('hex'), F4);
  assert.equal(Buffer.from(encodeNpy({ shape: [3], data: BigInt64Array.from([1n, 2n, 3n]) })).toString('hex'), I8);
  assert.equal(Buffer.from(encodeNpy({ shape: [1, 2], data: Uint8Array.from([1, 255]) })).toString('hex'), U1);
});

test('round trips through files: float32, float64, int32, scalars and empty arrays', async () => {
  await writeNpy(file('a.npy'), tensor([2, 2, 2], Float32Array.from([1, -2, 3.5, 1e-30, 0, 7, 8, 9])));
  const a = await readNpy(file('a.npy'));
  assert.deepEqual(a.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(a.data), Array.from(Float32Array.from([1, -2, 3.5, 1e-30, 0, 7, 8, 9])));

  await writeNpy(file('b.npy'), { shape: [3], data: Float64Array.from([0.1, -1e10, 2]) });
  assert.deepEqual(Array.from((await readNpy(file('b.npy'))).data), [Math.fround(0.1), -1e10, 2]);

  await writeNpy(file('c.npy'), { shape: [2, 1], data: Int32Array.from([-5, 100000]) });
  assert.deepEqual(Array.from((await readNpy(file('c.npy'))).data), [-5, 100000]);

  await writeNpy(file('scalar.npy'), { shape: [], data: Float32Array.from([4]) });
  const s = await readNpy(file('scalar.npy'));
  assert.deepEqual(s.shape, []);
  assert.deepEqual(Array.from(s.data), [4]);

  await writeNpy(file('empty.npy'), { shape: [0, 3], data: new Float32Array(0) });
  assert.deepEqual((await readNpy(file('empty.npy'))).shape, [0, 3]);
  assert.ok((await readdir(dir)).every((n) => !n.endsWith('.tmp')));
});

test('version 2 headers and unaligned data are read', () => {
  const values = new Uint8Array(new Float32Array([1.5, -2]).buffer);
  const v2 = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", values, 2);
  assert.deepEqual(Array.from(decodeNpy(v2).data), [1.5, -2]);
  // A header of odd length puts the float32 data at an odd offset.
  const odd = npyWithHeader("{'descr':'<f4','fortran_order':False,'shape':(2,)}\n", values);
  assert.equal((10 + "{'descr':'<f4','fortran_order':False,'shape':(2,)}\n".length) % 4 !== 0, true);
  assert.deepEqual(Array.from(decodeNpy(odd).data), [1.5, -2]);
});

test('Fortran order is rejected with the fix', () => {
  assert.throws(() => decodeNpy(hex(FORTRAN), 'f.npy'), hourglassError('BAD_FILE', /f\.npy: .*Fortran \(column-major\) order.*ascontiguousarray/));
});

test('truncated and over-long files are detected', async () => {
  const full = hex(F4);
  await writeFile(file('cut.npy'), full.subarray(0, full.length - 5));
  const cut = file('cut.npy');
  await assert.rejects(readNpy(cut), hourglassError('BAD_FILE', `${cut}: truncated NPY: header says shape (2, 3) = 6 values of <f4, file holds 4`));
  await writeFile(file('long.npy'), Buffer.concat([full, Buffer.from([1, 2, 3])]));
  await assert.rejects(readNpy(file('long.npy')), hourglassError('BAD_FILE', /3 unexpected bytes after the NPY data/));
  await writeFile(file('header-cut.npy'), full.subarray(0, 40));
  await assert.rejects(readNpy(file('header-cut.npy')), hourglassError('BAD_FILE', /truncated NPY header: it declares 118 bytes/));
});

test('malformed headers and unsupported dtypes are explained', () => {
  const data = new Uint8Array(8);
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /not an NPY file/],
    [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, 4), /version 4\.0 is not supported/],
    [npyWithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }", data), /dtype '<f2' is not supported: supported dtypes are/],
    [npyWithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", data), /'>f4' is not supported: big-endian/],
    [npyWithHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", data), /structured arrays/],
    [npyWithHeader("{'descr': '<f4', 'shape': (2,), }", data), /no fortran_order/],
    [npyWithHeader("{'descr': '<f4', 'fortran_order': False}", data), /no shape/],
    [npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", data), /not a tuple of non-negative integers/],
    [npyWithHeader('not a dict', data), /malformed NPY header/],
  ];
  for (const [bytes, pattern] of cases) assert.throws(() => decodeNpy(bytes, 'x.npy'), hourglassError('BAD_FILE', pattern));
});

test('missing files and invalid arrays to write', async () => {
  const missing = file('missing.npy');
  await assert.rejects(readNpy(missing), hourglassError('FILE_NOT_FOUND', `${missing}: no such file`));
  await assert.rejects(writeNpy(file('w.npy'), { shape: [2, 2], data: new Float32Array(3) }), hourglassError('INVALID_ARGUMENT', /needs 4 values, data holds 3/));
  await assert.rejects(writeNpy(file('w.npy'), { shape: [2], data: new Int16Array(2) as never }), hourglassError('INVALID_ARGUMENT', /must be a Float32Array/));
  await mkdir(file('sub'));
  assert.ok(!(await readdir(dir)).includes('w.npy'));
});
