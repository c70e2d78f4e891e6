import { invalid } from '../core/errors.js';
import { checkLabelled } from './binary-labels.js';
import { binaryConfusionMatrix, decisionMetrics, type ConfusionMatrix, type DecisionMetrics } from './confusion-matrix.js';

export interface ThresholdMetrics extends DecisionMetrics {
  threshold: number;
  confusion: ConfusionMatrix;
}

/** The decision hourglass detectors make: a sample is flagged when its score is strictly above the threshold. */
export function flagAbove(scores: ArrayLike<number>, threshold: number): Uint8Array {
  const flags = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) flags[i] = scores[i] > threshold ? 1 : 0;
  return flags;
}

/** Precision, recall, F1, accuracy and the confusion matrix of flagging score > threshold. */
export function metricsAtThreshold(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): ThresholdMetrics {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw invalid(`threshold must be a number, got ${threshold}`);
  checkLabelled(labels, scores, 'metrics at threshold');
  const confusion = binaryConfusionMatrix(labels, flagAbove(scores, threshold));
  return { threshold, confusion, ...decisionMetrics(confusion) };
}
