import { invalid } from '../../core/errors.js';

/**
 * A range coder (multi-symbol arithmetic coder) with 32-bit range and carry propagation.
 *
 * The coded message is a number in [0, 1) written base 256; `low` and `range` describe
 * the current interval, scaled so that `range` stays between 2^24 and 2^32. A carry out
 * of the low 32 bits is propagated into bytes already decided through `cache` (the last
 * byte not yet written) and `pendingFF` (a run of 0xFF bytes that a carry would turn to 0x00).
 *
 * Small messages matter here (one image is a few dozen bytes), so the stream carries no
 * fixed overhead: the leading byte that such coders always emit as 0 is left out, the end
 * is flushed with the fewest bytes that pin the interval, and trailing zero bytes are
 * dropped because the decoder reads zeros past the end of its input.
 */

const TOP = 2 ** 32;
const BOTTOM = 2 ** 24;
/** Largest total frequency a model may have: keeps range / total >= 2^8 so every symbol keeps a non-empty sub-interval. */
export const MAX_TOTAL_FREQUENCY = 1 << 16;

/** Cumulative frequencies of an alphabet 0..symbolCount-1, as the coder needs them. */
export interface FrequencyModel {
  readonly symbolCount: number;
  /** Sum of all frequencies, at most MAX_TOTAL_FREQUENCY. */
  readonly total: number;
  /** Sum of the frequencies of the symbols below `symbol`. */
  cumulative(symbol: number): number;
  frequency(symbol: number): number;
  /** The symbol whose interval [cumulative, cumulative + frequency) holds `target` (0 <= target < total). */
  find(target: number): number;
  /** Called after each coded symbol; adaptive models learn here, static ones do nothing. */
  update(symbol: number): void;
}

export class RangeEncoder {
  private low = 0; // < 2^33: bit 32 is a pending carry
  private range = TOP - 1;
  private cache = 0;
  private pendingFF = 0;
  private started = false;
  private bytes: Uint8Array = new Uint8Array(64);
  private length = 0;
  private finished = false;

  /** Codes `symbol` with `model`'s probabilities, then lets the model learn from it. */
  encode(symbol: number, model: FrequencyModel): void {
    if (this.finished) throw invalid('range encoder: finish() was already called');
    if (!Number.isInteger(symbol) || symbol < 0 || symbol >= model.symbolCount)
      throw invalid(`range encoder: symbol ${symbol} is outside the model's alphabet 0..${model.symbolCount - 1}`);
    const freq = model.frequency(symbol);
    if (freq <= 0) throw invalid(`range encoder: symbol ${symbol} has zero probability in the model and cannot be coded`);
    this.encodeInterval(model.cumulative(symbol), freq, model.total);
    model.update(symbol);
  }

  /** Codes the interval [cum, cum + freq) out of `total` directly (no model). */
  encodeInterval(cum: number, freq: number, total: number): void {
    const r = Math.floor(this.range / total);
    this.low += r * cum;
    this.range = r * freq;
    while (this.range < BOTTOM) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  /** Ends the message and returns its bytes; the encoder cannot be used afterwards. */
  finish(): Uint8Array {
    if (this.finished) throw invalid('range encoder: finish() was already called');
    this.finished = true;
    // Any value in [low, low + range) identifies the message. Pick the one with the most
    // trailing zero bits: after normalisation range >= 2^24, so at most two significant
    // bytes remain to be written, and the zeros after them need not be stored.
    let step = TOP;
    let value = this.low;
    while (step >= 1) {
      const rounded = Math.ceil(this.low / step) * step;
      if (rounded < this.low + this.range) {
        value = rounded;
        break;
      }
      step /= 2;
    }
    this.low = value;
    for (let i = 0; i < 5; i++) this.shiftLow();
    let end = this.length;
    while (end > 0 && this.bytes[end - 1] === 0) end--;
    return this.bytes.slice(0, end);
  }

  private shiftLow(): void {
    if (this.low < 0xff000000 || this.low >= TOP) {
      const carry = this.low >= TOP ? 1 : 0;
      // The very first byte is the integer part of a number in [0, 1): always 0, never stored.
      if (this.started) this.push((this.cache + carry) & 0xff);
      this.started = true;
      for (; this.pendingFF > 0; this.pendingFF--) this.push((0xff + carry) & 0xff);
      this.cache = Math.floor(this.low / BOTTOM) & 0xff;
    } else {
      this.pendingFF++;
    }
    this.low = (this.low % BOTTOM) * 256;
  }

  private push(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }
}

export class RangeDecoder {
  private code = 0;
  private range = TOP - 1;
  private position = 0;

  constructor(private readonly bytes: Uint8Array) {
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.nextByte();
  }

  /** Decodes one symbol coded with `model` (which must be in the same state as the encoder's was), then updates the model. */
  decode(model: FrequencyModel): number {
    const r = Math.floor(this.range / model.total);
    // A damaged stream can point past the last interval; clamping keeps decoding defined
    // (the container's checksum is what reports the damage).
    const target = Math.min(model.total - 1, Math.floor(this.code / r));
    const symbol = model.find(target);
    this.consume(r, model.cumulative(symbol), model.frequency(symbol));
    model.update(symbol);
    return symbol;
  }

  private consume(r: number, cum: number, freq: number): void {
    this.code -= r * cum;
    this.range = r * freq;
    if (this.code < 0 || this.code >= this.range) {
      // Only possible for damaged input; keep the state inside its invariants.
      this.code = Math.min(Math.max(this.code, 0), this.range - 1);
    }
    while (this.range < BOTTOM) {
      this.code = (this.code % BOTTOM) * 256 + this.nextByte();
      this.range *= 256;
    }
  }

  /** Bytes read so far, counting the zeros read past the end of the input. */
  get bytesRead(): number {
    return this.position;
  }

  private nextByte(): number {
    const b = this.position < this.bytes.length ? this.bytes[this.position] : 0;
    this.position++;
    return b;
  }
}

/** Fixed probabilities, e.g. learned once from training data and stored with the codec. */
export class StaticFrequencyModel implements FrequencyModel {
  readonly symbolCount: number;
  readonly total: number;
  private readonly freqs: Uint32Array;
  private readonly cum: Uint32Array;

  /** `frequencies`: one positive integer per symbol (zero makes a symbol uncodable), summing to at most MAX_TOTAL_FREQUENCY. */
  constructor(frequencies: ArrayLike<number>) {
    const n = frequencies.length;
    if (n < 1) throw invalid('a frequency model needs at least one symbol');
    this.freqs = new Uint32Array(n);
    this.cum = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const f = frequencies[i];
      if (!Number.isInteger(f) || f < 0) throw invalid(`symbol frequencies must be non-negative integers, got ${f} for symbol ${i}`);
      this.freqs[i] = f;
      this.cum[i + 1] = this.cum[i] + f;
    }
    this.symbolCount = n;
    this.total = this.cum[n];
    if (this.total < 1 || this.total > MAX_TOTAL_FREQUENCY)
      throw invalid(`symbol frequencies must sum to between 1 and ${MAX_TOTAL_FREQUENCY}, got ${this.total}`);
  }

  /**
   * Frequencies proportional to `counts` (e.g. a histogram of training symbols) scaled to
   * sum to at most `total`, with every symbol kept codable (frequency >= 1). Integer
   * arithmetic only, so the encoder and the decoder always derive the same table.
   */
  static fromCounts(counts: ArrayLike<number>, total = MAX_TOTAL_FREQUENCY): StaticFrequencyModel {
    const n = counts.length;
    if (n < 1 || n > total) throw invalid(`cannot build a model of ${n} symbols with total frequency ${total}`);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const c = counts[i];
      if (!Number.isInteger(c) || c < 0) throw invalid(`symbol counts must be non-negative integers, got ${c} for symbol ${i}`);
      sum += c;
    }
    const spare = total - n; // what is left after the floor of 1 per symbol
    const freqs = new Uint32Array(n);
    for (let i = 0; i < n; i++) freqs[i] = 1 + (sum > 0 ? floorDiv(counts[i] * spare, sum) : 0);
    return new StaticFrequencyModel(freqs);
  }

  cumulative(symbol: number): number {
    return this.cum[symbol];
  }

  frequency(symbol: number): number {
    return this.freqs[symbol];
  }

  find(target: number): number {
    // Largest s with cum[s] <= target, skipping zero-frequency symbols.
    let lo = 0;
    let hi = this.symbolCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.cum[mid] <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  update(): void {}
}

/**
 * Probabilities learned while coding: every symbol starts at frequency 1, each coded symbol
 * adds `increment`, and all counts are halved when the total would pass `limit`, so the
 * model follows drifting statistics. Cumulative sums live in a Fenwick tree, so coding a
 * symbol costs O(log n) even for 4096-symbol alphabets.
 */
export class AdaptiveFrequencyModel implements FrequencyModel {
  readonly symbolCount: number;
  private readonly increment: number;
  private readonly limit: number;
  private readonly freqs: Uint32Array;
  private readonly tree: Uint32Array; // Fenwick tree over freqs, 1-based
  private sum = 0;
  private readonly topBit: number;

  constructor(symbolCount: number, { increment = 32, limit = MAX_TOTAL_FREQUENCY } = {}) {
    if (!Number.isInteger(symbolCount) || symbolCount < 1) throw invalid(`an adaptive model needs a positive symbol count, got ${symbolCount}`);
    if (!Number.isInteger(increment) || increment < 1) throw invalid(`the adaptation increment must be a positive integer, got ${increment}`);
    if (!Number.isInteger(limit) || limit > MAX_TOTAL_FREQUENCY || limit < 2 * symbolCount + increment)
      throw invalid(`the frequency limit must be an integer between ${2 * symbolCount + increment} and ${MAX_TOTAL_FREQUENCY}, got ${limit}`);
    this.symbolCount = symbolCount;
    this.increment = increment;
    this.limit = limit;
    this.freqs = new Uint32Array(symbolCount).fill(1);
    this.tree = new Uint32Array(symbolCount + 1);
    let top = 1;
    while (top * 2 <= symbolCount) top *= 2;
    this.topBit = top;
    this.rebuild();
  }

  get total(): number {
    return this.sum;
  }

  cumulative(symbol: number): number {
    let s = 0;
    for (let i = symbol; i > 0; i -= i & -i) s += this.tree[i];
    return s;
  }

  frequency(symbol: number): number {
    return this.freqs[symbol];
  }

  find(target: number): number {
    // Binary lifting down the Fenwick tree: the number of symbols whose cumulative end is <= target.
    let pos = 0;
    let remaining = target;
    for (let step = this.topBit; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= this.symbolCount && this.tree[next] <= remaining) {
        pos = next;
        remaining -= this.tree[next];
      }
    }
    return Math.min(pos, this.symbolCount - 1);
  }

  update(symbol: number): void {
    if (this.sum + this.increment > this.limit) {
      for (let i = 0; i < this.symbolCount; i++) this.freqs[i] = (this.freqs[i] + 1) >>> 1;
      this.rebuild();
    }
    this.freqs[symbol] += this.increment;
    this.sum += this.increment;
    for (let i = symbol + 1; i <= this.symbolCount; i += i & -i) this.tree[i] += this.increment;
  }

  private rebuild(): void {
    this.tree.fill(0);
    this.sum = 0;
    for (let i = 0; i < this.symbolCount; i++) {
      this.sum += this.freqs[i];
      for (let j = i + 1; j <= this.symbolCount; j += j & -j) this.tree[j] += this.freqs[i];
    }
  }
}

/** floor(a / b) for non-negative integers below 2^53, exact even where a / b rounds up in floating point. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}
