import { loadModelFile, type ModelFileContents } from '../io/model-file.js';
import { Autoencoder } from '../models/autoencoder.js';
import { Classifier } from '../models/classifier.js';
import { PCA } from '../models/pca.js';
import { wrongKind } from '../models/saved-model.js';
import { AnomalyDetector } from './anomaly/anomaly-detector.js';
import { DETECTOR_KIND } from './anomaly/detector-file.js';
import { Codec, CODEC_METADATA_KEY } from './codec/codec.js';
import { Denoiser, DENOISING_KEY } from './denoise/denoiser.js';

/** Any model an hourglass model file holds. */
export type AnyModel = Autoencoder | PCA | Classifier | AnomalyDetector | Denoiser | Codec;

/**
 * Reads any hourglass model file and returns the right class: by the file's kind
 * ('autoencoder', 'pca', 'classifier', 'detector'), and for an autoencoder or PCA file, a
 * Codec when it holds codec calibration (extra.codec), a Denoiser when it records a noise
 * (extra.denoising). Switch on the result's `kind`.
 */
export async function loadModel(path: string): Promise<AnyModel> {
  return modelFromContents(await loadModelFile(path), path);
}

/** loadModel for file contents already read. */
export function modelFromContents(contents: ModelFileContents, source = 'model file'): AnyModel {
  switch (contents.kind) {
    case 'autoencoder':
    case 'pca':
      if (contents.extra?.[CODEC_METADATA_KEY]) return Codec.fromModelFile(contents, source);
      if (contents.extra?.[DENOISING_KEY]) return Denoiser.fromModelFile(contents, source);
      return contents.kind === 'autoencoder' ? Autoencoder.fromModelFile(contents, source) : PCA.fromModelFile(contents, source);
    case 'classifier':
      return Classifier.fromModelFile(contents, source);
    case DETECTOR_KIND:
      return AnomalyDetector.fromModelFile(contents, source);
    default:
      throw wrongKind(source, contents.kind, 'a model hourglass knows (autoencoder, pca, classifier, detector, denoiser or codec)');
  }
}
