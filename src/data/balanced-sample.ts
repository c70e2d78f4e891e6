import { invalid } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { RANDOM_STREAMS } from '../core/random-streams.js';

export interface BalancedSampleOptions {
  /** Number of classes; labels must be integers in [0, classes). */
  classes: number;
  seed?: number;
}

/**
 * Indices of `count` samples, as equal a number from each class as the data allows:
 * count / classes each, the remainder going to randomly chosen classes, and a class with
 * too few samples giving its share to the others. Which samples are chosen depends only
 * on the labels, the count and the seed. Returned in ascending order.
 */
export function balancedSample(labels: ArrayLike<number>, count: number, { classes, seed = 0 }: BalancedSampleOptions): Uint32Array {
  if (!Number.isInteger(classes) || classes < 1) throw invalid(`the number of classes must be a positive integer, got ${classes}`);
  if (!Number.isInteger(count) || count < 1) throw invalid(`the number of labelled samples must be a positive integer, got ${count}`);
  if (count < classes)
    throw invalid(`${count} labelled samples for ${classes} classes: a class-balanced sample needs at least one per class; ask for at least ${classes}`);
  if (count > labels.length) throw invalid(`asked for ${count} labelled samples but the data has only ${labels.length}`);

  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw invalid(`label ${c} of sample ${i} is not a class 0-${classes - 1}`);
    byClass[c].push(i);
  }
  const rng = new Rng(RANDOM_STREAMS.balancedSample(seed));
  for (const members of byClass) rng.shuffle(members);

  const quota = new Array<number>(classes).fill(Math.floor(count / classes));
  const classOrder = Array.from(rng.permutation(classes));
  for (let r = 0; r < count % classes; r++) quota[classOrder[r]]++;
  // Classes that cannot fill their quota hand the rest to the others, round-robin in the seeded order.
  let missing = 0;
  for (let c = 0; c < classes; c++)
    if (quota[c] > byClass[c].length) {
      missing += quota[c] - byClass[c].length;
      quota[c] = byClass[c].length;
    }
  while (missing > 0)
    for (const c of classOrder) {
      if (missing === 0) break;
      if (quota[c] < byClass[c].length) {
        quota[c]++;
        missing--;
      }
    }

  const picked: number[] = [];
  for (let c = 0; c < classes; c++) picked.push(...byClass[c].slice(0, quota[c]));
  return Uint32Array.from(picked).sort();
}
