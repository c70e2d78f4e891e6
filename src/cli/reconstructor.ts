import { HourglassError } from '../core/errors.js';
import { loadModelFile } from '../io/model-file.js';
import { Autoencoder } from '../models/autoencoder.js';
import { PCA } from '../models/pca.js';

/** An autoencoder or a PCA model file, for the commands that take either (eval, reconstruct). */
export async function loadReconstructor(file: string): Promise<Autoencoder | PCA> {
  const contents = await loadModelFile(file);
  if (contents.kind === 'pca') return PCA.fromModelFile(contents, file);
  if (contents.kind === 'autoencoder') return Autoencoder.fromModelFile(contents, file);
  throw new HourglassError('MODEL_MISMATCH', `${file} holds a ${contents.kind} model; this command needs an autoencoder or a PCA model file`);
}

/** 'dense autoencoder', 'PCA (32 components, standard scaler)': for labels and messages. */
export function describeReconstructor(model: Autoencoder | PCA): string {
  if (model instanceof Autoencoder) return `${model.preset} autoencoder`;
  return `PCA (${model.nComponents} components${model.scaler ? `, ${model.scaler.kind} scaler` : ''})`;
}
