import { HourglassError } from '../core/errors.js';
import type { Shape, Tensor } from '../core/tensor.js';
import { loadModelFile } from '../io/model-file.js';
import { Autoencoder } from '../models/autoencoder.js';
import { PCA } from '../models/pca.js';

/** What eval, reconstruct and encode need from a model file: an autoencoder or a PCA (with its scaler, if it was saved with one). */
export interface CliReconstructor {
  readonly describe: string;
  /** Sample shape, or null when the file does not record it (old PCA files: flat rows). */
  readonly inputShape: Shape;
  encode(x: Tensor): Tensor;
  /** In data units. */
  reconstruct(x: Tensor): Tensor;
  /** Per-sample error in the model's (scaled) space, as Autoencoder measures it. */
  reconstructionError(x: Tensor, metric: 'mse' | 'mae'): Float32Array;
}

export async function loadReconstructor(file: string): Promise<CliReconstructor> {
  const contents = await loadModelFile(file);
  if (contents.kind === 'pca') return pcaReconstructor(PCA.fromModelFile(contents, file));
  if (contents.kind === 'autoencoder') {
    const model = Autoencoder.fromModelFile(contents, file);
    return {
      describe: `${model.preset} autoencoder`,
      inputShape: model.inputShape,
      encode: (x) => model.encode(x),
      reconstruct: (x) => model.reconstruct(x),
      reconstructionError: (x, metric) => model.reconstructionError(x, metric),
    };
  }
  throw new HourglassError('MODEL_MISMATCH', `${file} holds a ${contents.kind} model; this command needs an autoencoder or a PCA model file`);
}

export function pcaReconstructor(pca: PCA): CliReconstructor {
  const shape = (pca.toModelFile().extra?.pca_fit as { sampleShape?: number[] } | undefined)?.sampleShape ?? [pca.nFeatures];
  return {
    describe: `PCA (${pca.nComponents} components${pca.scaler ? `, ${pca.scaler.kind} scaler` : ''})`,
    inputShape: shape,
    encode: (x) => pca.transform(x),
    reconstruct: (x) => pca.inverseTransform(pca.transform(x)),
    reconstructionError: (x, metric) => {
      if (metric === 'mse') return pca.reconstructionError(x);
      const scaled = (t: Tensor): Float32Array => (pca.scaler ? pca.scaler.transform(t).data : t.data);
      const a = scaled(x);
      const b = scaled(pca.inverseTransform(pca.transform(x)));
      const n = x.shape[0];
      const d = a.length / Math.max(n, 1);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Math.abs(a[i * d + j] - b[i * d + j]);
        out[i] = s / d;
      }
      return out;
    },
  };
}
