import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { HourglassError } from '../../core/errors.js';
import type { EntropyCoderName } from './hgc-container.js';
import { levelCount, levelCounts, type LatentCalibration } from './latent-quantizer.js';
import { AdaptiveFrequencyModel, MAX_TOTAL_FREQUENCY, RangeDecoder, RangeEncoder, StaticFrequencyModel, type FrequencyModel } from './range-coder.js';

/**
 * Turns quantised latents (symbols in 0..2^bits-1, sample after sample, latentSize per
 * sample) into payload bytes and back, with one of the coders an .hgc file can name:
 *
 * - range: the range coder with one static model per latent dimension, derived from the
 *   calibration histograms (what the training codes looked like). Costs nothing to warm
 *   up, so it suits single images.
 * - range-adaptive: the range coder with one adaptive model per dimension that starts
 *   uniform and learns while coding; needs many samples before it pays off.
 * - deflate / brotli: node:zlib's general-purpose compressors over one byte per symbol
 *   (two, little-endian, above 8 bits).
 * - raw: the symbols bit-packed, `bits` bits each, most significant bit first.
 */
export class LatentCoders {
  private readonly staticModels = new Map<number, StaticFrequencyModel[]>();

  constructor(private readonly calibration: LatentCalibration) {}

  encode(coder: EntropyCoderName, symbols: Uint16Array, bits: number): Uint8Array {
    switch (coder) {
      case 'range':
        return rangeEncode(symbols, this.models(bits));
      case 'range-adaptive':
        return rangeEncode(symbols, this.adaptiveModels(bits));
      case 'deflate':
        return deflateRawSync(symbolBytes(symbols, bits), { level: 9 });
      case 'brotli':
        return brotliCompressSync(symbolBytes(symbols, bits), {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: symbols.length,
          },
        });
      case 'raw':
        return packBits(symbols, bits);
    }
  }

  /** `count` symbols back from a payload; `source` names the file in errors. */
  decode(coder: EntropyCoderName, payload: Uint8Array, bits: number, count: number, source: string): Uint16Array {
    this.checkCapacity(coder, payload, bits, count, source);
    const symbols = this.decodeSymbols(coder, payload, bits, count, source);
    // The range coders only ever produce valid levels; the byte-oriented payloads are checked here.
    const size = this.calibration.latentSize;
    const levels = Array.from({ length: size }, (_, d) => levelCount(this.calibration, d, bits));
    for (let i = 0; i < symbols.length; i++)
      if (symbols[i] >= levels[i % size])
        throw new HourglassError('BAD_FILE', `${source}: latent value ${i} is level ${symbols[i]}, beyond the ${levels[i % size]} levels of its dimension at ${bits} bits; the file is corrupted`);
    return symbols;
  }

  /**
   * Refuses a header that announces more values than the payload can hold, before anything
   * of the announced size is allocated or decoded: raw needs exactly ceil(count x bits / 8)
   * bytes; deflate expands at most 1032:1; a range-coded value costs at least the bits of
   * its dimension's most probable level (static models) or of the most an adaptive model can
   * favour one level. 32 bits of slack cover the range coder's final bytes.
   */
  private checkCapacity(coder: EntropyCoderName, payload: Uint8Array, bits: number, count: number, source: string): void {
    const tooMany = (capacity: string) =>
      new HourglassError('BAD_FILE', `${source}: the header announces ${count} latent values, more than the ${payload.length}-byte ${coder} payload can hold (${capacity}); the file is corrupted or forged`);
    const width = bits <= 8 ? 1 : 2;
    switch (coder) {
      case 'raw': {
        const need = Math.ceil((count * bits) / 8);
        if (payload.length !== need) throw new HourglassError('BAD_FILE', `${source}: ${count} values of ${bits} bits need ${need} payload bytes, the file has ${payload.length}; the file is corrupted`);
        return;
      }
      case 'deflate':
        if (count * width > payload.length * 1032 + 64) throw tooMany('deflate expands at most 1032:1');
        return;
      case 'brotli':
        return; // bounded while inflating: maxOutputLength is the announced size
      case 'range':
      case 'range-adaptive': {
        const size = this.calibration.latentSize;
        let bitsPerSample = 0;
        for (let d = 0; d < size; d++) {
          if (coder === 'range') {
            const model = this.models(bits)[d];
            let most = 0;
            for (let s = 0; s < model.symbolCount; s++) most = Math.max(most, model.frequency(s));
            bitsPerSample += -Math.log2(most / model.total);
          } else {
            const levels = levelCount(this.calibration, d, bits);
            bitsPerSample += -Math.log2(1 - (levels - 1) / MAX_TOTAL_FREQUENCY);
          }
        }
        const samples = count / size;
        if (samples * bitsPerSample > payload.length * 8 + 32) throw tooMany(`at least ${bitsPerSample.toFixed(3)} bits per sample`);
        return;
      }
    }
  }

  private decodeSymbols(coder: EntropyCoderName, payload: Uint8Array, bits: number, count: number, source: string): Uint16Array {
    switch (coder) {
      case 'range':
        return rangeDecode(payload, count, this.models(bits), source);
      case 'range-adaptive':
        return rangeDecode(payload, count, this.adaptiveModels(bits), source);
      // Inflating stops at the size the header announces: a decompression bomb fails instead of filling memory.
      case 'deflate':
        return fromSymbolBytes(inflate(() => inflateRawSync(payload, { maxOutputLength: Math.max(1, count * symbolWidth(bits)) }), 'deflate', source, count), bits, count, source);
      case 'brotli':
        return fromSymbolBytes(inflate(() => brotliDecompressSync(payload, { maxOutputLength: Math.max(1, count * symbolWidth(bits)) }), 'brotli', source, count), bits, count, source);
      case 'raw':
        return unpackBits(payload, bits, count, source);
    }
  }

  /** One static model per dimension at this bit depth, built once and reused (they never change). */
  private models(bits: number): FrequencyModel[] {
    let models = this.staticModels.get(bits);
    if (!models) {
      models = [];
      for (let d = 0; d < this.calibration.latentSize; d++) models.push(StaticFrequencyModel.fromCounts(levelCounts(this.calibration, d, bits)));
      this.staticModels.set(bits, models);
    }
    return models;
  }

  /** Fresh adaptive models for every file: the decoder must start from the same state as the encoder. */
  private adaptiveModels(bits: number): FrequencyModel[] {
    const models: FrequencyModel[] = [];
    for (let d = 0; d < this.calibration.latentSize; d++) models.push(new AdaptiveFrequencyModel(levelCount(this.calibration, d, bits)));
    return models;
  }
}

function rangeEncode(symbols: Uint16Array, models: FrequencyModel[]): Uint8Array {
  const encoder = new RangeEncoder();
  const size = models.length;
  for (let i = 0; i < symbols.length; i++) encoder.encode(symbols[i], models[i % size]);
  return encoder.finish();
}

function rangeDecode(payload: Uint8Array, count: number, models: FrequencyModel[], source: string): Uint16Array {
  const decoder = new RangeDecoder(payload);
  const size = models.length;
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = decoder.decode(models[i % size]);
  // The decoder reads every byte the encoder wrote (and zeros for those it dropped); bytes it never reached were not written by the encoder.
  if (decoder.bytesRead < payload.length)
    throw new HourglassError('BAD_FILE', `${source}: ${payload.length - decoder.bytesRead} payload bytes remain after the ${count} latent values the header announces; the file is corrupted`);
  return out;
}

function symbolWidth(bits: number): number {
  return bits <= 8 ? 1 : 2;
}

function symbolBytes(symbols: Uint16Array, bits: number): Uint8Array {
  if (bits <= 8) return Uint8Array.from(symbols);
  const out = new Uint8Array(symbols.length * 2);
  for (let i = 0; i < symbols.length; i++) {
    out[2 * i] = symbols[i] & 0xff;
    out[2 * i + 1] = symbols[i] >>> 8;
  }
  return out;
}

function fromSymbolBytes(bytes: Uint8Array, bits: number, count: number, source: string): Uint16Array {
  const width = bits <= 8 ? 1 : 2;
  if (bytes.length !== count * width)
    throw new HourglassError('BAD_FILE', `${source}: the payload holds ${Math.floor(bytes.length / width)} latent values, the header announces ${count}; the file is corrupted`);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = width === 1 ? bytes[i] : bytes[2 * i] | (bytes[2 * i + 1] << 8);
  return out;
}

function inflate(run: () => Buffer, name: string, source: string, count: number): Uint8Array {
  try {
    return run();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new HourglassError('BAD_FILE', `${source}: the ${name} payload inflates beyond the ${count} latent values its header announces; the file is corrupted or a decompression bomb`);
    throw new HourglassError('BAD_FILE', `${source}: the ${name} payload cannot be decompressed (${(e as Error).message}); the file is corrupted`);
  }
}

export function packBits(symbols: Uint16Array, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((symbols.length * bits) / 8));
  let bit = 0;
  for (let i = 0; i < symbols.length; i++) {
    for (let b = bits - 1; b >= 0; b--, bit++) if ((symbols[i] >>> b) & 1) out[bit >>> 3] |= 0x80 >>> (bit & 7);
  }
  return out;
}

export function unpackBits(bytes: Uint8Array, bits: number, count: number, source = 'payload'): Uint16Array {
  const need = Math.ceil((count * bits) / 8);
  if (bytes.length !== need)
    throw new HourglassError('BAD_FILE', `${source}: ${count} values of ${bits} bits need ${need} payload bytes, the file has ${bytes.length}; the file is corrupted`);
  const out = new Uint16Array(count);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let b = 0; b < bits; b++, bit++) v = (v << 1) | ((bytes[bit >>> 3] >>> (7 - (bit & 7))) & 1);
    out[i] = v;
  }
  return out;
}
