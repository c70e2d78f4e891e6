import type { Outcome } from './types.js';

export interface KnownFailure {
  /** The defect, named so its owner recognises it. */
  defect: string;
  /** Only this outcome is excused: the same case failing another way is a new failure. */
  outcome: Outcome;
}

/**
 * Fuzz failures already found and owned by another change, keyed by `format:mutation`.
 * A case whose key is listed and whose outcome matches is counted as a known failure
 * instead of failing the suite. Delete an entry once its defect is fixed: the report names
 * entries that did not fail in a run. Keep it explicit and small: never a whole format,
 * never every outcome.
 */
export const KNOWN_FAILURES: Readonly<Record<string, KnownFailure>> = {};

export function knownFailure(format: string, mutation: string, outcome: Outcome): string | null {
  const entry = KNOWN_FAILURES[`${format}:${mutation}`];
  return entry && entry.outcome === outcome ? entry.defect : null;
}
