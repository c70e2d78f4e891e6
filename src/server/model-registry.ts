import { stat } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { tensor, type Tensor } from '../core/tensor.js';
import { loadModel, type AnyModel } from '../apps/load-model.js';
import { MicroBatcher } from './micro-batcher.js';
import { inputShapeOf, modelCard, reconstructorOf, type ModelCard } from './served-model.js';
import type { BatchingOptions, ServiceLimits } from './service-options.js';
import type { ServiceMetrics } from './service-metrics.js';

/** One row's score from the batched score call. */
export interface RowScore {
  score: number;
  normalized: number;
}

/** One row's explanation: its score and the contribution of each of its values. */
export interface RowExplanation extends RowScore {
  map: Float32Array;
}

/** A model as it serves: the object, its card and its batchers. Replaced whole on reload, never mutated. */
export interface LoadedModel {
  model: AnyModel;
  card: ModelCard;
  /** Identity of the file that was loaded (mtime, size), to notice a change. */
  version: string;
  score: MicroBatcher<RowScore> | null;
  explain: MicroBatcher<RowExplanation> | null;
  encode: MicroBatcher<Float32Array> | null;
  reconstruct: MicroBatcher<Float32Array> | null;
}

function splitRows(t: Tensor): Float32Array[] {
  const n = t.shape[0];
  const per = t.data.length / n;
  return Array.from({ length: n }, (_, i) => t.data.slice(i * per, (i + 1) * per));
}

/**
 * The served models by name. Each model file is watched (by polling its mtime and size, which
 * works on every file system); a changed file is loaded, checked with a probe call, and swapped
 * in as one assignment, so a request sees the old model or the new one, never a mix. A file
 * that fails to load or to score (half-written, corrupt, another input shape) leaves the old
 * model serving, and the failure is logged.
 */
export class ModelRegistry {
  private readonly slots = new Map<string, { file: string; loaded: LoadedModel }>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly batching: BatchingOptions,
    private readonly limits: ServiceLimits,
    private readonly metrics: ServiceMetrics,
    private readonly log: FastifyBaseLogger,
  ) {}

  async add(name: string, file: string): Promise<void> {
    const version = await fileVersion(file);
    this.slots.set(name, { file, loaded: this.prepare(name, file, await loadModel(file), version) });
  }

  get(name: string): LoadedModel | null {
    return this.slots.get(name)?.loaded ?? null;
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  cards(): ModelCard[] {
    return [...this.slots.values()].map((s) => s.loaded.card);
  }

  /** Starts watching the files every `intervalMs`. */
  watch(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.checkFiles(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Rows queued across all models: what /readyz and the queue gauge report. */
  queuedRows(): number {
    let rows = 0;
    for (const { loaded } of this.slots.values()) for (const b of [loaded.score, loaded.explain, loaded.encode, loaded.reconstruct]) rows += b?.pendingRows ?? 0;
    return rows;
  }

  /** Looks at every file once; reloads the changed ones. */
  async checkFiles(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [name, slot] of this.slots) {
        let version: string;
        try {
          version = await fileVersion(slot.file);
        } catch (e) {
          if (slot.loaded.version !== 'missing') this.log.warn({ model: name, file: slot.file, err: String(e) }, 'model file is gone; the loaded model keeps serving');
          continue;
        }
        if (version === slot.loaded.version) continue;
        await this.reload(name, slot, version);
      }
    } finally {
      this.checking = false;
    }
  }

  private async reload(name: string, slot: { file: string; loaded: LoadedModel }, version: string): Promise<void> {
    const old = slot.loaded;
    try {
      const model = await loadModel(slot.file);
      verify(model, old.model);
      slot.loaded = this.prepare(name, slot.file, model, version);
      this.metrics.reloads.inc({ model: name, result: 'ok' });
      this.log.info({ model: name, file: slot.file, kind: model.kind }, 'model reloaded');
    } catch (e) {
      // Remember the version so that one broken file is logged once, not at every poll; a later write changes the version again.
      slot.loaded = { ...old, version };
      this.metrics.reloads.inc({ model: name, result: 'rejected' });
      this.log.error({ model: name, file: slot.file, err: e instanceof Error ? e.message : String(e) }, 'model file changed but cannot be served; the previous model keeps serving');
    }
  }

  private prepare(name: string, file: string, model: AnyModel, version: string): LoadedModel {
    const card = modelCard(name, file, model, new Date());
    const common = {
      maxRows: this.batching.maxRows,
      maxWaitMs: this.batching.maxWaitMs,
      queueRows: this.limits.queueRows,
      onBatch: (rows: number) => this.metrics.batchRows.observe({ model: name }, rows),
      onQueue: () => this.metrics.queueRows.set({ model: name }, this.queuedRowsOf(name)),
    };
    const inner = reconstructorOf(model);
    const detector = model.kind === 'detector' ? model : null;
    return {
      model,
      card,
      version,
      score: detector
        ? new MicroBatcher<RowScore>({
            ...common,
            run: (x) => {
              const scores = detector.score(x);
              const normalized = detector.normalize(scores);
              return Array.from(scores, (score, i) => ({ score, normalized: normalized[i] }));
            },
          })
        : null,
      explain: detector
        ? new MicroBatcher<RowExplanation>({
            ...common,
            run: (x) => {
              const e = detector.explain(x);
              const normalized = detector.normalize(e.scores);
              const maps = splitRows(e.map);
              return Array.from(e.scores, (score, i) => ({ score, normalized: normalized[i], map: maps[i] }));
            },
          })
        : null,
      encode: inner ? new MicroBatcher<Float32Array>({ ...common, run: (x) => splitRows(inner.encode(x)) }) : null,
      reconstruct: inner ? new MicroBatcher<Float32Array>({ ...common, run: (x) => splitRows(inner.reconstruct(x)) }) : null,
    };
  }

  private queuedRowsOf(name: string): number {
    const loaded = this.get(name);
    if (!loaded) return 0;
    return [loaded.score, loaded.explain, loaded.encode, loaded.reconstruct].reduce((sum, b) => sum + (b?.pendingRows ?? 0), 0);
  }
}

async function fileVersion(file: string): Promise<string> {
  const s = await stat(file);
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
}

/**
 * A new model replaces the old one only if clients cannot tell the difference in what they
 * send: same kind, same input shape; and it must compute finite numbers on a probe sample.
 */
function verify(model: AnyModel, old: AnyModel): void {
  if (model.kind !== old.kind) throw new Error(`the new file holds a ${model.kind}, the served model is a ${old.kind}`);
  const shape = inputShapeOf(model);
  const oldShape = inputShapeOf(old);
  if (JSON.stringify(shape) !== JSON.stringify(oldShape)) throw new Error(`the new model takes samples of shape [${shape?.join(', ')}], the served one [${oldShape?.join(', ')}]`);
  if (!shape) return;
  const probe = tensor([1, ...shape]);
  probe.data.fill(0.5);
  const out: ArrayLike<number> =
    model.kind === 'detector' ? model.score(probe) : model.kind === 'classifier' ? model.predictProba(probe).data : reconstructorOf(model)!.reconstruct(probe).data;
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new Error('the new model computes non-finite values on a probe sample');
}
