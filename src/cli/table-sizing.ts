import type { Shape } from '../core/tensor.js';
import { tableDetectorDefaults, type TableDetectorDefaults } from '../models/defaults.js';
import type { OptionSpec, OptionValues } from './command.js';
import { DETECTOR_OPTIONS } from './detect-options.js';

/** Options whose default a table detector chooses from its data (tableDetectorDefaults); images keep the declared ones. */
export const SIZED_BY_DATA: readonly string[] = ['hidden', 'bottleneck', 'epochs', 'batch-size'];

/** DETECTOR_OPTIONS with no fixed default for the options sized by the data, and help that says so. */
export function sizedByDataOptions(options: readonly OptionSpec[] = DETECTOR_OPTIONS): OptionSpec[] {
  return options.map((spec) =>
    SIZED_BY_DATA.includes(spec.name)
      ? { ...spec, default: undefined, description: `${spec.description.replace(/ \(dense: default 32; /, ' (')} (default: ${imageDefault(spec)} for images, from the rows and columns for tables)` }
      : spec,
  );
}

function imageDefault(spec: OptionSpec): string {
  return spec.name === 'bottleneck' ? '32 (dense)' : Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
}

/**
 * Fills the options the user left unset: for a dense autoencoder on a table, from
 * tableDetectorDefaults(rows, columns) (returned, so the caller adds early stopping and prints
 * them); otherwise the image defaults DETECTOR_OPTIONS declare (null returned).
 */
export function fillSizedDefaults(o: OptionValues, sampleShape: Shape, rows: number): TableDetectorDefaults | null {
  const table = sampleShape.length !== 3 && (o.arch ?? 'dense') === 'dense' && rows >= 2 ? tableDetectorDefaults(rows, sampleShape.reduce((a, b) => a * b, 1)) : null;
  const given = Object.fromEntries(SIZED_BY_DATA.map((n) => [n, o[n] !== undefined]));
  if (table) {
    o.hidden ??= table.hidden;
    o.bottleneck ??= table.bottleneck;
    o.epochs ??= table.epochs;
    o['batch-size'] ??= table.batchSize;
    // An explicit --epochs means "train this long": no early stopping then.
    return { ...table, hidden: o.hidden as number[], bottleneck: o.bottleneck as number, epochs: o.epochs as number, batchSize: o['batch-size'] as number, validationSplit: given.epochs ? 0 : table.validationSplit };
  }
  for (const spec of DETECTOR_OPTIONS) if (SIZED_BY_DATA.includes(spec.name) && o[spec.name] === undefined && spec.default !== undefined) o[spec.name] = spec.default;
  return null;
}
