import { crc32 } from 'node:zlib';
import { HourglassError, invalid } from '../../core/errors.js';

/**
 * The .hgc file: a small self-checking envelope around an entropy-coded latent.
 * Byte layout (docs/hgc-format.md is the reference):
 *
 *   magic "\x89HGC" | version u8 | coder u8 | bits u8 | model hash 8 bytes |
 *   count varint | latent size varint | sample rank varint, dims varint... |
 *   payload length varint | payload | CRC-32 u32 little-endian of every byte before it
 *
 * Varints are unsigned LEB128. A sample rank of 0 means "the model's input shape".
 */

export const HGC_MAGIC = Uint8Array.of(0x89, 0x48, 0x47, 0x43); // \x89 H G C
export const HGC_VERSION = 1;
export const MODEL_HASH_BYTES = 8;
const CHECKSUM_BYTES = 4;
/** Bounds that keep a damaged header from asking for absurd allocations. */
const MAX_RANK = 8;
const MAX_DIM = 2 ** 31;

/** Entropy coders a payload can use; the byte value is stored in the header. */
export const ENTROPY_CODERS = ['raw', 'range', 'range-adaptive', 'deflate', 'brotli'] as const;
export type EntropyCoderName = (typeof ENTROPY_CODERS)[number];

export interface HgcHeader {
  version: number;
  coder: EntropyCoderName;
  bits: number;
  /** First MODEL_HASH_BYTES bytes of the model's SHA-256 (see modelHash). */
  modelHash: Uint8Array;
  /** Samples in the file. */
  count: number;
  /** Quantised latent values per sample. */
  latentSize: number;
  /** Shape of one decoded sample, or null for the model's input shape. */
  sampleShape: number[] | null;
}

export interface HgcFile extends HgcHeader {
  payload: Uint8Array;
}

export function encodeHgc(file: HgcFile): Uint8Array {
  const coderId = ENTROPY_CODERS.indexOf(file.coder);
  if (coderId < 0) throw invalid(`unknown entropy coder '${file.coder}' (known: ${ENTROPY_CODERS.join(', ')})`);
  if (file.modelHash.length !== MODEL_HASH_BYTES) throw invalid(`a model hash has ${MODEL_HASH_BYTES} bytes, got ${file.modelHash.length}`);
  const bytes: number[] = [...HGC_MAGIC, HGC_VERSION, coderId, file.bits, ...file.modelHash];
  writeVarint(bytes, file.count);
  writeVarint(bytes, file.latentSize);
  const shape = file.sampleShape ?? [];
  if (shape.length > MAX_RANK) throw invalid(`sample shapes have at most ${MAX_RANK} dimensions, got ${shape.length}`);
  writeVarint(bytes, shape.length);
  for (const d of shape) writeVarint(bytes, d);
  writeVarint(bytes, file.payload.length);
  const out = new Uint8Array(bytes.length + file.payload.length + CHECKSUM_BYTES);
  out.set(bytes);
  out.set(file.payload, bytes.length);
  const end = out.length - CHECKSUM_BYTES;
  new DataView(out.buffer).setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

/**
 * Parses and verifies a .hgc file. Every way a file can be wrong ends in a HourglassError
 * naming `source`: not an .hgc file, a newer format version, truncation (the header says
 * how long the file must be), extra bytes, or a checksum mismatch (corruption).
 */
export function decodeHgc(bytes: Uint8Array, source: string): HgcFile {
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${what}`);
  const truncated = (): HourglassError =>
    bad(`the file is truncated (${bytes.length} bytes, too short for its header); it was probably cut short while copying`);
  if (bytes.length < HGC_MAGIC.length || HGC_MAGIC.some((b, i) => bytes[i] !== b)) {
    if (bytes.length < HGC_MAGIC.length && HGC_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b))
      throw truncated();
    throw bad('not an .hgc file (it does not start with the .hgc magic bytes); compress files with hourglass compress');
  }
  let at = HGC_MAGIC.length;
  const byte = (): number => {
    if (at >= bytes.length) throw truncated();
    return bytes[at++];
  };
  const varint = (what: string): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw bad(`the ${what} field is not a valid number; the file is corrupted`);
  };

  const version = byte();
  if (version === 0) throw bad('format version 0 is not valid; the file is corrupted');
  if (version > HGC_VERSION) throw bad(`the file has .hgc format version ${version}; this hourglass reads up to version ${HGC_VERSION}: upgrade hourglass`);
  const coderId = byte();
  const bits = byte();
  if (at + MODEL_HASH_BYTES > bytes.length) throw truncated();
  const modelHash = bytes.slice(at, at + MODEL_HASH_BYTES);
  at += MODEL_HASH_BYTES;
  const count = varint('sample count');
  const latentSize = varint('latent size');
  const rank = varint('sample rank');
  if (rank > MAX_RANK) throw corruptOrTruncated(bytes, bad, `a sample rank of ${rank}`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const d = varint('sample shape');
    if (d < 1 || d > MAX_DIM) throw corruptOrTruncated(bytes, bad, `a sample dimension of ${d}`);
    shape.push(d);
  }
  const payloadLength = varint('payload length');
  const expected = at + payloadLength + CHECKSUM_BYTES;
  if (bytes.length < expected)
    throw bad(`the file is truncated: its header announces ${expected} bytes but it has ${bytes.length}; it was probably cut short while copying`);
  if (bytes.length > expected) throw bad(`the file has ${bytes.length - expected} unexpected bytes after its end; it is corrupted or two files were joined`);
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - CHECKSUM_BYTES, true);
  if (crc32(bytes.subarray(0, bytes.length - CHECKSUM_BYTES)) !== stored)
    throw bad('the file is corrupted (its CRC-32 checksum does not match its content)');
  // Only now, with the checksum verified, are the header values trusted.
  if (coderId >= ENTROPY_CODERS.length) throw bad(`unknown entropy coder ${coderId}; the file was written by a newer hourglass`);
  if (bits < 1 || bits > 16) throw bad(`invalid bit depth ${bits}`);
  if (latentSize < 1) throw bad('the latent size is 0');
  return {
    version,
    coder: ENTROPY_CODERS[coderId],
    bits,
    modelHash,
    count,
    latentSize,
    sampleShape: rank === 0 ? null : shape,
    payload: bytes.slice(at, at + payloadLength),
  };
}

/** Header bytes of a file without its payload: the fixed per-file cost of the format. */
export function hgcOverheadBytes(header: HgcHeader): number {
  return encodeHgc({ ...header, payload: new Uint8Array(0) }).length;
}

/** Implausible header values can be damage or a cut: tell which when the checksum allows it. */
function corruptOrTruncated(bytes: Uint8Array, bad: (what: string) => HourglassError, what: string): HourglassError {
  const stored = bytes.length >= CHECKSUM_BYTES ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - CHECKSUM_BYTES, true) : -1;
  const intact = stored === crc32(bytes.subarray(0, Math.max(0, bytes.length - CHECKSUM_BYTES)));
  return bad(intact ? `the header holds ${what}, which this hourglass cannot read` : `the header holds ${what}; the file is corrupted or truncated`);
}

function writeVarint(out: number[], value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > Number.MAX_SAFE_INTEGER) throw invalid(`cannot store ${value} in an .hgc header`);
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
}
