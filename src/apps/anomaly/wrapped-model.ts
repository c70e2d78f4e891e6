import { HourglassError, invalid } from '../../core/errors.js';
import { sizeOf, type Shape, type Tensor } from '../../core/tensor.js';
import { Autoencoder } from '../../models/autoencoder.js';
import { PCA } from '../../models/pca.js';
import type { FitOptions, TrainingRecord } from '../../train/fit.js';
import type { ModelFileContents } from '../../io/model-file.js';

/** Tensors of the wrapped model are stored in the detector file under this prefix. */
export const WRAPPED_TENSOR_PREFIX = 'model.';

/** What a detector file records about the model it wraps (its own architecture nested inside). */
export interface WrappedModelDescription {
  kind: 'autoencoder' | 'pca';
  architecture: unknown;
}

/**
 * The one thing a detector needs from its model: reconstructions (and bottleneck codes) of
 * inputs that are already in model space (scaled). Autoencoders and PCA both provide it.
 */
export class WrappedModel {
  constructor(readonly model: Autoencoder | PCA) {
    if (!(model instanceof Autoencoder) && !(model instanceof PCA))
      throw invalid('an anomaly detector wraps an Autoencoder or a PCA (the baseline); got something else');
  }

  get kind(): 'autoencoder' | 'pca' {
    return this.model instanceof Autoencoder ? 'autoencoder' : 'pca';
  }

  /** Sample shape the model expects, or null for a PCA that has not been fitted (it takes any shape). */
  get sampleShape(): Shape | null {
    if (this.model instanceof Autoencoder) return this.model.inputShape;
    return this.model.isFitted ? [this.model.nFeatures] : null;
  }

  get latentSize(): number {
    return this.model instanceof Autoencoder ? this.model.latentSize : this.model.nComponents;
  }

  /** Trains on normal data given in model space. The autoencoder's own scaler is bypassed: the detector scales. */
  async fit(x: Tensor, options: FitOptions): Promise<TrainingRecord | null> {
    if (this.model instanceof PCA) {
      await this.model.fit(x);
      return null;
    }
    const scaler = this.model.scaler;
    this.model.scaler = null;
    try {
      return (await this.model.fit(x, options)).history;
    } finally {
      this.model.scaler = scaler;
    }
  }

  /**
   * Reconstruction (and codes when asked) of a batch in model space. The arrays may be the
   * layers' own output buffers, overwritten by the next call: use or copy them before.
   */
  run(batch: Tensor, wantCodes: boolean): { reconstruction: Float32Array; codes: Float32Array | null } {
    if (this.model instanceof PCA) {
      const flat: Tensor = { shape: [batch.shape[0], sizeOf(batch.shape.slice(1))], data: batch.data };
      const codes = this.model.transform(flat);
      return { reconstruction: this.model.inverseTransform(codes).data, codes: wantCodes ? codes.data : null };
    }
    // The decoder does not write into its input, so the codes stay valid next to the reconstruction.
    const z = this.model.encoder.forward(batch, false);
    return { reconstruction: this.model.decoder.forward(z, false).data, codes: wantCodes ? z.data : null };
  }

  describe(): WrappedModelDescription {
    const file = this.toModelFile();
    return { kind: this.kind, architecture: file.architecture };
  }

  toModelFile(): ModelFileContents {
    return this.model.toModelFile();
  }

  static fromModelFile(description: WrappedModelDescription, tensors: Map<string, Tensor>, extra: Record<string, unknown>, source: string): WrappedModel {
    const own = new Map<string, Tensor>();
    for (const [name, t] of tensors) if (name.startsWith(WRAPPED_TENSOR_PREFIX)) own.set(name.slice(WRAPPED_TENSOR_PREFIX.length), t);
    const contents: ModelFileContents = { kind: description.kind, architecture: description.architecture, tensors: own, extra };
    if (description.kind === 'autoencoder') return new WrappedModel(Autoencoder.fromModelFile(contents, source));
    if (description.kind === 'pca') return new WrappedModel(PCA.fromModelFile(contents, source));
    throw new HourglassError('BAD_FILE', `${source}: the detector wraps an unknown model kind '${String(description.kind)}'`);
  }
}
