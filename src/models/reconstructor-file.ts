import type { ModelFileContents } from '../io/model-file.js';
import { Autoencoder } from './autoencoder.js';
import { PCA } from './pca.js';
import { wrongKind } from './saved-model.js';

/** The Reconstructor classes, one per model-file kind that reconstructs. */
export type AnyReconstructor = Autoencoder | PCA;

/**
 * The Autoencoder or PCA a model file holds, chosen by the file's kind. The applications keep
 * their model nested in their own files (a detector) or are model files with extra keys (a
 * denoiser, a codec), and read it back through here.
 */
export function reconstructorFromModelFile(contents: ModelFileContents, source = 'model file'): AnyReconstructor {
  if (contents.kind === 'autoencoder') return Autoencoder.fromModelFile(contents, source);
  if (contents.kind === 'pca') return PCA.fromModelFile(contents, source);
  throw wrongKind(source, contents.kind, 'an autoencoder or a PCA');
}
