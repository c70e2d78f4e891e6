import path from 'node:path';
import * as nifti from 'nifti-reader-js';
import { HourglassError } from '../core/errors.js';
import { readMaybeGzipped } from './input-file.js';

/** A 3-D scan as read from a NIfTI-1 file, in its own voxel order (x fastest, then y, then z). */
export interface NiftiVolume {
  /** Voxels along the three axes of the file. */
  dims: [number, number, number];
  /** Intensities after scl_slope / scl_inter, dims[0] * dims[1] * dims[2] values. */
  data: Float32Array;
  /**
   * Voxel indices to world millimetres (4 x 4, row-major rows): the header's sform or qform as
   * nifti-reader-js resolves it (the qform when its code is above the sform's, else the sform;
   * the voxel sizes alone when neither is set).
   */
  affine: number[][];
  /** Which transform the affine came from. */
  transform: 'qform' | 'sform' | 'voxel sizes';
  /** The file's datatype, e.g. 'uint8'. */
  datatype: string;
}

const NIFTI1_HEADER_BYTES = 348;
/** Datatype code -> [name, bytes per voxel]: what hourglass reads (complex, RGB and 64-bit integers are refused). */
const DATATYPES: Record<number, [string, number]> = {
  2: ['uint8', 1],
  4: ['int16', 2],
  8: ['int32', 4],
  16: ['float32', 4],
  64: ['float64', 8],
  256: ['int8', 1],
  512: ['uint16', 2],
};
/** Voxels hourglass reads from one volume: a 512^3 scan; beyond that the slices would not fit the models anyway. */
const MAX_VOXELS = 512 * 512 * 512;

export function isNiftiFileName(file: string): boolean {
  const lower = file.toLowerCase();
  return lower.endsWith('.nii') || lower.endsWith('.nii.gz');
}

/**
 * The size the whole file will have once inflated, from its 348-byte header: vox_offset plus
 * the voxels' bytes. A .nii.gz is inflated only that far (input-file.ts's bounded reader),
 * so a corrupt or hostile archive cannot fill memory.
 */
export function niftiAnnouncedSize(file: string): (head: Uint8Array) => number | null {
  return (head) => {
    if (head.length < NIFTI1_HEADER_BYTES + 4) return null;
    const h = parseHeaderFields(Buffer.from(head.buffer, head.byteOffset, head.length), file);
    return h.voxOffset + h.voxels * h.bytes;
  };
}

interface HeaderFields {
  littleEndian: boolean;
  dims: [number, number, number];
  voxels: number;
  datatype: string;
  bytes: number;
  voxOffset: number;
}

/** The header fields that decide how many bytes follow, checked: one clear error per way a header can be wrong. */
function parseHeaderFields(bytes: Buffer, file: string): HeaderFields {
  const name = path.basename(file);
  if (bytes.length < NIFTI1_HEADER_BYTES) throw new HourglassError('BAD_FILE', `${name}: ${bytes.length} bytes is shorter than a NIfTI-1 header (348 bytes); the file is truncated or not NIfTI`);
  let littleEndian = true;
  const size = bytes.readInt32LE(0);
  if (size !== NIFTI1_HEADER_BYTES) {
    if (bytes.readInt32BE(0) === NIFTI1_HEADER_BYTES) littleEndian = false;
    else if (size === 540 || bytes.readInt32BE(0) === 540) throw new HourglassError('BAD_FILE', `${name}: a NIfTI-2 file; hourglass reads NIfTI-1 (.nii, .nii.gz): convert it, e.g. with nibabel (nib.Nifti1Image(img.dataobj, img.affine))`);
    else throw new HourglassError('BAD_FILE', `${name}: not a NIfTI-1 file (its header size field is ${size}, not 348)`);
  }
  const magic = bytes.toString('latin1', 344, 348);
  if (magic !== 'n+1\0') {
    if (magic === 'ni1\0') throw new HourglassError('BAD_FILE', `${name}: a .hdr/.img pair header; hourglass reads single-file NIfTI (.nii, .nii.gz)`);
    throw new HourglassError('BAD_FILE', `${name}: the NIfTI magic is missing (bytes 344-347); the header is corrupt`);
  }
  const i16 = (at: number): number => (littleEndian ? bytes.readInt16LE(at) : bytes.readInt16BE(at));
  const rank = i16(40);
  const all = Array.from({ length: 7 }, (_, k) => i16(42 + 2 * k));
  if (rank < 1 || rank > 7) throw new HourglassError('BAD_FILE', `${name}: the header's dim[0] is ${rank}; a NIfTI header has 1 to 7 dimensions (the header is corrupt)`);
  const dims = all.slice(0, rank);
  if (dims.some((d) => d < 1)) throw new HourglassError('BAD_FILE', `${name}: the header's dimensions ${dims.join(' x ')} include one below 1 (the header is corrupt)`);
  // A 3-D scan is often saved with trailing singleton dimensions (x, y, z, 1): those are fine.
  const extra = dims.slice(3);
  if (rank < 3 || extra.some((d) => d !== 1))
    throw new HourglassError('BAD_DATA', `${name}: the volume has shape ${dims.join(' x ')}; hourglass reads 3-D volumes (one scan): split a 4-D series first, e.g. with fslsplit`);
  const code = i16(70);
  const type = DATATYPES[code];
  if (!type) throw new HourglassError('BAD_DATA', `${name}: NIfTI datatype ${code} is not supported; hourglass reads ${Object.values(DATATYPES).map(([n]) => n).join(', ')}`);
  const voxOffset = littleEndian ? bytes.readFloatLE(108) : bytes.readFloatBE(108);
  if (!(voxOffset >= NIFTI1_HEADER_BYTES) || !Number.isInteger(voxOffset)) throw new HourglassError('BAD_FILE', `${name}: vox_offset is ${voxOffset}; the voxels must start after the 348-byte header (the header is corrupt)`);
  const [nx, ny, nz] = dims as [number, number, number];
  const voxels = nx * ny * nz;
  if (voxels > MAX_VOXELS) throw new HourglassError('BAD_DATA', `${name}: ${nx} x ${ny} x ${nz} voxels is more than hourglass reads from one volume (${MAX_VOXELS.toLocaleString('en-US')}); crop or downsample it first`);
  return { littleEndian, dims: [nx, ny, nz], voxels, datatype: type[0], bytes: type[1], voxOffset };
}

/** Reads a .nii or .nii.gz (gzip detected by content), checks its header and returns its voxels as float32 intensities. */
export async function readNiftiVolume(file: string): Promise<NiftiVolume> {
  const name = path.basename(file);
  const bytes = await readMaybeGzipped(file, niftiAnnouncedSize(file));
  const h = parseHeaderFields(bytes, file);
  const needed = h.voxOffset + h.voxels * h.bytes;
  if (bytes.length < needed)
    throw new HourglassError('BAD_FILE', `${name}: truncated: the header announces ${h.dims.join(' x ')} ${h.datatype} voxels (${needed.toLocaleString('en-US')} bytes with the header) but the file holds ${bytes.length.toLocaleString('en-US')}`);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  const header = nifti.readHeader(buffer);
  if (!header) throw new HourglassError('BAD_FILE', `${name}: the NIfTI header could not be read`);
  const slope = header.scl_slope;
  const inter = header.scl_inter;
  // scl_slope 0 (or not a number) means "no scaling" in the NIfTI-1 standard.
  const scale = Number.isFinite(slope) && slope !== 0;
  const data = Float32Array.from(voxelValues(buffer, h));
  const offset = Number.isFinite(inter) ? inter : 0;
  for (let i = 0; i < h.voxels; i++) {
    const v = scale ? data[i] * slope + offset : data[i];
    if (!Number.isFinite(v)) throw new HourglassError('BAD_DATA', `${name}: voxel ${i} is ${v}; volumes must hold finite intensities`);
    data[i] = v;
  }
  const transform = header.qform_code > 0 && header.sform_code < header.qform_code ? 'qform' : header.sform_code > 0 ? 'sform' : 'voxel sizes';
  return { dims: h.dims, data, affine: header.affine.map((row) => [...row]), transform, datatype: h.datatype };
}

/**
 * The raw voxels as a typed array of their own type: a view of an aligned copy when the file's
 * byte order is the machine's (every x86 and ARM machine is little-endian, as most files are),
 * else read value by value through a DataView. A 35-million-voxel scan is then one copy, not
 * 35 million calls.
 */
function voxelValues(buffer: ArrayBuffer, h: HeaderFields): ArrayLike<number> {
  const bytes = buffer.slice(h.voxOffset, h.voxOffset + h.voxels * h.bytes);
  const native = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (native === h.littleEndian || h.bytes === 1) {
    switch (h.datatype) {
      case 'uint8': return new Uint8Array(bytes);
      case 'int8': return new Int8Array(bytes);
      case 'int16': return new Int16Array(bytes);
      case 'uint16': return new Uint16Array(bytes);
      case 'int32': return new Int32Array(bytes);
      case 'float32': return new Float32Array(bytes);
      default: return new Float64Array(bytes);
    }
  }
  const view = new DataView(bytes);
  const le = h.littleEndian;
  const out = new Float64Array(h.voxels);
  for (let i = 0; i < h.voxels; i++) {
    switch (h.datatype) {
      case 'int16': out[i] = view.getInt16(2 * i, le); break;
      case 'uint16': out[i] = view.getUint16(2 * i, le); break;
      case 'int32': out[i] = view.getInt32(4 * i, le); break;
      case 'float32': out[i] = view.getFloat32(4 * i, le); break;
      default: out[i] = view.getFloat64(8 * i, le);
    }
  }
  return out;
}
