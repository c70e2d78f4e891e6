import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import {
  AdaptiveFrequencyModel,
  MAX_TOTAL_FREQUENCY,
  RangeDecoder,
  RangeEncoder,
  StaticFrequencyModel,
  type FrequencyModel,
} from '../src/apps/codec/range-coder.js';

function encodeAll(symbols: ArrayLike<number>, models: FrequencyModel[]): Uint8Array {
  const enc = new RangeEncoder();
  for (let i = 0; i < symbols.length; i++) enc.encode(symbols[i], models[i % models.length]);
  return enc.finish();
}

function decodeAll(bytes: Uint8Array, count: number, models: FrequencyModel[]): number[] {
  const dec = new RangeDecoder(bytes);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(dec.decode(models[i % models.length]));
  return out;
}

/** Ideal code length in bytes of the symbols under a static model: what a good coder approaches. */
function entropyBytes(symbols: number[], model: StaticFrequencyModel): number {
  let bits = 0;
  for (const s of symbols) bits -= Math.log2(model.frequency(s) / model.total);
  return bits / 8;
}

test('range coder: empty input gives an empty stream that decodes to nothing', () => {
  const bytes = new RangeEncoder().finish();
  assert.equal(bytes.length, 0);
  assert.deepEqual(decodeAll(bytes, 0, [new AdaptiveFrequencyModel(4)]), []);
});

test('range coder: uniform random symbols round-trip with static and adaptive models', () => {
  const rng = new Rng(1);
  for (const alphabet of [2, 3, 17, 256, 4096]) {
    const symbols = Array.from({ length: 5000 }, () => rng.int(alphabet));
    const uniform = () => [new StaticFrequencyModel(new Array(alphabet).fill(1))];
    const bytes = encodeAll(symbols, uniform());
    assert.deepEqual(decodeAll(bytes, symbols.length, uniform()), symbols, `static, alphabet ${alphabet}`);
    // Uniform symbols cannot be compressed below log2(alphabet) bits; the coder stays within 0.5%.
    const ideal = (symbols.length * Math.log2(alphabet)) / 8;
    assert.ok(bytes.length <= ideal * 1.005 + 2, `alphabet ${alphabet}: ${bytes.length} bytes for an ideal ${ideal.toFixed(1)}`);
    const adaptive = () => [new AdaptiveFrequencyModel(alphabet)];
    const adaptiveBytes = encodeAll(symbols, adaptive());
    assert.deepEqual(decodeAll(adaptiveBytes, symbols.length, adaptive()), symbols, `adaptive, alphabet ${alphabet}`);
  }
});

test('range coder: skewed symbols compress to within 1% of their entropy', () => {
  const rng = new Rng(2);
  // Geometric-like distribution over 64 symbols: p(k) proportional to 0.5^k.
  const weights = Array.from({ length: 64 }, (_, k) => Math.max(1, Math.round(60000 * 0.5 ** (k + 1))));
  const model = StaticFrequencyModel.fromCounts(weights);
  const cumulative = weights.map(((s) => (w: number) => (s += w))(0));
  const total = cumulative[cumulative.length - 1];
  const symbols = Array.from({ length: 20000 }, () => {
    const r = rng.uniform() * total;
    return cumulative.findIndex((c) => r < c);
  });
  const bytes = encodeAll(symbols, [model]);
  assert.deepEqual(decodeAll(bytes, symbols.length, [model]), symbols);
  const ideal = entropyBytes(symbols, model);
  assert.ok(bytes.length <= ideal * 1.01 + 2, `${bytes.length} bytes for an ideal ${ideal.toFixed(1)}`);
  assert.ok(bytes.length < symbols.length * 6 / 8 / 2, 'far below the 6 bits per symbol of a plain encoding');

  // The adaptive model learns the same distribution and gets close to it.
  const adaptiveBytes = encodeAll(symbols, [new AdaptiveFrequencyModel(64)]);
  assert.deepEqual(decodeAll(adaptiveBytes, symbols.length, [new AdaptiveFrequencyModel(64)]), symbols);
  assert.ok(adaptiveBytes.length < ideal * 1.05, `adaptive: ${adaptiveBytes.length} bytes for an ideal ${ideal.toFixed(1)}`);
});

test('range coder: near-certain symbols cost almost nothing, and rare ones still decode', () => {
  // One symbol holds all but 1/65536 of the probability: carries and 0xFF runs are exercised.
  const freqs = [MAX_TOTAL_FREQUENCY - 3, 1, 1, 1];
  const model = new StaticFrequencyModel(freqs);
  const symbols = new Array(100000).fill(0);
  for (const at of [7, 500, 501, 99999]) symbols[at] = 3;
  const bytes = encodeAll(symbols, [model]);
  assert.deepEqual(decodeAll(bytes, symbols.length, [model]), symbols);
  assert.ok(bytes.length < 20, `${bytes.length} bytes`);
});

test('range coder: one model per position (as per latent dimension) round-trips, and short messages stay short', () => {
  const rng = new Rng(3);
  const models = Array.from({ length: 32 }, () => StaticFrequencyModel.fromCounts(Array.from({ length: 16 }, () => rng.int(100))));
  for (let trial = 0; trial < 200; trial++) {
    const n = rng.int(70);
    const symbols = Array.from({ length: n }, () => rng.int(16));
    const bytes = encodeAll(symbols, models);
    assert.deepEqual(decodeAll(bytes, n, models), symbols, `trial ${trial}`);
    // Termination costs at most 2 bytes beyond the ideal length.
    let ideal = 0;
    symbols.forEach((s, i) => (ideal -= Math.log2(models[i % 32].frequency(s) / models[i % 32].total)));
    assert.ok(bytes.length <= Math.ceil(ideal / 8) + 2, `trial ${trial}: ${bytes.length} bytes for ${(ideal / 8).toFixed(2)} ideal`);
  }
});

test('static model from counts: every symbol stays codable and the total respects the limit', () => {
  const model = StaticFrequencyModel.fromCounts([0, 0, 1000000, 0, 5]);
  assert.ok(model.total <= MAX_TOTAL_FREQUENCY);
  for (let s = 0; s < 5; s++) assert.ok(model.frequency(s) >= 1);
  assert.equal(model.find(model.cumulative(2)), 2);
  assert.equal(model.find(model.total - 1), 4);
  const empty = StaticFrequencyModel.fromCounts([0, 0, 0]);
  assert.deepEqual([0, 1, 2].map((s) => empty.frequency(s)), [1, 1, 1]);
});

test('range coder: symbols outside the alphabet or with zero frequency are refused', () => {
  const enc = new RangeEncoder();
  assert.throws(() => enc.encode(4, new StaticFrequencyModel([1, 1, 1, 1])), /outside the model's alphabet/);
  assert.throws(() => enc.encode(1, new StaticFrequencyModel([1, 0, 1])), /zero probability/);
  assert.throws(() => new StaticFrequencyModel([MAX_TOTAL_FREQUENCY, 1]), /sum to between/);
  enc.finish();
  assert.throws(() => enc.finish(), /already called/);
});

test('range decoder: damaged streams decode to in-range symbols without throwing', () => {
  const rng = new Rng(4);
  const models = [StaticFrequencyModel.fromCounts([5, 1, 0, 9, 3]), new AdaptiveFrequencyModel(7)];
  for (let trial = 0; trial < 50; trial++) {
    const junk = Uint8Array.from({ length: rng.int(12) }, () => rng.int(256));
    const decoded = decodeAll(junk, 40, models);
    decoded.forEach((s, i) => assert.ok(s >= 0 && s < models[i % 2].symbolCount));
  }
});
