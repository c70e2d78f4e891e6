import { invalid } from '../../core/errors.js';
import { checkLabelled } from '../../metrics/binary-labels.js';

export interface MaxF1Choice {
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
}

/**
 * The threshold that maximises F1 of flagging score > threshold on labelled data. Candidate
 * thresholds lie halfway between consecutive distinct scores, so the choice does not sit on
 * a validation sample's score. Among equally good thresholds the highest wins (fewest false
 * alarms). Without both normal and anomalous samples every threshold is degenerate (flag
 * nothing or flag everything): that is an error, not a silent pick.
 */
export function maxF1Threshold(labels: ArrayLike<number>, scores: ArrayLike<number>): MaxF1Choice {
  const { positives, negatives } = checkLabelled(labels, scores, 'max-F1 threshold');
  if (positives === 0)
    throw invalid(
      `the validation set has no anomalies (all ${negatives} labels are 0), so no threshold can be chosen by F1 ` +
        '(any threshold has F1 = 0); add labelled anomalies, or use the contamination, z-score or explicit-value rule',
    );
  if (negatives === 0)
    throw invalid(
      `the validation set has only anomalies (all ${positives} labels are 1), so max-F1 would flag everything; ` +
        'add normal samples, or use the contamination, z-score or explicit-value rule',
    );
  const order = Uint32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let best: MaxF1Choice | null = null;
  let tp = 0;
  let flagged = 0;
  for (let start = 0; start < order.length; ) {
    const value = scores[order[start]];
    let end = start;
    while (end < order.length && scores[order[end]] === value) tp += labels[order[end++]];
    flagged = end;
    const f1 = (2 * tp) / (flagged + positives);
    if (best === null || f1 > best.f1) {
      const next = end < order.length ? scores[order[end]] : value - Math.max(1, Math.abs(value));
      best = { threshold: (value + next) / 2, f1, precision: tp / flagged, recall: tp / positives };
    }
    start = end;
  }
  return best!;
}
