import { HourglassError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { loadModelFile } from '../io/model-file.js';
import { Autoencoder } from '../models/autoencoder.js';
import { Classifier } from '../models/classifier.js';
import { reconstructorFromModelFile, type AnyReconstructor } from '../models/reconstructor-file.js';

/**
 * The autoencoder or PCA in a model file, for the commands that take either (eval,
 * reconstruct, encode); a denoiser's or codec's file holds one too and is read as it.
 */
export async function loadReconstructor(file: string, command: string): Promise<AnyReconstructor> {
  const contents = await loadModelFile(file);
  if (contents.kind !== 'autoencoder' && contents.kind !== 'pca')
    throw new HourglassError('MODEL_MISMATCH', `${file} holds a ${contents.kind} model; ${command} needs an autoencoder or a PCA model file`);
  return reconstructorFromModelFile(contents, file);
}

/** 'dense autoencoder', 'PCA (32 components, standard scaler)': for labels and messages. */
export function describeReconstructor(model: AnyReconstructor): string {
  if (model instanceof Autoencoder) return `${model.preset} autoencoder`;
  return `PCA (${model.nComponents} components${model.scaler ? `, ${model.scaler.kind} scaler` : ''})`;
}

/** What `encode` writes features with: a reconstructor's codes, or a classifier's encoder output. */
export async function loadFeatureExtractor(file: string): Promise<{ encode: (x: Tensor) => Tensor; describe: string }> {
  const contents = await loadModelFile(file);
  if (contents.kind === 'classifier') {
    const model = Classifier.fromModelFile(contents, file);
    return { encode: (x) => model.encode(x), describe: "classifier's encoder" };
  }
  if (contents.kind !== 'autoencoder' && contents.kind !== 'pca')
    throw new HourglassError('MODEL_MISMATCH', `${file} holds a ${contents.kind} model; encode needs an autoencoder, a classifier or a PCA`);
  const model = reconstructorFromModelFile(contents, file);
  return { encode: (x) => model.encode(x), describe: describeReconstructor(model) };
}
