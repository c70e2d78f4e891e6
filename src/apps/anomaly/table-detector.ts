import { StandardScaler } from '../../data/scaler.js';
import { denseAutoencoder } from '../../models/dense-preset.js';
import { tableDetectorDefaults, type TableDetectorDefaults } from '../../models/defaults.js';
import { AnomalyDetector, type DetectorFitOptions } from './anomaly-detector.js';
import type { ThresholdRule } from './threshold-rule.js';

/** A table detector ready to fit, and the settings it was given (to print). */
export interface TableDetectorPlan {
  detector: AnomalyDetector;
  settings: TableDetectorDefaults;
  fitOptions: DetectorFitOptions;
}

/**
 * hourglass's default detector for a table of `rows` normal rows and `columns` encoded
 * columns: a dense autoencoder sized and trained by tableDetectorDefaults (any of them
 * overridable), StandardScaler, linear output, mean squared error as the score, early
 * stopping on held-out normal rows.
 */
export function planTableDetector(
  rows: number,
  columns: number,
  { seed = 0, overrides = {}, threshold, featureNames = null, latentWeight = 0 }: { seed?: number; overrides?: Partial<TableDetectorDefaults>; threshold?: ThresholdRule; featureNames?: string[] | null; latentWeight?: number } = {},
): TableDetectorPlan {
  const settings = { ...tableDetectorDefaults(rows, columns), ...definedOnly(overrides) };
  const model = denseAutoencoder({ inputDim: columns, hidden: settings.hidden, bottleneck: settings.bottleneck, outputActivation: 'linear', scaler: new StandardScaler(), seed });
  const detector = new AnomalyDetector({ model, threshold, featureNames, latentWeight });
  const fitOptions: DetectorFitOptions = {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    seed,
    ...(settings.validationSplit > 0 ? { validationSplit: settings.validationSplit, earlyStopping: { patience: settings.patience, restoreBestWeights: true } } : {}),
  };
  return { detector, settings, fitOptions };
}

/** One line describing the settings, as `detect fit` prints them. */
export function describeTableSettings(s: TableDetectorDefaults): string {
  return (
    `dense autoencoder ${[...s.hidden, s.bottleneck].join('-')}, ${s.epochs} epochs x batch ${s.batchSize} (lr ${s.learningRate})` +
    (s.validationSplit > 0 ? `, early stopping on ${Math.round(s.validationSplit * 100)}% of the normal rows (patience ${s.patience})` : '')
  );
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
