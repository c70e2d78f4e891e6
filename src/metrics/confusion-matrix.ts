import { invalid } from '../core/errors.js';
import { checkLabelled } from './binary-labels.js';

/** Counts of a binary decision against the truth; positive = anomaly = 1. */
export interface ConfusionMatrix {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/** Counts of 0/1 predictions against 0/1 labels (multi-class matrices: classification.ts). */
export function binaryConfusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>): ConfusionMatrix {
  checkLabelled(labels, predictions, 'confusion matrix');
  const cm = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < labels.length; i++) {
    const p = predictions[i];
    if (p !== 0 && p !== 1) throw invalid(`confusion matrix: prediction ${i} is ${p}; predictions must be 0 or 1`);
    if (labels[i] === 1) {
      if (p === 1) cm.truePositives++;
      else cm.falseNegatives++;
    } else if (p === 1) cm.falsePositives++;
    else cm.trueNegatives++;
  }
  return cm;
}

export interface DecisionMetrics {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  falsePositiveRate: number;
}

/**
 * Precision, recall and F1 from counts. A ratio whose denominator is 0 (nothing flagged, no
 * anomalies) is 0, as scikit-learn's zero_division=0.
 */
export function decisionMetrics(cm: ConfusionMatrix): DecisionMetrics {
  const { truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn } = cm;
  const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    precision,
    recall,
    f1: ratio(2 * tp, 2 * tp + fp + fn),
    accuracy: ratio(tp + tn, tp + tn + fp + fn),
    falsePositiveRate: ratio(fp, fp + tn),
  };
}
