import type { Tensor } from '../core/tensor.js';

/** The queue of a model is full: the request is turned away (HTTP 503 with Retry-After) rather than held in memory. */
export class QueueFullError extends Error {
  constructor(readonly queuedRows: number, readonly limit: number) {
    super(`the model's queue holds ${queuedRows} rows, its limit is ${limit}: retry shortly`);
  }
}

export interface MicroBatcherOptions<R> {
  /** The native call: one result per row of x, in order. */
  run: (x: Tensor) => R[];
  maxRows: number;
  maxWaitMs: number;
  /** Rows queued at most; a request that would go above is refused with QueueFullError. */
  queueRows: number;
  onBatch?: (rows: number, requests: number) => void;
  onQueue?: (rows: number) => void;
}

interface Pending<R> {
  x: Tensor;
  resolve: (r: R[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Gathers the rows of concurrent requests into one call of the engine. The engine computes a
 * batch of 256 rows in little more time than one row (one sgemm instead of 256 gemv), so 64
 * clients each sending a row are served by a few large calls instead of 64 small ones.
 *
 * A batch leaves when it holds `maxRows` rows or when its first request has waited
 * `maxWaitMs`; whichever comes first. A request's rows are never split across batches. When a
 * batch fails, its requests are retried one by one so that the error reaches only the request
 * that caused it.
 */
export class MicroBatcher<R> {
  private queue: Pending<R>[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(private readonly options: MicroBatcherOptions<R>) {}

  get pendingRows(): number {
    return this.queuedRows;
  }

  submit(x: Tensor): Promise<R[]> {
    const rows = x.shape[0];
    if (this.queuedRows > 0 && this.queuedRows + rows > this.options.queueRows) return Promise.reject(new QueueFullError(this.queuedRows, this.options.queueRows));
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ x, resolve, reject });
      this.queuedRows += rows;
      this.options.onQueue?.(this.queuedRows);
      if (this.queuedRows >= this.options.maxRows) this.schedule(0);
      else this.schedule(this.options.maxWaitMs);
    });
  }

  private schedule(ms: number): void {
    if (this.flushing) return;
    if (this.timer) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => this.flush(), ms);
  }

  private flush(): void {
    this.timer = null;
    if (this.queue.length === 0) return;
    this.flushing = true;
    try {
      const batch: Pending<R>[] = [];
      let rows = 0;
      while (this.queue.length > 0 && (batch.length === 0 || rows + this.queue[0].x.shape[0] <= this.options.maxRows)) {
        const next = this.queue.shift()!;
        batch.push(next);
        rows += next.x.shape[0];
      }
      this.queuedRows -= rows;
      this.options.onQueue?.(this.queuedRows);
      this.options.onBatch?.(rows, batch.length);
      this.runBatch(batch, rows);
    } finally {
      this.flushing = false;
    }
    // What arrived during the call waits one turn of the event loop, so that requests whose bytes are already here join it.
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), 0);
  }

  /**
   * Runs a batch padded to the next power of two rows (repeating its first row; the extra
   * results are dropped). The engine builds its primitives and buffers once per batch size:
   * with micro-batches of every size from 1 to maxRows it would build them on most calls
   * (tens of milliseconds for a convolution), with powers of two it builds about a dozen.
   */
  private runPadded(x: Tensor): R[] {
    const rows = x.shape[0];
    const padded = paddedRows(rows, this.options.maxRows);
    if (padded === rows) return this.options.run(x);
    const per = x.data.length / rows;
    const data = new Float32Array(padded * per);
    data.set(x.data);
    for (let r = rows; r < padded; r++) data.copyWithin(r * per, 0, per);
    return this.options.run({ shape: [padded, ...x.shape.slice(1)], data }).slice(0, rows);
  }

  private runBatch(batch: Pending<R>[], rows: number): void {
    if (batch.length === 1) {
      settle(batch[0], () => this.runPadded(batch[0].x));
      return;
    }
    const shape = batch[0].x.shape.slice(1);
    const per = batch[0].x.data.length / batch[0].x.shape[0];
    const sameShape = batch.every((p) => p.x.data.length === p.x.shape[0] * per && p.x.shape.slice(1).join() === shape.join());
    let results: R[] | null = null;
    if (sameShape) {
      const data = new Float32Array(rows * per);
      let at = 0;
      for (const p of batch) {
        data.set(p.x.data, at);
        at += p.x.data.length;
      }
      try {
        results = this.runPadded({ shape: [rows, ...shape], data });
        if (results.length !== rows) throw new Error(`a batch of ${rows} rows gave ${results.length} results`);
      } catch {
        results = null;
      }
    }
    if (results === null) {
      for (const p of batch) settle(p, () => this.runPadded(p.x));
      return;
    }
    let lo = 0;
    for (const p of batch) {
      const n = p.x.shape[0];
      p.resolve(results.slice(lo, lo + n));
      lo += n;
    }
  }
}

function settle<R>(p: Pending<R>, run: () => R[]): void {
  try {
    p.resolve(run());
  } catch (e) {
    p.reject(e);
  }
}

/** The next power of two at or above `rows`; requests larger than `maxRows` run as they are. */
export function paddedRows(rows: number, maxRows: number): number {
  if (rows >= maxRows) return rows;
  let p = 1;
  while (p < rows) p *= 2;
  return Math.min(p, Math.max(rows, maxRows));
}
