import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { meanPsnr, meanSquaredError, psnr, psnrPerImage } from '../src/metrics/psnr.js';
import { gaussianWindow, meanSsim, ssim, ssimPerImage } from '../src/metrics/ssim.js';
import { tensor } from '../src/core/tensor.js';
import { hourglassError } from './support/data-files.js';

// Computed by test/fixtures/make_denoise_fixtures.py (scipy; SSIM as scikit-image computes it).
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/denoise');
interface MetricCase {
  name: string;
  shape: number[];
  dataRange: number;
  a: number[];
  b: number[];
  psnr: number;
  ssim: number;
}
const { cases } = JSON.parse(readFileSync(path.join(fixtures, 'metrics.json'), 'utf8')) as { cases: MetricCase[] };

test('PSNR by hand: an MSE of 0.01 on a [0, 1] scale is 20 dB, of 1 on a 255 scale 48.13 dB', () => {
  const a = new Float32Array([0, 0.5, 1, 0.25]);
  const b = new Float32Array([0.1, 0.4, 0.9, 0.35]);
  assert.ok(Math.abs(meanSquaredError(a, b) - 0.01) < 1e-8);
  assert.ok(Math.abs(psnr(a, b) - 20) < 1e-5);
  assert.ok(Math.abs(psnr(new Float32Array([10, 20]), new Float32Array([11, 19]), 255) - 10 * Math.log10(255 * 255)) < 1e-9);
  assert.equal(psnr(a, a), Infinity);
  assert.throws(() => psnr(a, b.subarray(1)), hourglassError('SHAPE_MISMATCH', /4 values with 3/));
  assert.throws(() => psnr(a, b, 0), hourglassError('INVALID_ARGUMENT', /peak/));
});

test('PSNR and SSIM match the scipy reference on grey, RGB and byte images', () => {
  assert.equal(cases.length, 4);
  for (const c of cases) {
    const [ch, h, w] = c.shape;
    const a = new Float32Array(c.a);
    const b = new Float32Array(c.b);
    assert.ok(Math.abs(psnr(a, b, c.dataRange) - c.psnr) < 1e-4, `${c.name}: PSNR ${psnr(a, b, c.dataRange)} vs ${c.psnr}`);
    const s = ssim(a, b, h, w, { dataRange: c.dataRange });
    assert.ok(Math.abs(s - c.ssim) < 1e-6, `${c.name}: SSIM ${s} vs ${c.ssim}`);
    // The batch helpers agree with the single-image functions.
    const ta = tensor([1, ch, h, w], a);
    const tb = tensor([1, ch, h, w], b);
    assert.ok(Math.abs(ssimPerImage(ta, tb, { dataRange: c.dataRange })[0] - c.ssim) < 1e-6);
    assert.ok(Math.abs(psnrPerImage(ta, tb, c.dataRange)[0] - c.psnr) < 1e-4);
  }
});

test('SSIM by hand: identical images give 1, constant images the luminance term only', () => {
  const a = new Float32Array(20 * 20).map((_, i) => (i % 7) / 7);
  assert.ok(Math.abs(ssim(a, a, 20, 20) - 1) < 1e-12);
  // Constant images have no variance, so SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1).
  const c1 = 0.01 ** 2;
  const expected = (2 * 0.2 * 0.6 + c1) / (0.2 ** 2 + 0.6 ** 2 + c1);
  const s = ssim(new Float32Array(144).fill(0.2), new Float32Array(144).fill(0.6), 12, 12);
  assert.ok(Math.abs(s - expected) < 1e-6, `${s} vs ${expected}`);
  // An inverted pattern is structurally anti-correlated: SSIM below zero.
  const inverted = a.map((v) => 1 - v);
  assert.ok(ssim(a, inverted, 20, 20) < 0);
});

test('the SSIM window is the normalised 11-tap Gaussian of sigma 1.5', () => {
  const g = gaussianWindow(11, 1.5);
  assert.ok(Math.abs(g.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  assert.ok(Math.abs(g[5] / g[4] - Math.exp(1 / (2 * 1.5 * 1.5))) < 1e-12);
  assert.equal(g[0], g[10]);
});

test('batch means over [n, c, h, w] and clear errors for bad shapes', () => {
  const a = tensor([2, 1, 12, 12], new Float32Array(288).map((_, i) => (i % 5) / 5));
  const b = tensor([2, 1, 12, 12], a.data.map((v, i) => (i < 144 ? v : Math.min(1, v + 0.1))));
  const per = psnrPerImage(a, b);
  assert.equal(per[0], Infinity);
  assert.ok(Math.abs(per[1] - 20) < 0.5);
  assert.ok(Math.abs(meanPsnr(a, b) - (100 + per[1]) / 2) < 1e-9, 'exact images are counted at the cap');
  const s = ssimPerImage(a, b);
  assert.ok(Math.abs(meanSsim(a, b) - (s[0] + s[1]) / 2) < 1e-12);
  assert.equal(s[0], 1);
  assert.throws(() => ssim(new Float32Array(64), new Float32Array(64), 8, 8), hourglassError('INVALID_ARGUMENT', /11x11 window needs images at least that large, got 8x8/));
  assert.ok(Number.isFinite(ssim(new Float32Array(64), new Float32Array(64), 8, 8, { windowSize: 7 })));
  assert.throws(() => ssim(new Float32Array(144), new Float32Array(144), 12, 12, { windowSize: 4 }), hourglassError('INVALID_ARGUMENT', /odd/));
  assert.throws(() => meanPsnr(a, tensor([1, 1, 12, 12])), hourglassError('SHAPE_MISMATCH', /same shape/));
  assert.throws(() => ssimPerImage(tensor([2, 144]), tensor([2, 144])), hourglassError('SHAPE_MISMATCH', /\[n, c, h, w\]/));
});
