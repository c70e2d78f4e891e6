import { auroc } from '../../metrics/auroc.js';
import { averagePrecision } from '../../metrics/average-precision.js';
import { metricsAtThreshold, type ThresholdMetrics } from '../../metrics/threshold-metrics.js';
import { maxF1Threshold, type MaxF1Choice } from './max-f1-threshold.js';
import type { ScoreStatistics } from './score-statistics.js';
import { DEFAULT_THRESHOLD_RULE, thresholdFromNormalScores, type ThresholdRule } from './threshold-rule.js';

/** What `AnomalyDetector.evaluate` returns: ranking quality and the decisions at the detector's threshold. */
export interface DetectorEvaluation {
  samples: number;
  anomalies: number;
  auroc: number;
  averagePrecision: number;
  atThreshold: ThresholdMetrics;
}

/**
 * The rule and threshold a detector has after fit: max-F1 needs labelled data, which fit()
 * does not have, so it starts from the default rule until calibrate() is called.
 */
export function thresholdAfterFit(rule: ThresholdRule, normal: ScoreStatistics): { rule: ThresholdRule; threshold: number } {
  const usable = rule.kind === 'max-f1' ? DEFAULT_THRESHOLD_RULE : rule;
  return { rule: usable, threshold: thresholdFromNormalScores(usable, normal) };
}

/** The max-F1 threshold on labelled scores (1 = anomaly), and the rule that records it. */
export function calibrateThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { choice: MaxF1Choice; rule: ThresholdRule } {
  const choice = maxF1Threshold(labels, scores);
  return { choice, rule: { kind: 'max-f1', f1: choice.f1, precision: choice.precision, recall: choice.recall } };
}

/** AUROC, AP and decision metrics of scores against labels (1 = anomaly). */
export function evaluateScores(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): DetectorEvaluation {
  let anomalies = 0;
  for (let i = 0; i < labels.length; i++) anomalies += labels[i] === 1 ? 1 : 0;
  return {
    samples: scores.length,
    anomalies,
    auroc: auroc(labels, scores),
    averagePrecision: averagePrecision(labels, scores),
    atThreshold: metricsAtThreshold(labels, scores, threshold),
  };
}
