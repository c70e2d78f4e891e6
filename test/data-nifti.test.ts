import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readNiftiSlices } from '../src/data/nifti.js';
import { readNiftiVolume } from '../src/data/nifti-volume.js';
import { tempDir, hourglassError } from './support/data-files.js';
import { writeTinyNifti, type TinyNifti } from './support/nifti-writer.js';

const tmp = tempDir('nifti');
let files = 0;
const write = (v: TinyNifti, name = `v${files++}.nii${v.gzip ? '.gz' : ''}`): string => {
  const file = path.join(tmp, name);
  writeFileSync(file, writeTinyNifti(v));
  return file;
};
/** Voxel value i + 10 j + 100 k: every voxel names its own coordinates. */
const coded = (nx: number, ny: number, nz: number): number[] => Array.from({ length: nx * ny * nz }, (_, p) => (p % nx) + 10 * (Math.floor(p / nx) % ny) + 100 * Math.floor(p / (nx * ny)));

test('a .nii and a .nii.gz read the same voxels; datatypes and scl_slope/inter', async () => {
  const dims = [3, 4, 2];
  const values = coded(3, 4, 2);
  for (const datatype of ['int16', 'int32', 'float32', 'float64'] as const) {
    const plain = await readNiftiVolume(write({ dims, datatype, values }));
    const zipped = await readNiftiVolume(write({ dims, datatype, values, gzip: true }));
    assert.deepEqual(Array.from(plain.data), values, datatype);
    assert.deepEqual(Array.from(zipped.data), values, `${datatype} gzip`);
    assert.deepEqual(plain.dims, [3, 4, 2]);
  }
  const bytes = await readNiftiVolume(write({ dims: [2, 2, 2], datatype: 'uint8', values: [0, 1, 2, 3, 250, 251, 252, 255] }));
  assert.deepEqual(Array.from(bytes.data), [0, 1, 2, 3, 250, 251, 252, 255]);
  const scaled = await readNiftiVolume(write({ dims: [2, 1, 1], datatype: 'int16', values: [3, -4], slope: 2, inter: 10, bigEndian: true }));
  assert.deepEqual(Array.from(scaled.data), [16, 2]);
});

test('axial slices: index S, rows anterior to posterior, columns left to right; paths name file, plane and slice', async () => {
  const [nx, ny, nz] = [5, 4, 3];
  const file = write({ dims: [nx, ny, nz], datatype: 'int16', values: coded(nx, ny, nz), gzip: true }, 'coded.nii.gz');
  const set = await readNiftiSlices(file, { window: [0, 1000] });
  assert.deepEqual(set.x.shape, [3, 1, 4, 5]);
  assert.deepEqual(set.paths, ['coded.nii.gz#axial/000', 'coded.nii.gz#axial/001', 'coded.nii.gz#axial/002']);
  // Slice k, row r, column c is voxel (i = c, j = ny - 1 - r, k).
  const at = (s: number, r: number, c: number): number => Math.round(set.x.data[s * nx * ny + r * nx + c] * 1000);
  assert.equal(at(2, 0, 1), 1 + 10 * 3 + 200);
  assert.equal(at(0, 3, 4), 4);
  assert.equal(set.labels, null);
  assert.equal(set.masks, null);
  const coronal = await readNiftiSlices(file, { slices: 'coronal', window: [0, 1000] });
  assert.deepEqual(coronal.x.shape, [4, 1, 3, 5]);
  // Coronal slice j, row r = superior first: k = nz - 1 - r.
  assert.equal(Math.round(coronal.x.data[1 * 15 + 0 * 5 + 2] * 1000), 2 + 10 + 200);
  const sagittal = await readNiftiSlices(file, { slices: 'sagittal', window: [0, 1000] });
  assert.deepEqual(sagittal.x.shape, [5, 1, 3, 4]);
  assert.equal(Math.round(sagittal.x.data[3 * 12 + 2 * 4 + 1] * 1000), 3 + 10 + 0);
});

test('the sform decides the orientation: a file stored right-to-left is flipped back to RAS', async () => {
  const [nx, ny, nz] = [4, 3, 2];
  const values = coded(nx, ny, nz);
  const ras = await readNiftiSlices(write({ dims: [nx, ny, nz], datatype: 'int16', values }), { window: [0, 1000] });
  // The same anatomy stored with x reversed (srow_x = -1): voxel i holds what RAS has at nx - 1 - i.
  const flippedValues = values.map((_, p) => values[p - (p % nx) + (nx - 1 - (p % nx))]);
  const flipped = await readNiftiSlices(write({ dims: [nx, ny, nz], datatype: 'int16', values: flippedValues, srows: [[-1, 0, 0, 3], [0, 1, 0, 0], [0, 0, 1, 0]] }), { window: [0, 1000] });
  assert.deepEqual(Array.from(flipped.x.data), Array.from(ras.x.data));
  assert.match(flipped.orientation, /RAS from the sform/);
  // Axes stored in the order (S, R, A) are permuted back too.
  const permuted = coded(nz, nx, ny).map((_, p) => {
    const k = p % nz, i = Math.floor(p / nz) % nx, j = Math.floor(p / (nz * nx));
    return values[i + nx * (j + ny * k)];
  });
  const perm = await readNiftiSlices(write({ dims: [nz, nx, ny], datatype: 'int16', values: permuted, srows: [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]] }), { window: [0, 1000] });
  assert.deepEqual(Array.from(perm.x.data), Array.from(ras.x.data));
});

test('window, resize, masks and foreground make an ImageSet the pixel metrics can use', async () => {
  const [nx, ny, nz] = [8, 8, 4];
  const scan = Array.from({ length: nx * ny * nz }, (_, p) => ((p % nx) >= 2 && (p % nx) < 6 ? 100 : 0));
  const lesion = Array.from({ length: nx * ny * nz }, (_, p) => (Math.floor(p / (nx * ny)) === 2 && p % nx === 3 && Math.floor(p / nx) % ny === 4 ? 1 : 0));
  const set = await readNiftiSlices(write({ dims: [nx, ny, nz], datatype: 'uint8', values: scan }), {
    size: [16, 16],
    masks: write({ dims: [nx, ny, nz], datatype: 'uint8', values: lesion }),
    foreground: 'auto',
  });
  assert.deepEqual(set.x.shape, [4, 1, 16, 16]);
  assert.deepEqual(set.window, [0, 100]);
  assert.deepEqual(Array.from(set.labels!), [0, 0, 1, 0]);
  assert.deepEqual(set.groups, ['normal', 'normal', 'lesion', 'normal']);
  assert.deepEqual(set.masks!.shape, [4, 1, 16, 16]);
  const lesionPixels = set.masks!.data.reduce((a, b) => a + b, 0);
  assert.ok(lesionPixels >= 2 && lesionPixels <= 8, `one voxel becomes about 2x2 pixels, got ${lesionPixels}`);
  // Foreground: the bright band (columns 2..5 of 8, so about 8 of 16 resized columns) on every row.
  const fgRow = Array.from(set.foreground!.data.subarray(0, 16));
  assert.equal(fgRow.reduce((a, b) => a + b, 0), 8);
  assert.ok(set.x.data.every((v) => v >= 0 && v <= 1));
  const some = await readNiftiSlices(write({ dims: [nx, ny, nz], datatype: 'uint8', values: scan }, 'range.nii'), { range: [1, 3] });
  assert.deepEqual(some.paths, ['range.nii#axial/001', 'range.nii#axial/002']);
});

test('bad volumes: one clear error each', async () => {
  const four = write({ dims: [2, 2, 2, 3], datatype: 'uint8', values: new Array(24).fill(1) });
  await assert.rejects(readNiftiSlices(four), hourglassError('BAD_DATA', /shape 2 x 2 x 2 x 3; hourglass reads 3-D volumes/));
  const two = write({ dims: [4, 4], datatype: 'uint8', values: new Array(16).fill(1) });
  await assert.rejects(readNiftiSlices(two), hourglassError('BAD_DATA', /shape 4 x 4; hourglass reads 3-D volumes/));
  const good = writeTinyNifti({ dims: [4, 4, 4], datatype: 'int16', values: new Array(64).fill(7) });
  const truncated = path.join(tmp, 'truncated.nii');
  writeFileSync(truncated, good.subarray(0, good.length - 10));
  await assert.rejects(readNiftiSlices(truncated), hourglassError('BAD_FILE', /truncated: the header announces 4 x 4 x 4 int16 voxels/));
  const truncatedGz = path.join(tmp, 'truncated.nii.gz');
  writeFileSync(truncatedGz, writeTinyNifti({ dims: [4, 4, 4], datatype: 'int16', values: new Array(64).fill(7), gzip: true }).subarray(0, 60));
  await assert.rejects(readNiftiSlices(truncatedGz), (e: unknown) => e instanceof Error && /truncated|corrupt|unexpected end/i.test(e.message));
  const badMagic = Buffer.from(good);
  badMagic.write('xxxx', 344, 'latin1');
  const magicFile = path.join(tmp, 'magic.nii');
  writeFileSync(magicFile, badMagic);
  await assert.rejects(readNiftiSlices(magicFile), hourglassError('BAD_FILE', /NIfTI magic is missing/));
  const notNifti = path.join(tmp, 'text.nii');
  writeFileSync(notNifti, 'hello'.repeat(100));
  await assert.rejects(readNiftiSlices(notNifti), hourglassError('BAD_FILE', /not a NIfTI-1 file/));
  const badType = Buffer.from(good);
  badType.writeInt16LE(128, 70); // RGB24
  const typeFile = path.join(tmp, 'rgb.nii');
  writeFileSync(typeFile, badType);
  await assert.rejects(readNiftiSlices(typeFile), hourglassError('BAD_DATA', /datatype 128 is not supported/));
  const flat = write({ dims: [3, 3, 3], datatype: 'uint8', values: new Array(27).fill(5) });
  await assert.rejects(readNiftiSlices(flat), hourglassError('BAD_DATA', /every voxel has the intensity 5/));
  await assert.rejects(readNiftiSlices(write({ dims: [3, 3, 3], datatype: 'uint8', values: coded(3, 3, 3) }), { range: [2, 9] }), /slice range 2:9 is outside the volume's 3 axial slices/);
});
