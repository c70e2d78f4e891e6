import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HourglassError } from '../src/core/errors.js';
import { tensor } from '../src/core/tensor.js';
import { writeFileAtomic } from '../src/io/atomic-write.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import {
  decodeModelFile,
  encodeModelFile,
  loadModelFile,
  saveModelFile,
  type ModelFileContents,
} from '../src/io/model-file.js';

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hourglass-model-file-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sampleModel(): ModelFileContents {
  return {
    kind: 'autoencoder',
    architecture: {
      inputShape: [1, 4, 4],
      encoder: [{ type: 'flatten' }, { type: 'dense', inFeatures: 16, outFeatures: 2, bias: true }],
      decoder: [{ type: 'dense', inFeatures: 2, outFeatures: 16, bias: true }, { type: 'sigmoid' }],
    },
    tensors: new Map([
      ['encoder.1.weight', tensor([2, 16], Float32Array.from({ length: 32 }, (_, i) => i / 7 - 2))],
      ['encoder.1.bias', tensor([2], new Float32Array([0.5, -0.25]))],
      ['decoder.0.weight', tensor([16, 2], Float32Array.from({ length: 32 }, (_, i) => Math.sin(i)))],
      ['decoder.0.bias', tensor([16])],
      ['decoder.2.num_batches_tracked', tensor([], new Float32Array([1234]))],
    ]),
    extra: {
      scaler: { kind: 'min-max', min: [0], max: [255] },
      threshold: 0.0125,
      training: { epochs: 3, loss: [0.3, 0.2, 0.1] },
    },
  };
}

function assertHourglassError(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HourglassError, `expected an HourglassError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };
}

/** A safetensors file with the given metadata and one tensor, for the loader's error paths. */
function fileWithMetadata(metadata: Record<string, string>): Uint8Array {
  return encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [1], data: new Float32Array([1]) }]]), metadata);
}

const validMetadata = { format: 'hourglass', format_version: '1', kind: 'pca', architecture: '{"components":1}' };

test('save and load round trip: kind, architecture, tensors, extra', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'model.safetensors');
    const model = sampleModel();
    await saveModelFile(file, model);
    const loaded = await loadModelFile(file);
    assert.equal(loaded.kind, model.kind);
    assert.deepEqual(loaded.architecture, model.architecture);
    assert.deepEqual(loaded.extra, model.extra);
    assert.deepEqual([...loaded.tensors.keys()], [...model.tensors.keys()]);
    for (const [name, t] of model.tensors) {
      const l = loaded.tensors.get(name)!;
      assert.deepEqual([...l.shape], [...t.shape], name);
      assert.ok(l.data instanceof Float32Array, name);
      assert.deepEqual(Array.from(l.data), Array.from(t.data), name);
    }
    assert.deepEqual(await readdir(dir), ['model.safetensors']);
  });
});

test('the file is plain safetensors with hourglass metadata and int64 num_batches_tracked', () => {
  const raw = decodeSafetensors(encodeModelFile(sampleModel()), 'm');
  assert.equal(raw.metadata.format, 'hourglass');
  assert.equal(raw.metadata.format_version, '1');
  assert.equal(raw.metadata.kind, 'autoencoder');
  assert.deepEqual(JSON.parse(raw.metadata.architecture), sampleModel().architecture);
  assert.equal(raw.metadata.threshold, '0.0125');
  assert.equal(raw.tensors.get('encoder.1.weight')!.dtype, 'F32');
  const counter = raw.tensors.get('decoder.2.num_batches_tracked')!;
  assert.equal(counter.dtype, 'I64');
  assert.deepEqual(Array.from(counter.data as BigInt64Array), [1234n]);
});

test('float64 and integer tensors written by other tools load as float32', () => {
  const bytes = encodeSafetensors(
    new Map<string, never>([
      ['a', { dtype: 'F64', shape: [2], data: new Float64Array([0.5, -3]) } as never],
      ['b', { dtype: 'U8', shape: [1], data: new Uint8Array([200]) } as never],
    ]),
    validMetadata,
  );
  const m = decodeModelFile(bytes, 'm');
  assert.deepEqual(Array.from(m.tensors.get('a')!.data), [0.5, -3]);
  assert.deepEqual(Array.from(m.tensors.get('b')!.data), [200]);
  assert.deepEqual(m.architecture, { components: 1 });
  assert.deepEqual(m.extra, {});
});

test('saving refuses reserved extra keys, values without JSON, and inconsistent tensors', () => {
  const base = sampleModel();
  assert.throws(() => encodeModelFile({ ...base, extra: { kind: 'x' } }), /'kind' is reserved/);
  assert.throws(() => encodeModelFile({ ...base, extra: { f: () => 1 } }), /entry 'f' cannot be written as JSON/);
  assert.throws(() => encodeModelFile({ ...base, kind: '' }), /non-empty kind/);
  assert.throws(
    () => encodeModelFile({ ...base, tensors: new Map([['w', { shape: [3], data: new Float32Array(2) }]]) }),
    /tensor 'w': shape \[3\] needs 3 values, got 2/,
  );
});

test('loading a missing file: FILE_NOT_FOUND', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'nope.safetensors');
    await assert.rejects(loadModelFile(file), assertHourglassError('FILE_NOT_FOUND', /nope\.safetensors: no such model file/));
    await assert.rejects(loadModelFile(dir), assertHourglassError('BAD_FILE', /is a directory/));
  });
});

test('loading a file that is not safetensors', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'model.safetensors');
    await writeFile(file, 'this is a text file, not a model');
    await assert.rejects(loadModelFile(file), assertHourglassError('BAD_FILE', /model\.safetensors: .*not a safetensors file/));
  });
});

test('loading a safetensors file that is not an hourglass model', () => {
  assert.throws(() => decodeModelFile(fileWithMetadata({}), 'w.safetensors'), assertHourglassError('BAD_FILE', /not an hourglass model \(its __metadata__ has no "format" key\)/));
  assert.throws(() => decodeModelFile(fileWithMetadata({ format: 'pt' }), 'w.safetensors'), assertHourglassError('BAD_FILE', /not an hourglass model \(format "pt"\)/));
});

test('loading a file from a newer format version says to upgrade', () => {
  assert.throws(
    () => decodeModelFile(fileWithMetadata({ ...validMetadata, format_version: '3' }), 'model.safetensors'),
    assertHourglassError(
      'BAD_FILE',
      /^model\.safetensors was written by format version 3; this hourglass reads up to 1: upgrade hourglass$/,
    ),
  );
  assert.throws(
    () => decodeModelFile(fileWithMetadata({ ...validMetadata, format_version: 'one' }), 'm'),
    assertHourglassError('BAD_FILE', /invalid format_version "one"/),
  );
});

test('loading a file whose metadata JSON is damaged names the key', () => {
  assert.throws(
    () => decodeModelFile(fileWithMetadata({ ...validMetadata, architecture: '{"layers": [' }), 'm'),
    assertHourglassError('BAD_FILE', /__metadata__ key 'architecture' is not valid JSON/),
  );
  assert.throws(
    () => decodeModelFile(fileWithMetadata({ ...validMetadata, scaler: 'min-max' }), 'm'),
    assertHourglassError('BAD_FILE', /__metadata__ key 'scaler' is not valid JSON/),
  );
  const { kind: _kind, ...noKind } = validMetadata;
  assert.throws(() => decodeModelFile(fileWithMetadata(noKind), 'm'), assertHourglassError('BAD_FILE', /no model kind/));
});

test('atomic write replaces the file and leaves no temporary file', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'model.safetensors');
    await writeFile(file, 'old');
    await saveModelFile(file, sampleModel());
    assert.deepEqual(await readdir(dir), ['model.safetensors']);
    assert.equal((await loadModelFile(file)).kind, 'autoencoder');
  });
});

test('atomic write that fails keeps the old file and removes its temporary file', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'model.safetensors');
    await writeFile(file, 'old content');
    // Data that cannot be written makes the write fail after the temporary file exists.
    await assert.rejects(writeFileAtomic(file, 12345 as never));
    assert.equal(await readFile(file, 'utf8'), 'old content');
    assert.deepEqual(await readdir(dir), ['model.safetensors']);

    // Renaming over a non-empty directory fails at the last step.
    const blocked = path.join(dir, 'blocked');
    await mkdir(blocked);
    await writeFile(path.join(blocked, 'keep'), 'x');
    await assert.rejects(saveModelFile(blocked, sampleModel()), HourglassError);
    assert.deepEqual((await readdir(dir)).sort(), ['blocked', 'model.safetensors']);
    assert.deepEqual(await readdir(blocked), ['keep']);

    await assert.rejects(
      saveModelFile(path.join(dir, 'missing', 'm.safetensors'), sampleModel()),
      assertHourglassError('FILE_NOT_FOUND', /does not exist/),
    );
  });
});

test('integrity: the checksum is written, random byte flips never load as a changed model, older files without it load', () => {
  const bytes = encodeModelFile(sampleModel());
  const raw = decodeSafetensors(bytes, 'm');
  assert.match(JSON.parse(raw.metadata.sha256), /^[0-9a-f]{64}$/);
  assert.equal(decodeModelFile(bytes, 'm').extra?.sha256, undefined, 'the checksum is not an extra value');

  // Flip one bit at 400 random positions: each damaged file is refused, or loads exactly the original.
  const original = decodeModelFile(bytes, 'm');
  let state = 12345;
  const random = (n: number): number => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
  let changedLoads = 0;
  for (let k = 0; k < 400; k++) {
    const damaged = Uint8Array.from(bytes);
    damaged[random(damaged.length)] ^= 1 << random(8);
    let loaded;
    try {
      loaded = decodeModelFile(damaged, 'm');
    } catch (e) {
      assert.ok(e instanceof HourglassError && (e.code === 'BAD_FILE' || e.code === 'INVALID_ARGUMENT'), String(e));
      continue;
    }
    for (const [name, t] of original.tensors) if (!Array.from(t.data).every((v, i) => Object.is(v, loaded.tensors.get(name)?.data[i]))) changedLoads++;
  }
  assert.equal(changedLoads, 0);

  // A weight changed after writing: the checksum no longer matches.
  const tampered = decodeSafetensors(bytes, 'm');
  (tampered.tensors.get('encoder.1.bias')!.data as Float32Array)[0] = 0.75;
  assert.throws(() => decodeModelFile(encodeSafetensors(tampered.tensors, tampered.metadata), 'm.safetensors'), assertHourglassError('BAD_FILE', /^m\.safetensors: damaged: checksum mismatch/));

  // Written before the checksum existed: no key, still loads.
  const { sha256: _sum, ...older } = raw.metadata;
  assert.equal(decodeModelFile(encodeSafetensors(raw.tensors, older), 'old').kind, 'autoencoder');
});

test('non-finite weights are refused at load, naming the tensor', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const model = sampleModel();
    model.tensors.get('decoder.0.weight')!.data[5] = bad;
    assert.throws(() => decodeModelFile(encodeModelFile(model), 'm'), assertHourglassError('BAD_FILE', new RegExp(`tensor 'decoder\\.0\\.weight' holds ${bad} at index 5`)));
  }
  // float64 beyond float32's range becomes Infinity when loaded: refused too.
  const wide = encodeSafetensors(new Map([['w', { dtype: 'F64', shape: [2], data: new Float64Array([1, 1e300]) }]]), validMetadata);
  assert.throws(() => decodeModelFile(wide, 'm'), assertHourglassError('BAD_FILE', /tensor 'w' holds Infinity at index 1/));
});
