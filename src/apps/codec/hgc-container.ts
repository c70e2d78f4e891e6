import { crc32 } from 'node:zlib';
import { HourglassError, invalid } from '../../core/errors.js';

/**
 * The .hgc file: a small self-checking envelope around an entropy-coded latent.
 * Byte layout (docs/hgc-format.md is the reference):
 *
 *   magic "\x89HGC" | version u8 | coder u8 | bits u8 | model hash 4 bytes |
 *   count varint | latent size varint | sample rank varint, dims varint... |
 *   payload length varint | payload | CRC-32 u32 little-endian of every byte before it
 *
 * Varints are unsigned LEB128. A sample rank of 0 means "the model's input shape".
 * The model hash is short because every file carries it: it guards against decoding with
 * the wrong model by mistake (a random mismatch passes with probability 2^-32), not against forgery.
 */

export const HGC_MAGIC = Uint8Array.of(0x89, 0x48, 0x47, 0x43); // \x89 H G C
export const HGC_VERSION = 1;
export const MODEL_HASH_BYTES = 4;
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
 * naming `source`: not an .hgc file, truncation (the header says how long the file must
 * be), extra bytes, damage (the CRC-32 does not match), or a newer format version. The
 * checksum is verified before any header value is trusted, so a damaged byte is reported
 * as damage rather than as whatever the damaged field happens to say.
 */
export function decodeHgc(bytes: Uint8Array, source: string): HgcFile {
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${what}`);
  const tooShort = (): HourglassError =>
    bad(`the file is truncated (${bytes.length} bytes, too short for its header); it was probably cut short while copying`);
  if (bytes.length < HGC_MAGIC.length || HGC_MAGIC.some((b, i) => bytes[i] !== b)) {
    if (bytes.length < HGC_MAGIC.length && HGC_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b)) throw tooShort();
    throw bad('not an .hgc file (it does not start with the .hgc magic bytes); compress files with hourglass compress');
  }
  const header = parseHeader(bytes);
  const intact =
    bytes.length >= HGC_MAGIC.length + CHECKSUM_BYTES &&
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - CHECKSUM_BYTES, true) ===
      crc32(bytes.subarray(0, bytes.length - CHECKSUM_BYTES));
  if (!intact) {
    // Explain the failure as precisely as the (untrusted) header allows.
    if (header === null) throw tooShort();
    if (bytes.length < header.end)
      throw bad(`the file is truncated: its header announces ${header.end} bytes but it has ${bytes.length}; it was probably cut short while copying (or its header is damaged)`);
    if (bytes.length > header.end)
      throw bad(`the file has ${bytes.length - header.end} unexpected bytes after its end; it is corrupted or two files were joined`);
    throw bad('the file is corrupted (its CRC-32 checksum does not match its content)');
  }
  if (header === null || header.version === 0) throw bad('the header is not valid although the checksum matches; the file was not written by hourglass');
  if (header.version > HGC_VERSION)
    throw bad(`the file has .hgc format version ${header.version}; this hourglass reads up to version ${HGC_VERSION}: upgrade hourglass`);
  if (header.end !== bytes.length) throw bad(`the header announces ${header.end} bytes but the file has ${bytes.length}; the file was not written by hourglass`);
  if (header.coderId >= ENTROPY_CODERS.length) throw bad(`unknown entropy coder ${header.coderId}; the file was written by a newer hourglass`);
  if (header.bits < 1 || header.bits > 16) throw bad(`invalid bit depth ${header.bits}`);
  if (header.latentSize < 1) throw bad('the latent size is 0');
  if (header.shape.length > MAX_RANK || header.shape.some((d) => d < 1 || d > MAX_DIM))
    throw bad(`invalid sample shape [${header.shape.join(', ')}]`);
  return {
    version: header.version,
    coder: ENTROPY_CODERS[header.coderId],
    bits: header.bits,
    modelHash: header.modelHash,
    count: header.count,
    latentSize: header.latentSize,
    sampleShape: header.shape.length === 0 ? null : header.shape,
    payload: bytes.slice(header.payloadStart, header.payloadStart + header.payloadLength),
  };
}

interface RawHeader {
  version: number;
  coderId: number;
  bits: number;
  modelHash: Uint8Array;
  count: number;
  latentSize: number;
  shape: number[];
  payloadStart: number;
  payloadLength: number;
  /** Length the whole file must have. */
  end: number;
}

/** Reads the header fields without judging them; null when the bytes end (or a field runs on) before the header does. */
function parseHeader(bytes: Uint8Array): RawHeader | null {
  let at = HGC_MAGIC.length;
  let short = false;
  const byte = (): number => {
    if (at >= bytes.length) {
      short = true;
      return 0;
    }
    return bytes[at++];
  };
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    short = true; // a number that never ends: nothing after it can be read
    return 0;
  };
  const version = byte();
  const coderId = byte();
  const bits = byte();
  const modelHash = bytes.slice(at, at + MODEL_HASH_BYTES);
  at += MODEL_HASH_BYTES;
  if (at > bytes.length) return null;
  const count = varint();
  const latentSize = varint();
  const rank = varint();
  const shape: number[] = [];
  for (let i = 0; i < Math.min(rank, MAX_RANK + 1) && !short; i++) shape.push(varint());
  const payloadLength = varint();
  if (short) return null;
  return { version, coderId, bits, modelHash, count, latentSize, shape, payloadStart: at, payloadLength, end: at + payloadLength + CHECKSUM_BYTES };
}

/** Header bytes of a file without its payload: the fixed per-file cost of the format. */
export function hgcOverheadBytes(header: HgcHeader): number {
  return encodeHgc({ ...header, payload: new Uint8Array(0) }).length;
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
