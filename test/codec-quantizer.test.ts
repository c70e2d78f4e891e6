import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { tensor } from '../src/core/tensor.js';
import { calibrateLatent, dequantize, levelCount, levelCounts, quantize, checkCalibration, STEP_MODES } from '../src/apps/codec/latent-quantizer.js';
import { packBits, unpackBits } from '../src/apps/codec/latent-coders.js';

function randomCodes(n: number, size: number, seed: number) {
  const rng = new Rng(seed);
  const codes = tensor([n, size]);
  // Dimensions with different scales and offsets, one constant.
  for (let i = 0; i < n; i++)
    for (let d = 0; d < size; d++) codes.data[i * size + d] = d === size - 1 ? 0.25 : rng.normal() * (d + 1) + d - 2;
  return codes;
}

test('quantisation round trip: in-range values come back within half a step, at every bit depth and step mode', () => {
  const codes = randomCodes(2000, 6, 1);
  for (const step of STEP_MODES) {
    const cal = calibrateLatent(codes, { clip: 0, step });
    const widest = Math.max(...cal.hi.map((h, d) => h - cal.lo[d]));
    for (let bits = 1; bits <= 12; bits++) {
      const back = dequantize(quantize(codes, cal, bits), cal, bits, codes.shape);
      for (let i = 0; i < codes.data.length; i++) {
        const d = i % 6;
        const width = cal.hi[d] - cal.lo[d];
        const size = step === 'shared' ? widest / 2 ** bits : width / 2 ** bits;
        // A dimension narrower than one shared step has a single level, its range's centre.
        const bound = levelCount(cal, d, bits) === 1 ? width / 2 : size / 2;
        // float32 rounding of the reconstruction adds a hair to the bound.
        assert.ok(Math.abs(back.data[i] - codes.data[i]) <= bound + 1e-5 * (1 + Math.abs(codes.data[i])), `${step}, bits ${bits}, value ${i}: ${codes.data[i]} -> ${back.data[i]}`);
      }
    }
  }
});

test('shared step: dimensions get levels in proportion to their range, never more than 2^bits', () => {
  const codes = randomCodes(2000, 6, 7);
  const cal = calibrateLatent(codes, { clip: 0, step: 'shared' });
  const widths = cal.hi.map((h, d) => h - cal.lo[d]);
  const widest = Math.max(...widths);
  for (const bits of [2, 6, 10]) {
    for (let d = 0; d < 6; d++) {
      const levels = levelCount(cal, d, bits);
      assert.ok(levels <= 2 ** bits);
      if (widths[d] === widest) assert.equal(levels, 2 ** bits);
      if (widths[d] > 0) assert.equal(levels, Math.max(1, Math.ceil((widths[d] / widest) * 2 ** bits)));
      else assert.equal(levels, 1);
    }
  }
  const perDimension = calibrateLatent(codes, { clip: 0, step: 'per-dimension' });
  assert.equal(levelCount(perDimension, 0, 6), 64);
});

test('quantisation: values outside the calibrated range are clamped to the end levels; constant dimensions decode exactly', () => {
  const codes = randomCodes(2000, 4, 2);
  const cal = calibrateLatent(codes, { clip: 0.01 });
  const outside = tensor([2, 4], Float32Array.of(-1e6, -1e6, -1e6, 0.25, 1e6, 1e6, 1e6, 0.25));
  const symbols = quantize(outside, cal, 5);
  assert.deepEqual([...symbols], [0, 0, 0, 0, 31, 31, 31, 0]);
  const back = dequantize(symbols, cal, 5, outside.shape);
  assert.equal(back.data[3], Math.fround(0.25));
  assert.ok(back.data[0] < cal.lo[0] + (cal.hi[0] - cal.lo[0]) / 32);
  // About 1% of the training codes fall below lo and 1% above hi.
  const below = codes.data.filter((v, i) => i % 4 === 0 && v < cal.lo[0]).length;
  assert.ok(below >= 10 && below <= 30, `${below} of 2000 below lo`);
});

test('quantisation: levels of a coarser depth are unions of finer levels, so one histogram gives every depth', () => {
  const codes = randomCodes(3000, 3, 3);
  for (const step of STEP_MODES) {
    const cal = calibrateLatent(codes, { clip: 0.001, step });
    const fine = quantize(codes, cal, 8);
    for (let bits = 1; bits <= 8; bits++) {
      const coarse = quantize(codes, cal, bits);
      for (let i = 0; i < fine.length; i++) assert.equal(coarse[i], fine[i] >> (8 - bits), `${step}, ${bits} bits, value ${i}`);
      // The counts derived from the stored histogram are the counts of the codes themselves.
      for (let d = 0; d < 3; d++) {
        const direct = new Array(levelCount(cal, d, bits)).fill(0);
        for (let i = d; i < coarse.length; i += 3) direct[coarse[i]]++;
        if (direct.length === 1) assert.equal(levelCounts(cal, d, bits).length, 1);
        else assert.deepEqual(levelCounts(cal, d, bits), direct, `${step}, ${bits} bits, dimension ${d}`);
      }
    }
    // Finer than the histogram: each bin's count repeated over the levels it splits into.
    const counts10 = levelCounts(cal, 0, 10);
    assert.equal(counts10.length, levelCount(cal, 0, 10));
    assert.equal(counts10[4 * 10 + 3], cal.histograms[0][10]);
  }
});

test('calibration survives JSON and is checked when read back', () => {
  const cal = calibrateLatent(randomCodes(500, 5, 4));
  const copy = checkCalibration(JSON.parse(JSON.stringify(cal)), 5, 'm.safetensors');
  assert.deepEqual(copy, cal);
  assert.throws(() => checkCalibration(cal, 6, 'm.safetensors'), /calibration is for 5 latent values but the model's bottleneck has 6/);
  assert.throws(() => checkCalibration({ ...cal, lo: cal.lo.slice(1) }, 5, 'm.safetensors'), /finite lo and hi/);
  assert.throws(() => checkCalibration({ ...cal, histograms: cal.histograms.map((h) => h.slice(1)) }, 5, 'm.safetensors'), /histograms/);
  assert.throws(() => checkCalibration(undefined, 5, 'm.safetensors'), /missing/);
});

test('non-finite codes are refused at calibration', () => {
  const codes = randomCodes(10, 2, 5);
  codes.data[7] = NaN;
  assert.throws(() => calibrateLatent(codes), /produced NaN for sample 3/);
});

test('bit packing round-trips at every depth', () => {
  const rng = new Rng(6);
  for (let bits = 1; bits <= 12; bits++) {
    const symbols = Uint16Array.from({ length: 37 }, () => rng.int(2 ** bits));
    const packed = packBits(symbols, bits);
    assert.equal(packed.length, Math.ceil((37 * bits) / 8));
    assert.deepEqual(unpackBits(packed, bits, 37), symbols);
  }
  assert.throws(() => unpackBits(new Uint8Array(3), 8, 4, 'x.hgc'), /need 4 payload bytes, the file has 3/);
});
