import { HourglassError, invalid } from '../core/errors.js';
import { packageVersion } from '../core/version.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { encodeOnnxModel } from '../io/onnx/onnx-proto.js';
import type { Reconstructor } from '../models/contract.js';
import { classifierGraph, reconstructorGraph, type OnnxPart } from '../models/export/model-onnx.js';
import type { OnnxGraph } from '../models/export/onnx-graph.js';
import { detectorGraph } from './anomaly/detector-onnx.js';
import { formatCorruption } from './denoise/corruption.js';
import type { AnyModel } from './load-model.js';

export interface OnnxExportOptions {
  /** For models that reconstruct (autoencoder, PCA, denoiser, codec): the whole model (default), or one half. */
  part?: OnnxPart;
}

/**
 * Any fitted hourglass model as the bytes of an .onnx file (opset 17, a dynamic batch axis,
 * inputs and outputs named, the model's scaler folded into the graph) that ONNX Runtime runs
 * with the same results as hourglass. Metadata properties say what the file is: the
 * hourglass version, model kind, input shape, scaler, threshold and class names.
 *
 * What the graphs leave out, because ONNX has no operator for it or would not match the
 * engine: the codec's quantisation and range coding (its export is the model's encoder or
 * decoder, with the quantiser's calibration in the metadata), and the denoiser's tiling of
 * images larger than its training size (the export takes images of that size).
 */
export function toOnnx(model: AnyModel, { part = 'full' }: OnnxExportOptions = {}): Uint8Array {
  if (!model.isFitted) throw invalid(`this ${model.kind} is not fitted; fit or load a trained model before exporting it`);
  if (part !== 'full' && (model.kind === 'classifier' || model.kind === 'detector'))
    throw invalid(`a ${model.kind} exports whole (--part full); --part ${part} is for models that reconstruct (autoencoder, pca, denoiser, codec)`);
  const metadata: Record<string, string> = { hourglass_version: packageVersion(), model_kind: model.kind, part };
  let graph: OnnxGraph;
  let doc: string;
  switch (model.kind) {
    case 'autoencoder':
    case 'pca':
      graph = reconstructorGraph(model, part);
      Object.assign(metadata, reconstructorMetadata(model));
      doc = `hourglass ${model.kind} (${part})`;
      break;
    case 'classifier':
      graph = classifierGraph(model);
      Object.assign(metadata, { input_shape: JSON.stringify(model.inputShape), class_names: JSON.stringify(model.classNames), scaler: JSON.stringify(model.scaler?.toJSON() ?? null) });
      doc = 'hourglass classifier: logits and class probabilities';
      break;
    case 'detector':
      graph = detectorGraph(model);
      Object.assign(metadata, reconstructorMetadata(model.model), {
        threshold: String(model.threshold),
        score: JSON.stringify(model.scoreKinds),
        columns: JSON.stringify(model.columns),
        base_model_kind: model.model.kind,
      });
      doc = 'hourglass anomaly detector: score, normalized_score, is_anomaly';
      break;
    case 'denoiser':
      graph = reconstructorGraph(model.model, part, { clip: [0, 1] });
      Object.assign(metadata, reconstructorMetadata(model.model), { base_model_kind: model.model.kind, noise: model.noise ? formatCorruption(model.noise) : '' });
      doc = `hourglass denoiser (${part}): images of the training size`;
      break;
    case 'codec':
      graph = reconstructorGraph(model.model, part);
      Object.assign(metadata, reconstructorMetadata(model.model), {
        base_model_kind: model.model.kind,
        codec_bits: String(model.bits),
        codec_calibration: JSON.stringify({ lo: Array.from(model.calibration.lo), hi: Array.from(model.calibration.hi) }),
      });
      doc = `hourglass codec (${part}): float codes; quantisation and range coding stay in hourglass`;
      break;
  }
  return encodeOnnxModel(graph.toModel({ producerName: 'hourglass', producerVersion: packageVersion(), graphName: `hourglass_${model.kind}`, docString: doc, metadata }));
}

function reconstructorMetadata(model: Reconstructor): Record<string, string> {
  return { input_shape: JSON.stringify(model.sampleShape), latent_size: String(model.latentSize), scaler: JSON.stringify(model.scaler?.toJSON() ?? null) };
}

/** Writes `toOnnx(model)` to `path` atomically: a failed export leaves no partial file. */
export async function exportOnnx(model: AnyModel, path: string, options: OnnxExportOptions = {}): Promise<void> {
  const bytes = toOnnx(model, options);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    if (e instanceof HourglassError) throw e;
    throw new HourglassError('FILE_NOT_FOUND', `cannot write ${path}: ${(e as Error).message}`);
  }
}
