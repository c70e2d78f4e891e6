import { HourglassError } from '../core/errors.js';
import { loadModelFile, saveModelFile, type ModelFileContents } from '../io/model-file.js';

/**
 * What every model class shares about its file: `save` writes `toModelFile()` atomically, and
 * the static `load` reads a file and hands it to the subclass's static `fromModelFile`, so a
 * subclass writes only those two conversions.
 */
export abstract class SavedModel {
  abstract toModelFile(): ModelFileContents;

  async save(path: string): Promise<void> {
    await saveModelFile(path, this.toModelFile());
  }

  /**
   * `Autoencoder.load(path)` resolves to an Autoencoder, `PCA.load(path)` to a PCA, and so on;
   * options after the path go to the class's fromModelFile (e.g. `Codec.load(path, { bits: 6 })`).
   */
  static async load<M, Options extends unknown[]>(
    this: { fromModelFile(contents: ModelFileContents, source: string, ...options: Options): M },
    path: string,
    ...options: Options
  ): Promise<M> {
    return this.fromModelFile(await loadModelFile(path), path, ...options);
  }
}

/** The MODEL_MISMATCH error for a file of another kind, with "a"/"an" right and a hint at what makes the wanted kind. */
export function wrongKind(source: string, found: string, wanted: string, hint = ''): HourglassError {
  const article = /^[aeiou]/i.test(found) ? 'an' : 'a';
  return new HourglassError('MODEL_MISMATCH', `${source} holds ${article} ${found} model, not ${wanted}${hint ? `; ${hint}` : ''}`);
}
