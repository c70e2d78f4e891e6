import { invalid } from '../../core/errors.js';
import { sizeOf, sliceRows, tensor, type Tensor } from '../../core/tensor.js';
import type { Reconstructor } from '../../models/contract.js';
import { scoringBatchRows, toModelSpace } from './component-scores.js';
import type { ErrorMap } from './error-map.js';

/** Anomaly maps at the input's resolution and the reconstructions they were measured against. */
export interface AnomalyMaps {
  /** [n, 1, h, w]: one plane per image, the error of each pixel (averaged over channels); higher = more anomalous. */
  maps: Tensor;
  /** The reconstructions, in data units, shaped like the input. */
  reconstruction: Tensor;
}

/**
 * One score kind's error maps of checked images [n, c, h, w], batch by batch through the
 * model in its own space; every kind (squared error, smoothed error, SSIM) already computes
 * its map per pixel at the model's input size, which is the input's resolution.
 */
export function errorMapsOf(model: Reconstructor, errorMap: ErrorMap, x: Tensor): AnomalyMaps {
  if (x.shape.length !== 4) throw invalid(`anomaly maps need images [n, channels, height, width], got shape [${x.shape.join(', ')}]`);
  const n = x.shape[0];
  const per = sizeOf(x.shape.slice(1));
  const values = new Float32Array(n * per);
  const reconstructed = new Float32Array(n * per);
  const batch = scoringBatchRows(per);
  for (let lo = 0; lo < n; lo += batch) {
    const hi = Math.min(n, lo + batch);
    const scaled = toModelSpace(model, sliceRows(x, lo, hi));
    const { reconstruction } = model.reconstructScaled(scaled, false);
    values.set(errorMap.compute(scaled.data, reconstruction, hi - lo), lo * per);
    reconstructed.set(reconstruction, lo * per);
  }
  const inModelSpace = tensor(x.shape, reconstructed);
  return { maps: channelMean(tensor(x.shape, values)), reconstruction: model.scaler ? model.scaler.inverseTransform(inModelSpace) : inModelSpace };
}

/** [n, c, h, w] -> [n, 1, h, w], the mean over channels: one map per image whatever its colours. */
export function channelMean(t: Tensor): Tensor {
  const [n, c, h, w] = t.shape;
  if (c === 1) return t;
  const plane = h * w;
  const out = new Float32Array(n * plane);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++) {
      const from = (i * c + k) * plane;
      for (let p = 0; p < plane; p++) out[i * plane + p] += t.data[from + p] / c;
    }
  return tensor([n, 1, h, w], out);
}
