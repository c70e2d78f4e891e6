import { crc32 } from 'node:zlib';
import { HourglassError, invalid } from '../../core/errors.js';

/**
 * The .hgc file: a small self-checking envelope around an entropy-coded latent.
 * Byte layout of version 2, the version written (docs/hgc-format.md is the reference):
 *
 *   magic "\x89H" | version (high nibble) + coder (low nibble) | flags (high nibble) + bits - 1 (low nibble) |
 *   model hash 3 bytes | [layout: count varint | latent size varint | sample rank varint, dims varint...] |
 *   payload | CRC-32 u32 little-endian of every byte before it
 *
 * The layout fields are present only when the LAYOUT flag is set: a file holding one sample
 * of the model's own input shape (the common case of one image per file) leaves them out,
 * and the payload runs up to the checksum, so such a file costs 11 bytes beyond its payload.
 * At a few dozen payload bytes per image that overhead is what a file format can still save.
 *
 * Version 1 files (magic "\x89HGC", 19 bytes of overhead for one image) are still read.
 *
 * The model hash is short because every file carries it: it guards against decoding with
 * the wrong model by mistake (a random mismatch passes with probability 2^-24), not against forgery.
 */

export const HGC_VERSION = 2;
/** Bytes of the model's SHA-256 that a version 2 file stores. */
export const FILE_HASH_BYTES = 3;
const MAGIC = Uint8Array.of(0x89, 0x48); // \x89 H
const MAGIC_V1 = Uint8Array.of(0x89, 0x48, 0x47, 0x43); // \x89 H G C
const V1_HASH_BYTES = 4;
const CHECKSUM_BYTES = 4;
const LAYOUT_FLAG = 0x1;
/** Bounds that keep a damaged header from asking for absurd allocations. */
const MAX_RANK = 8;
const MAX_DIM = 2 ** 31;
const MAX_BITS = 16;

/** Entropy coders a payload can use; the number stored in the header is the index. */
export const ENTROPY_CODERS = ['raw', 'range', 'range-adaptive', 'deflate', 'brotli'] as const;
export type EntropyCoderName = (typeof ENTROPY_CODERS)[number];

export interface HgcHeader {
  coder: EntropyCoderName;
  bits: number;
  /** The model's hash (see modelHash); a file stores its first FILE_HASH_BYTES bytes. */
  modelHash: Uint8Array;
  /** Samples in the file. */
  count: number;
  /** Quantised latent values per sample; null when the file leaves it to the model. */
  latentSize: number | null;
  /** Shape of one decoded sample, or null for the model's input shape. */
  sampleShape: number[] | null;
}

export interface HgcFile extends HgcHeader {
  /** Format version the file was written in. */
  version: number;
  payload: Uint8Array;
}

export function encodeHgc(file: HgcHeader & { payload: Uint8Array }): Uint8Array {
  const coderId = ENTROPY_CODERS.indexOf(file.coder);
  if (coderId < 0) throw invalid(`unknown entropy coder '${file.coder}' (known: ${ENTROPY_CODERS.join(', ')})`);
  if (!Number.isInteger(file.bits) || file.bits < 1 || file.bits > MAX_BITS) throw invalid(`an .hgc file stores bit depths 1 to ${MAX_BITS}, got ${file.bits}`);
  if (file.modelHash.length < FILE_HASH_BYTES) throw invalid(`a model hash has at least ${FILE_HASH_BYTES} bytes, got ${file.modelHash.length}`);
  const layout = file.count !== 1 || file.sampleShape !== null;
  if (layout && file.latentSize === null) throw invalid('a file of several samples, or of samples in their own shape, states its latent size');
  const bytes: number[] = [...MAGIC, (HGC_VERSION << 4) | coderId, ((layout ? LAYOUT_FLAG : 0) << 4) | (file.bits - 1), ...file.modelHash.subarray(0, FILE_HASH_BYTES)];
  if (layout) {
    writeVarint(bytes, file.count);
    writeVarint(bytes, file.latentSize!);
    const shape = file.sampleShape ?? [];
    if (shape.length > MAX_RANK) throw invalid(`sample shapes have at most ${MAX_RANK} dimensions, got ${shape.length}`);
    writeVarint(bytes, shape.length);
    for (const d of shape) writeVarint(bytes, d);
  }
  const out = new Uint8Array(bytes.length + file.payload.length + CHECKSUM_BYTES);
  out.set(bytes);
  out.set(file.payload, bytes.length);
  const end = out.length - CHECKSUM_BYTES;
  new DataView(out.buffer).setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

/**
 * Parses and verifies a .hgc file (version 2, or version 1 as older hourglass wrote it).
 * Every way a file can be wrong ends in a HourglassError naming `source`: not an .hgc file,
 * truncation or damage (the CRC-32 does not match), or a newer format version. The checksum
 * is verified before any header value is trusted, so a damaged byte is reported as damage
 * rather than as whatever the damaged field happens to say.
 */
export function decodeHgc(bytes: Uint8Array, source: string): HgcFile {
  const bad = (what: string): HourglassError => new HourglassError('BAD_FILE', `${source}: ${what}`);
  if (!startsWith(bytes, MAGIC)) {
    if (bytes.length < MAGIC.length && startsWith(MAGIC, bytes) && bytes.length > 0)
      throw bad(`the file is truncated (${bytes.length} bytes, too short for its header); it was probably cut short while copying`);
    throw bad('not an .hgc file (it does not start with the .hgc magic bytes); compress files with hourglass compress');
  }
  if (startsWith(bytes, MAGIC_V1)) return decodeVersion1(bytes, bad);
  const minimum = MAGIC.length + 2 + FILE_HASH_BYTES + CHECKSUM_BYTES;
  if (bytes.length < minimum) throw bad(`the file is truncated (${bytes.length} bytes; the shortest .hgc file has ${minimum}); it was probably cut short while copying`);
  if (!checksumMatches(bytes))
    throw bad('the file is corrupted or truncated (its CRC-32 checksum does not match its content); it was damaged in storage or cut short while copying');
  const version = bytes[2] >> 4;
  if (version > HGC_VERSION) throw bad(`the file has .hgc format version ${version}; this hourglass reads up to version ${HGC_VERSION}: upgrade hourglass`);
  if (version !== HGC_VERSION) throw bad(`the header announces format version ${version} although the checksum matches; the file was not written by hourglass`);
  const coderId = bytes[2] & 0xf;
  if (coderId >= ENTROPY_CODERS.length) throw bad(`unknown entropy coder ${coderId}; the file was written by a newer hourglass`);
  const flags = bytes[3] >> 4;
  if ((flags & ~LAYOUT_FLAG) !== 0) throw bad(`unknown header flags ${flags}; the file was written by a newer hourglass`);
  const reader = new HeaderReader(bytes, MAGIC.length + 2 + FILE_HASH_BYTES, bytes.length - CHECKSUM_BYTES, bad);
  const header: HgcFile = {
    version,
    coder: ENTROPY_CODERS[coderId],
    bits: (bytes[3] & 0xf) + 1,
    modelHash: bytes.slice(MAGIC.length + 2, MAGIC.length + 2 + FILE_HASH_BYTES),
    count: 1,
    latentSize: null,
    sampleShape: null,
    payload: new Uint8Array(0),
  };
  if (flags & LAYOUT_FLAG) Object.assign(header, reader.layout());
  header.payload = bytes.slice(reader.at, bytes.length - CHECKSUM_BYTES);
  return header;
}

/** Version 1: magic "\x89HGC", version, coder, bits, 4-byte hash, count, latent size, shape, payload length varints. */
function decodeVersion1(bytes: Uint8Array, bad: (what: string) => HourglassError): HgcFile {
  const fixed = MAGIC_V1.length + 3 + V1_HASH_BYTES;
  const end = bytes.length - CHECKSUM_BYTES;
  if (bytes.length < fixed + CHECKSUM_BYTES || !checksumMatches(bytes))
    throw bad('the file is corrupted or truncated (its CRC-32 checksum does not match its content); it was damaged in storage or cut short while copying');
  const [version, coderId, bits] = bytes.subarray(MAGIC_V1.length, MAGIC_V1.length + 3);
  if (version !== 1) throw bad(`the header announces format version ${version} although the checksum matches; the file was not written by hourglass`);
  if (coderId >= ENTROPY_CODERS.length) throw bad(`unknown entropy coder ${coderId}; the file was written by a newer hourglass`);
  if (bits < 1 || bits > MAX_BITS) throw bad(`invalid bit depth ${bits}`);
  const reader = new HeaderReader(bytes, fixed, end, bad);
  const layout = reader.layout();
  const payloadLength = reader.varint();
  if (reader.at + payloadLength !== end) throw bad(`the header announces ${reader.at + payloadLength + CHECKSUM_BYTES} bytes but the file has ${bytes.length}; the file was not written by hourglass`);
  return {
    version,
    coder: ENTROPY_CODERS[coderId],
    bits,
    modelHash: bytes.slice(MAGIC_V1.length + 3, fixed),
    ...layout,
    payload: bytes.slice(reader.at, end),
  };
}

/** Reads the varint fields of a header whose checksum matched, judging each value. */
class HeaderReader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly end: number,
    private readonly bad: (what: string) => HourglassError,
  ) {}

  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.at >= this.end) throw this.bad('the header runs past the end of the file although the checksum matches; the file was not written by hourglass');
      const b = this.bytes[this.at++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw this.bad('a header number never ends; the file was not written by hourglass');
  }

  layout(): { count: number; latentSize: number; sampleShape: number[] | null } {
    const count = this.varint();
    const latentSize = this.varint();
    const rank = this.varint();
    if (latentSize < 1) throw this.bad('the latent size is 0');
    if (rank > MAX_RANK) throw this.bad(`invalid sample rank ${rank}`);
    const shape = Array.from({ length: rank }, () => this.varint());
    if (shape.some((d) => d < 1 || d > MAX_DIM)) throw this.bad(`invalid sample shape [${shape.join(', ')}]`);
    return { count, latentSize, sampleShape: rank === 0 ? null : shape };
  }
}

/** Header bytes of a file without its payload: the fixed per-file cost of the format. */
export function hgcOverheadBytes(header: HgcHeader): number {
  return encodeHgc({ ...header, payload: new Uint8Array(0) }).length;
}

function checksumMatches(bytes: Uint8Array): boolean {
  const end = bytes.length - CHECKSUM_BYTES;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(end, true) === crc32(bytes.subarray(0, end));
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
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
