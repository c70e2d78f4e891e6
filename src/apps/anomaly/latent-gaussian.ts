import { HourglassError, invalid } from '../../core/errors.js';
import { tensor, type Tensor } from '../../core/tensor.js';
import { centeredCovariance, centeredProject, columnMeans, symmetricEigen } from '../../core/native/linalg.js';

/**
 * Eigenvalues below this fraction of the mean eigenvalue are raised to it: codes of a
 * collapsed bottleneck unit have (near) zero variance, and dividing by it would make
 * any tiny deviation there dominate the distance.
 */
const EIGENVALUE_FLOOR = 1e-3;

/** A d x d covariance is estimated and diagonalised at fit; beyond this the codes are too wide for a Gaussian on a few thousand samples. */
export const MAX_LATENT_DIMS = 1024;

/**
 * A Gaussian fitted to the bottleneck codes of the normal data; a sample's latent score is
 * the squared Mahalanobis distance of its code to it. Reconstruction error misses inputs
 * the decoder happens to draw well from an unusual code (a sandal's outline reconstructed
 * by a sneaker model); the code's distance from the normal codes catches those.
 */
export class LatentGaussian {
  /** [d] mean code. */
  readonly mean: Float32Array;
  /** [d, d] rows: eigenvectors of the covariance divided by sqrt(eigenvalue), so |W (z - mean)|^2 is the distance. */
  readonly whitening: Float32Array;
  readonly dims: number;

  private constructor(mean: Float32Array, whitening: Float32Array) {
    this.mean = mean;
    this.whitening = whitening;
    this.dims = mean.length;
  }

  static fit(codes: Float32Array, n: number, d: number): LatentGaussian {
    if (!Number.isInteger(d) || d < 1) throw invalid(`latent codes need at least one dimension, got ${d}`);
    if (n < 2) throw invalid(`the latent Gaussian needs at least 2 normal samples, got ${n}`);
    if (codes.length !== n * d) throw invalid(`latent codes: ${n} x ${d} needs ${n * d} values, got ${codes.length}`);
    if (d > MAX_LATENT_DIMS)
      throw invalid(
        `the latent term models codes of at most ${MAX_LATENT_DIMS} values; this bottleneck has ${d}: give the autoencoder a smaller bottleneck (a conv autoencoder: a dense waist, --bottleneck) or set latentWeight to 0`,
      );
    const mean = new Float64Array(d);
    const bad = columnMeans(codes, n, d, mean);
    if (bad >= 0) throw new HourglassError('BAD_DATA', `latent code ${Math.floor(bad / d)} holds ${codes[bad]}: the model produced non-finite codes`);
    const cov = new Float64Array(d * d);
    centeredCovariance(codes, n, d, mean, cov);
    for (let i = 0; i < cov.length; i++) cov[i] /= n - 1;
    const { values, vectors } = symmetricEigen(cov, d, d);
    let meanEigen = 0;
    for (const v of values) meanEigen += Math.max(0, v) / d;
    const floor = Math.max(meanEigen * EIGENVALUE_FLOOR, Number.MIN_VALUE);
    const whitening = new Float32Array(d * d);
    for (let c = 0; c < d; c++) {
      const scale = 1 / Math.sqrt(Math.max(values[c], floor));
      for (let j = 0; j < d; j++) whitening[c * d + j] = vectors[c * d + j] * scale;
    }
    return new LatentGaussian(Float32Array.from(mean), whitening);
  }

  /** Squared Mahalanobis distance of each of n codes. */
  distances(codes: Float32Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
    const d = this.dims;
    if (codes.length !== n * d) throw invalid(`latent codes: ${n} x ${d} needs ${n * d} values, got ${codes.length}`);
    if (n === 0) return out;
    const projected = new Float32Array(n * d);
    centeredProject(codes, n, d, this.mean, this.whitening, d, projected);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let c = i * d, end = c + d; c < end; c++) sum += projected[c] * projected[c];
      out[i] = sum;
    }
    return out;
  }

  tensors(prefix: string): [string, Tensor][] {
    return [
      [`${prefix}mean`, tensor([this.dims], this.mean)],
      [`${prefix}whitening`, tensor([this.dims, this.dims], this.whitening)],
    ];
  }

  static fromTensors(tensors: Map<string, Tensor>, prefix: string, dims: number, source: string): LatentGaussian {
    const take = (name: string, size: number): Float32Array => {
      const t = tensors.get(prefix + name);
      if (!t) throw new HourglassError('BAD_FILE', `${source}: tensor '${prefix}${name}' is missing`);
      if (t.data.length !== size) throw new HourglassError('BAD_FILE', `${source}: tensor '${prefix}${name}' holds ${t.data.length} values, expected ${size}`);
      return t.data;
    };
    return new LatentGaussian(take('mean', dims), take('whitening', dims * dims));
  }
}
