/** Width of one flag-rate interval, in milliseconds. */
const INTERVAL_MS = 5000;
/** Intervals kept: ten minutes of 5 s. */
const INTERVALS = 120;
const BINS = 20;

export interface ScoreHistorySnapshot {
  /** Counts of normalised scores in BINS equal bins over [0, 1] since the model was loaded. */
  histogram: { lo: number; hi: number; count: number }[];
  /** Per interval: start time (ms since epoch), rows scored, rows flagged. */
  timeline: { t: number; scored: number; flagged: number }[];
  scored: number;
  flagged: number;
}

/**
 * What the dashboard plots live for one model: the distribution of the normalised scores it
 * returned and its flag rate over time. Memory is fixed (BINS + INTERVALS numbers) whatever
 * the traffic.
 */
export class ScoreHistory {
  private readonly bins = new Float64Array(BINS);
  private readonly timeline: { t: number; scored: number; flagged: number }[] = [];
  private scored = 0;
  private flagged = 0;

  record(normalized: number, flag: boolean, now = Date.now()): void {
    const bin = Math.min(BINS - 1, Math.max(0, Math.floor(normalized * BINS)));
    this.bins[bin]++;
    this.scored++;
    if (flag) this.flagged++;
    const t = now - (now % INTERVAL_MS);
    let last = this.timeline[this.timeline.length - 1];
    if (!last || last.t !== t) {
      last = { t, scored: 0, flagged: 0 };
      this.timeline.push(last);
      if (this.timeline.length > INTERVALS) this.timeline.shift();
    }
    last.scored++;
    if (flag) last.flagged++;
  }

  snapshot(): ScoreHistorySnapshot {
    return {
      histogram: Array.from(this.bins, (count, i) => ({ lo: i / BINS, hi: (i + 1) / BINS, count })),
      timeline: this.timeline.map((p) => ({ ...p })),
      scored: this.scored,
      flagged: this.flagged,
    };
  }
}
