import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HourglassError } from '../src/core/errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../src/io/safetensors.js';

function sampleTensors(): Map<string, SafetensorsTensor> {
  return new Map<string, SafetensorsTensor>([
    ['encoder.0.weight', { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 3.25, 0, 1e-7, -1e30]) }],
    ['u8', { dtype: 'U8', shape: [3], data: new Uint8Array([0, 127, 255]) }],
    ['f64', { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) }],
    ['i64', { dtype: 'I64', shape: [1, 2], data: new BigInt64Array([-(2n ** 62n), 7n]) }],
    ['i32', { dtype: 'I32', shape: [1], data: new Int32Array([-123456]) }],
    ['i16', { dtype: 'I16', shape: [2], data: new Int16Array([-2, 32767]) }],
    ['i8', { dtype: 'I8', shape: [1], data: new Int8Array([-128]) }],
    ['empty', { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }],
    ['scalar', { dtype: 'F32', shape: [], data: new Float32Array([42]) }],
  ]);
}

/** Builds a file from a header object and a data section, to reach the decoder's error paths. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function assertBadFile(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'weights.safetensors'),
    (e: unknown) => {
      assert.ok(e instanceof HourglassError);
      assert.equal(e.code, 'BAD_FILE');
      assert.match(e.message, /^weights\.safetensors: /);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('round trip keeps every dtype, shape, value and the metadata', () => {
  const tensors = sampleTensors();
  const metadata = { format: 'hourglass', note: 'ünïcode ✓', empty: '' };
  const bytes = encodeSafetensors(tensors, metadata);
  const decoded = decodeSafetensors(bytes, 'x.safetensors');
  assert.deepEqual(decoded.metadata, metadata);
  assert.deepEqual([...decoded.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    const d = decoded.tensors.get(name)!;
    assert.equal(d.dtype, t.dtype, name);
    assert.deepEqual([...d.shape], [...t.shape], name);
    assert.equal(d.data.constructor, t.data.constructor, name);
    assert.deepEqual(Array.from(d.data as ArrayLike<unknown>), Array.from(t.data as ArrayLike<unknown>), name);
  }
});

test('layout: little-endian header length, space padding to 8 bytes, raw little-endian data', () => {
  const bytes = encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [1], data: new Float32Array([1]) }]]));
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  assert.deepEqual(JSON.parse(header), { w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } });
  assert.match(header, /^\{.*\} *$/);
  // 1.0f is 0x3f800000, stored low byte first.
  assert.deepEqual([...bytes.subarray(8 + headerLength)], [0x00, 0x00, 0x80, 0x3f]);
  assert.equal(decodeSafetensors(bytes, 'w').tensors.get('w')!.data[0], 1);
});

test('no metadata decodes as an empty record; a file with no tensors is valid', () => {
  assert.deepEqual(decodeSafetensors(encodeSafetensors(new Map()), 'a').metadata, {});
  const onlyMeta = decodeSafetensors(encodeSafetensors(new Map(), { a: 'b' }), 'a');
  assert.equal(onlyMeta.tensors.size, 0);
  assert.deepEqual(onlyMeta.metadata, { a: 'b' });
});

test('decoding copies into aligned memory even from an unaligned view', () => {
  const bytes = encodeSafetensors(new Map<string, SafetensorsTensor>([
    ['a', { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) }],
    ['b', { dtype: 'F64', shape: [1], data: new Float64Array([0.1]) }],
  ]));
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const decoded = decodeSafetensors(shifted.subarray(1), 'shifted');
  assert.equal(decoded.tensors.get('b')!.data[0], 0.1);
});

test('encoding refuses inconsistent tensors', () => {
  assert.throws(
    () => encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]])),
    /shape \[2, 2\] needs 4 values, got 3/,
  );
  assert.throws(
    () => encodeSafetensors(new Map([['w', { dtype: 'F64', shape: [1], data: new Float32Array(1) } as never]])),
    /F64 needs its data in a Float64Array/,
  );
  assert.throws(
    () => encodeSafetensors(new Map([['w', { dtype: 'BF16', shape: [1], data: new Float32Array(1) } as never]])),
    /unknown dtype 'BF16'/,
  );
  assert.throws(() => encodeSafetensors(new Map(), { k: 3 as never }), /key 'k' holds a number/);
});

test('error: file shorter than the length prefix', () => {
  assertBadFile(new Uint8Array(5), /5 bytes is too short/);
});

test('error: header length beyond the file', () => {
  const bytes = rawFile({});
  new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
  assertBadFile(bytes, /header length \(1000 bytes\) goes beyond the end of the file \(10 bytes\)/);
  const huge = rawFile({});
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  assertBadFile(huge, /goes beyond the end of the file/);
});

test('error: header is not JSON, or not an object', () => {
  assertBadFile(rawFile(null, undefined, '{"w": {'), /header is not valid JSON/);
  assertBadFile(rawFile([1, 2]), /header is not a JSON object/);
});

test('error: unknown dtype', () => {
  assertBadFile(
    rawFile({ w: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(2)),
    /tensor 'w' has dtype "BF16", which hourglass does not read/,
  );
});

test('error: malformed shape or offsets', () => {
  assertBadFile(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape \[-1\]/);
  assertBadFile(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), /invalid data_offsets \[4,0\]/);
  assertBadFile(rawFile({ w: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), /invalid data_offsets undefined/);
  assertBadFile(rawFile({ w: 3 }), /header entry of tensor 'w' is not an object/);
});

test('error: offsets out of range', () => {
  assertBadFile(
    rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)),
    /tensor 'w' has data_offsets \[0, 8\] beyond the data section \(4 bytes\)/,
  );
});

test('error: shape does not match the byte size', () => {
  assertBadFile(
    rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    /shape \[3\] of F32, which needs 12 bytes, but its data_offsets cover 8/,
  );
});

test('error: overlapping tensors', () => {
  assertBadFile(
    rawFile(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    ),
    /tensors 'a' \[0, 8\] and 'b' \[4, 12\] overlap/,
  );
});

test('error: gap between tensors, and bytes left over', () => {
  assertBadFile(
    rawFile(
      {
        a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
      },
      new Uint8Array(12),
    ),
    /bytes \[4, 8\) of the data section belong to no tensor/,
  );
  assertBadFile(
    rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(6)),
    /data section has 6 bytes but the tensors cover only the first 4/,
  );
});

test('error: metadata that is not a map of strings', () => {
  assertBadFile(rawFile({ __metadata__: { version: 1 } }), /__metadata__ key 'version' holds 1, not a string/);
  assertBadFile(rawFile({ __metadata__: 'x' }), /__metadata__ is not an object of strings/);
});
