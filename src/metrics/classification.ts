import { invalid } from '../core/errors.js';

export interface ClassMetrics {
  name: string;
  /** Of the samples predicted as this class, the fraction that are (NaN when none was predicted). */
  precision: number;
  /** Of the samples of this class, the fraction predicted as it (NaN when the class has no samples). */
  recall: number;
  /** Samples of this class. */
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  samples: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted]: counts, rows are the true classes. */
  confusion: number[][];
  /** Mean cross-entropy, when the caller had the probabilities. */
  loss?: number;
}

/** Counts of (true class, predicted class) pairs: rows are true classes, columns predictions. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  if (labels.length !== predictions.length)
    throw invalid(`${labels.length} labels but ${predictions.length} predictions; they must pair up`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw invalid(`sample ${i}: label ${t} or prediction ${p} is not a class 0-${classes - 1}`);
    m[t][p]++;
  }
  return m;
}

/** Accuracy, per-class precision and recall, and the confusion matrix (scikit-learn's classification_report, in numbers). */
export function classificationMetrics(labels: ArrayLike<number>, predictions: ArrayLike<number>, classNames: readonly string[]): ClassificationMetrics {
  const k = classNames.length;
  const confusion = confusionMatrix(labels, predictions, k);
  let correct = 0;
  const perClass = classNames.map((name, c) => {
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += confusion[j][c];
      support += confusion[c][j];
    }
    correct += confusion[c][c];
    return { name, precision: predicted ? confusion[c][c] / predicted : NaN, recall: support ? confusion[c][c] / support : NaN, support };
  });
  return { accuracy: labels.length ? correct / labels.length : NaN, samples: labels.length, perClass, confusion };
}

/** The confusion matrix and per-class scores as aligned text, for terminals and logs. */
export function formatClassificationReport(m: ClassificationMetrics): string {
  const pct = (v: number) => (Number.isNaN(v) ? '   -  ' : `${(v * 100).toFixed(1).padStart(5)}%`);
  const width = Math.max(5, ...m.perClass.map((c) => c.name.length));
  const lines = [`${'class'.padEnd(width)}  precision  recall  support`];
  for (const c of m.perClass) lines.push(`${c.name.padEnd(width)}     ${pct(c.precision)}  ${pct(c.recall)}  ${String(c.support).padStart(7)}`);
  lines.push('', 'confusion matrix (rows: true class, columns: predicted)');
  const cell = Math.max(4, ...m.confusion.flat().map((v) => String(v).length + 1));
  const rowNames = m.perClass.map((c, i) => `${i} ${c.name}`);
  const nameWidth = Math.max(...rowNames.map((s) => s.length));
  lines.push(' '.repeat(nameWidth) + m.perClass.map((_, j) => String(j).padStart(cell)).join(''));
  m.confusion.forEach((row, i) => lines.push(rowNames[i].padEnd(nameWidth) + row.map((v) => String(v).padStart(cell)).join('')));
  return lines.join('\n');
}
