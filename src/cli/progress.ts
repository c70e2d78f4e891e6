import type { BatchProgress, EpochRecord } from '../train/fit.js';

/**
 * Keras-like training output: on a terminal, a live line (epoch, batch, loss, samples/s,
 * ETA) rewritten in place at most ten times a second; always one summary line per epoch.
 */
export class ProgressPrinter {
  private lastDraw = 0;
  private readonly live: boolean;
  private readonly out: NodeJS.WriteStream;

  constructor(out: NodeJS.WriteStream = process.stderr, live = out.isTTY === true) {
    this.out = out;
    this.live = live;
  }

  batch = (p: BatchProgress): void => {
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && p.batch !== p.batches) return;
    this.lastDraw = now;
    const line = `Epoch ${p.epoch}/${p.epochs}  ${String(p.batch).padStart(String(p.batches).length)}/${p.batches}  loss ${p.loss.toFixed(5)}  ${formatRate(p.samplesPerSecond)}  ETA ${formatDuration(p.etaSeconds)}`;
    this.out.write(`\r${line}\x1b[K`);
  };

  epoch = (r: EpochRecord, epochs: number): void => {
    if (this.live) this.out.write('\r\x1b[K');
    const val = r.valLoss !== undefined ? `  val_loss ${r.valLoss.toFixed(5)}` : '';
    this.out.write(`Epoch ${r.epoch}/${epochs}  loss ${r.loss.toFixed(5)}${val}  ${r.seconds.toFixed(1)}s  ${formatRate(r.samplesPerSecond)}\n`);
  };
}

export function formatRate(samplesPerSecond: number): string {
  return `${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}
