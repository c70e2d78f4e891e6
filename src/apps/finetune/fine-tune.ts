import type { Tensor } from '../../core/tensor.js';
import type { Classifier, ClassifierFitOptions } from '../../models/classifier.js';
import type { TrainingRecord } from '../../train/fit.js';

export interface FineTuneSchedule {
  epochs: number;
  /** Head-only epochs before the encoder trains too; ignored in frozen mode. */
  probeEpochs: number;
  /** When the encoder trains. */
  learningRate: number;
  /** When only the head trains (frozen mode, probe phase). */
  probeLearningRate: number;
}

export interface FineTuneRecord {
  probe: TrainingRecord | null;
  main: TrainingRecord;
}

/**
 * Trains a classifier in its mode: frozen trains the head for `epochs` at the probe rate;
 * full and discriminative first train the head alone for `probeEpochs` (a linear probe),
 * then everything for `epochs` at `learningRate`. The model's mode is the same afterwards.
 * `options.regularizers` (e.g. reconstructionTerm, l2spTerm) apply while the encoder trains:
 * the main phase of full and discriminative modes; they are refused in frozen mode.
 */
export async function fineTuneClassifier(
  model: Classifier,
  x: Tensor,
  labels: ArrayLike<number> | Tensor,
  schedule: FineTuneSchedule,
  options: Omit<ClassifierFitOptions, 'epochs' | 'learningRate'> & { onPhaseStart?: (phase: 'probe' | 'main', epochs: number) => void } = {},
): Promise<FineTuneRecord> {
  if (model.mode === 'frozen') {
    options.onPhaseStart?.('main', schedule.epochs);
    const { history: main } = await model.fit(x, labels, { ...options, epochs: schedule.epochs, learningRate: schedule.probeLearningRate });
    return { probe: null, main };
  }
  let probe: TrainingRecord | null = null;
  if (schedule.probeEpochs > 0) {
    const mode = model.mode;
    model.setMode('frozen');
    options.onPhaseStart?.('probe', schedule.probeEpochs);
    const { regularizers: _, ...probeOptions } = options;
    try {
      probe = (await model.fit(x, labels, { ...probeOptions, epochs: schedule.probeEpochs, learningRate: schedule.probeLearningRate })).history;
    } finally {
      model.setMode(mode);
    }
  }
  options.onPhaseStart?.('main', schedule.epochs);
  const { history: main } = await model.fit(x, labels, { ...options, epochs: schedule.epochs, learningRate: schedule.learningRate });
  return { probe, main };
}
