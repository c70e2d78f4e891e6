import { gzipSync } from 'node:zlib';

export interface TinyNifti {
  dims: number[];
  /** 'uint8' | 'int16' | 'int32' | 'float32' | 'float64'. */
  datatype: 'uint8' | 'int16' | 'int32' | 'float32' | 'float64';
  /** Voxels, x fastest. */
  values: ArrayLike<number>;
  /** srow_x, srow_y, srow_z (sform_code 1); default the identity with 1 mm voxels. */
  srows?: [number[], number[], number[]];
  slope?: number;
  inter?: number;
  gzip?: boolean;
  bigEndian?: boolean;
}

const CODES = { uint8: [2, 1], int16: [4, 2], int32: [8, 4], float32: [16, 4], float64: [64, 8] } as const;

/** A single-file NIfTI-1 (.nii, or .nii.gz with gzip), written field by field as the standard lays them out: the tests' own volumes. */
export function writeTinyNifti(v: TinyNifti): Buffer {
  const [code, bytes] = CODES[v.datatype];
  const header = Buffer.alloc(352);
  const le = !v.bigEndian;
  const i32 = (at: number, x: number) => (le ? header.writeInt32LE(x, at) : header.writeInt32BE(x, at));
  const i16 = (at: number, x: number) => (le ? header.writeInt16LE(x, at) : header.writeInt16BE(x, at));
  const f32 = (at: number, x: number) => (le ? header.writeFloatLE(x, at) : header.writeFloatBE(x, at));
  i32(0, 348);
  i16(40, v.dims.length);
  v.dims.forEach((d, k) => i16(42 + 2 * k, d));
  for (let k = v.dims.length; k < 7; k++) i16(42 + 2 * k, 1);
  i16(70, code);
  i16(72, bytes * 8);
  for (let k = 0; k < 8; k++) f32(76 + 4 * k, 1); // pixdim
  f32(108, 352); // vox_offset
  f32(112, v.slope ?? 1);
  f32(116, v.inter ?? 0);
  i16(252, 0); // qform_code
  i16(254, 1); // sform_code
  const srows = v.srows ?? [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
  srows.forEach((row, r) => row.forEach((x, c) => f32(280 + 16 * r + 4 * c, x)));
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(v.values.length * bytes);
  for (let i = 0; i < v.values.length; i++) {
    const x = v.values[i];
    switch (v.datatype) {
      case 'uint8': data.writeUInt8(x, i); break;
      case 'int16': le ? data.writeInt16LE(x, 2 * i) : data.writeInt16BE(x, 2 * i); break;
      case 'int32': le ? data.writeInt32LE(x, 4 * i) : data.writeInt32BE(x, 4 * i); break;
      case 'float32': le ? data.writeFloatLE(x, 4 * i) : data.writeFloatBE(x, 4 * i); break;
      case 'float64': le ? data.writeDoubleLE(x, 8 * i) : data.writeDoubleBE(x, 8 * i); break;
    }
  }
  const file = Buffer.concat([header, data]);
  return v.gzip ? gzipSync(file) : file;
}

/** A head phantom: an ellipsoid of tissue (brighter rim, darker core, a stripe pattern so slices differ) in an empty box. */
export function phantomVolume(nx: number, ny: number, nz: number): Float32Array {
  const out = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const r = Math.sqrt(((i - nx / 2 + 0.5) / (0.45 * nx)) ** 2 + ((j - ny / 2 + 0.5) / (0.45 * ny)) ** 2 + ((k - nz / 2 + 0.5) / (0.6 * nz)) ** 2);
        if (r < 1) out[i + nx * (j + ny * k)] = 60 + 40 * r + 20 * Math.sin((i + 2 * j + k) / 3);
      }
  return out;
}
