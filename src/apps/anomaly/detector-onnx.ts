import { OnnxDataType } from '../../io/onnx/onnx-proto.js';
import { borderNormalisers } from '../../metrics/gaussian-window.js';
import { gaussianWindow } from '../../metrics/ssim.js';
import { OnnxGraph } from '../../models/export/onnx-graph.js';
import { appendDecode, appendEncode, codeShape } from '../../models/export/reconstructor-nodes.js';
import { appendScaling } from '../../models/export/scaler-nodes.js';
import type { AnomalyDetector } from './anomaly-detector.js';
import { smoothingKernel } from './gaussian-smoothing.js';
import { LATENT_COMPONENT } from './score-composition.js';
import type { ScoreKind } from './score-kind.js';

/** SSIM's constants as the error maps use them (metrics/ssim.ts defaults). */
const SSIM_WINDOW = 11;
const SSIM_SIGMA = 1.5;
const SSIM_K1 = 0.01;
const SSIM_K2 = 0.03;

/**
 * A fitted detector as one ONNX graph that scores samples in data units exactly as
 * `detector.score` does: the model's scaler, the reconstruction, each score kind's error map
 * and its mean, the latent Mahalanobis term, the standardised sum of a composite score, then
 * the flag against the threshold and the normalised score, and the error map that explain()
 * returns (per pixel, or per column of a table). Outputs: score, normalized_score,
 * is_anomaly, error_map.
 *
 * Neighbourhood filters (the smoothing of 'smoothed-mse', SSIM's Gaussian window) are
 * matrix products with banded matrices that hold the border renormalisation, so the export
 * matches the engine at the image edges too; SSIM runs in double precision, as it does in
 * hourglass, because its variances are differences of nearly equal numbers.
 */
export function detectorGraph(detector: AnomalyDetector): OnnxGraph {
  const { state, composition } = detector.scoringDefinition();
  const model = detector.model;
  const shape = state.sampleShape;
  const axes = shape.map((_, i) => i + 1);
  const g = new OnnxGraph();
  const x = g.input('input', shape, 'samples in data units');
  const scaled = appendScaling(g, x, model.scaler, shape, 'forward');
  const code = appendEncode(g, scaled, model);
  const rebuilt = appendDecode(g, code, model);

  const maps = detector.scoreKinds.map((kind) => errorMap(g, kind, scaled, rebuilt, shape, state.dynamicRange, detector.smoothingSigma));
  const components = new Map<string, string>();
  detector.scoreKinds.forEach((kind, k) => components.set(kind, g.node('ReduceMean', [maps[k]], { axes, keepdims: 0 }, `score.${kind}`)));
  if (state.latent) components.set(LATENT_COMPONENT, latentDistance(g, code, codeShape(model).length, state.latent));

  let score: string;
  if (!composition.isComposite) score = components.get(detector.scoreKinds[0])!;
  else {
    const terms = [...components].map(([name, value]) => {
      const st = state.statistics.components[name];
      const weight = (name === LATENT_COMPONENT ? composition.latentWeight : 1) / (st.std > 0 ? st.std : 1);
      return g.node('Mul', [g.node('Sub', [value, g.constant(`${name}.normal_mean`, [st.mean], [])], {}, `z.${name}`), g.constant(`${name}.weight`, [weight], [])], {}, `z.${name}`);
    });
    score = terms.length === 1 ? terms[0] : g.node('Sum', terms, {}, 'score.sum');
  }
  g.output(score, 'score', [], OnnxDataType.FLOAT, 'anomaly score, higher = more anomalous');
  g.output(normalizedScore(g, score, state.statistics.score.quantiles), 'normalized_score', [], OnnxDataType.FLOAT, 'where the score falls among the normal scores, in [0, 1]');
  g.output(g.node('Greater', [score, g.constant('threshold', [state.threshold], [])], {}, 'flag'), 'is_anomaly', [], OnnxDataType.BOOL, 'score above the threshold');
  const weights = composition.mapWeights(state.statistics.components);
  const weighted = maps.map((m, k) => (weights[k] === 1 ? m : g.node('Mul', [m, g.constant(`map.weight.${k}`, [weights[k]], [])], {}, 'map.weighted')));
  g.output(weighted.length === 1 ? weighted[0] : g.node('Sum', weighted, {}, 'map.sum'), 'error_map', shape, OnnxDataType.FLOAT, 'contribution of each pixel or column to the score, as explain() gives it');
  return g;
}

function errorMap(g: OnnxGraph, kind: ScoreKind, x: string, rebuilt: string, shape: readonly number[], dynamicRange: number, sigma: number): string {
  switch (kind) {
    case 'mse': {
      const d = g.node('Sub', [x, rebuilt], {}, 'residual');
      return g.node('Mul', [d, d], {}, 'map.mse');
    }
    case 'mae':
      return g.node('Abs', [g.node('Sub', [x, rebuilt], {}, 'residual')], {}, 'map.mae');
    case 'smoothed-mse': {
      const kernel = smoothingKernel(sigma);
      const smoothed = filter2d(g, g.node('Sub', [x, rebuilt], {}, 'residual'), kernel, shape, 'float', 'smooth');
      return g.node('Mul', [smoothed, smoothed], {}, 'map.smoothed_mse');
    }
    case 'ssim':
      return ssimMap(g, x, rebuilt, shape, dynamicRange);
  }
}

/**
 * Separable filtering of every h x w plane with `kernel`, the weights outside the image
 * dropped and the rest renormalised: rows then columns, as two matrix products.
 */
function filter2d(g: OnnxGraph, x: string, kernel: Float64Array, shape: readonly number[], precision: 'float' | 'double', name: string): string {
  const [, h, w] = shape;
  const constant = precision === 'float' ? g.constant.bind(g) : g.doubles.bind(g);
  const rows = g.node('MatMul', [x, constant(`${name}.rows`, bandMatrix(kernel, w, 'right'), [w, w])], {}, `${name}.rows`);
  return g.node('MatMul', [constant(`${name}.columns`, bandMatrix(kernel, h, 'left'), [h, h]), rows], {}, `${name}.columns`);
}

/**
 * The n x n matrix that filters a line of n values with `kernel` and border renormalisation:
 * 'right' multiplies rows from the right (M[t][i]), 'left' columns from the left (M[i][t]).
 */
function bandMatrix(kernel: Float64Array, n: number, side: 'left' | 'right'): Float64Array {
  const r = (kernel.length - 1) / 2;
  const norm = borderNormalisers(kernel, n);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let t = Math.max(0, i - r); t <= Math.min(n - 1, i + r); t++) {
      const value = kernel[t - i + r] * norm[i];
      if (side === 'right') m[t * n + i] = value;
      else m[i * n + t] = value;
    }
  return m;
}

/** 1 - SSIM per pixel ('same' border), in double precision, returned as float. */
function ssimMap(g: OnnxGraph, a32: string, b32: string, shape: readonly number[], dynamicRange: number): string {
  const window = gaussianWindow(SSIM_WINDOW, SSIM_SIGMA);
  const a = g.node('Cast', [a32], { to: OnnxDataType.DOUBLE }, 'ssim.a');
  const b = g.node('Cast', [b32], { to: OnnxDataType.DOUBLE }, 'ssim.b');
  const mean = (v: string, name: string) => filter2d(g, v, window, shape, 'double', `ssim.${name}`);
  const mul = (p: string, q: string, name: string) => g.node('Mul', [p, q], {}, name);
  const add = (p: string, q: string, name: string) => g.node('Add', [p, q], {}, name);
  const sub = (p: string, q: string, name: string) => g.node('Sub', [p, q], {}, name);
  const ma = mean(a, 'mean_a');
  const mb = mean(b, 'mean_b');
  const maa = mean(mul(a, a, 'ssim.aa'), 'mean_aa');
  const mbb = mean(mul(b, b, 'ssim.bb'), 'mean_bb');
  const mab = mean(mul(a, b, 'ssim.ab'), 'mean_ab');
  const c1 = g.doubles('ssim.c1', [(SSIM_K1 * dynamicRange) ** 2], []);
  const c2 = g.doubles('ssim.c2', [(SSIM_K2 * dynamicRange) ** 2], []);
  const two = g.doubles('ssim.two', [2], []);
  const papb = mul(ma, mb, 'ssim.ma_mb');
  const varA = sub(maa, mul(ma, ma, 'ssim.ma2'), 'ssim.var_a');
  const varB = sub(mbb, mul(mb, mb, 'ssim.mb2'), 'ssim.var_b');
  const cov = sub(mab, papb, 'ssim.cov');
  const numerator = mul(add(mul(two, papb, 'ssim.n1'), c1, 'ssim.n1'), add(mul(two, cov, 'ssim.n2'), c2, 'ssim.n2'), 'ssim.numerator');
  const denominator = mul(
    add(add(mul(ma, ma, 'ssim.d1'), mul(mb, mb, 'ssim.d1'), 'ssim.d1'), c1, 'ssim.d1'),
    add(add(varA, varB, 'ssim.d2'), c2, 'ssim.d2'),
    'ssim.denominator',
  );
  const ssim = g.node('Div', [numerator, denominator], {}, 'ssim');
  const dissimilarity = sub(g.doubles('ssim.one', [1], []), ssim, 'ssim.dissimilarity');
  return g.node('Cast', [dissimilarity], { to: OnnxDataType.FLOAT }, 'map.ssim');
}

/** Squared Mahalanobis distance of each code: |W (z - mean)|^2, W's rows the whitening directions. */
function latentDistance(g: OnnxGraph, code: string, codeRank: number, latent: { mean: Float32Array; whitening: Float32Array; dims: number }): string {
  const d = latent.dims;
  const flat = codeRank === 1 ? code : g.node('Flatten', [code], { axis: 1 }, 'latent.flatten');
  const centered = g.node('Sub', [flat, g.constant('latent.mean', latent.mean, [d])], {}, 'latent.centered');
  const wt = new Float32Array(d * d);
  for (let c = 0; c < d; c++) for (let j = 0; j < d; j++) wt[j * d + c] = latent.whitening[c * d + j];
  const whitened = g.node('MatMul', [centered, g.constant('latent.whitening_t', wt, [d, d])], {}, 'latent.whitened');
  return g.node('ReduceSum', [g.node('Mul', [whitened, whitened], {}, 'latent.squares'), g.int64s('latent.axes', [1])], { keepdims: 0 }, 'score.latent');
}

/**
 * normalizedScore (score-statistics.ts) as graph operations: the last stored quantile not
 * above the score, linear interpolation to the next one, 0 at or below the lowest quantile
 * and 1 at or above the highest.
 */
function normalizedScore(g: OnnxGraph, score: string, quantiles: readonly number[]): string {
  const last = quantiles.length - 1;
  const q = g.constant('normal.quantiles', quantiles, [quantiles.length]);
  const column = g.node('Unsqueeze', [score, g.int64s('normal.axis', [1])], {}, 'normal.score_column');
  const below = g.node('Cast', [g.node('LessOrEqual', [q, column], {}, 'normal.below')], { to: OnnxDataType.FLOAT }, 'normal.below');
  const count = g.node('ReduceSum', [below, g.int64s('normal.sum_axis', [1])], { keepdims: 0 }, 'normal.count');
  const lo = g.node('Clip', [g.node('Sub', [count, g.constant('normal.one', [1], [])], {}, 'normal.lo'), g.constant('normal.zero', [0], []), g.constant('normal.last_lo', [last - 1], [])], {}, 'normal.lo');
  const loIndex = g.node('Cast', [lo], { to: OnnxDataType.INT64 }, 'normal.lo_index');
  const hiIndex = g.node('Add', [loIndex, g.int64s('normal.step', [1])], {}, 'normal.hi_index');
  const qlo = g.node('Gather', [q, loIndex], { axis: 0 }, 'normal.q_lo');
  const qhi = g.node('Gather', [q, hiIndex], { axis: 0 }, 'normal.q_hi');
  const span = g.node('Sub', [qhi, qlo], {}, 'normal.span');
  const zero = g.constant('normal.zero_value', [0], []);
  const within = g.node(
    'Where',
    [g.node('Greater', [span, zero], {}, 'normal.has_span'), g.node('Div', [g.node('Sub', [score, qlo], {}, 'normal.offset'), span], {}, 'normal.fraction'), zero],
    {},
    'normal.within',
  );
  const interpolated = g.node('Div', [g.node('Add', [lo, within], {}, 'normal.position'), g.constant('normal.last', [last], [])], {}, 'normal.interpolated');
  const aboveFirst = g.node('Greater', [score, g.constant('normal.q_first', [quantiles[0]], [])], {}, 'normal.above_first');
  const atTop = g.node('GreaterOrEqual', [score, g.constant('normal.q_top', [quantiles[last]], [])], {}, 'normal.at_top');
  const inner = g.node('Where', [aboveFirst, interpolated, zero], {}, 'normal.inner');
  return g.node('Where', [atTop, g.constant('normal.one_value', [1], []), inner], {}, 'normal.score');
}
