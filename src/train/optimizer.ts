import { invalid } from '../core/errors.js';
import { adamStepAll, sgdStep } from '../core/native/dense.js';
import type { AdamEntry, AdamUpdate } from '../core/types.js';
import type { Param } from '../layers/layer.js';

export type OptimizerKind = 'adam' | 'sgd';

/**
 * What an optimizer has learned besides the weights, per parameter in params() order: Adam's
 * first and second moments (`m`, `v`) or SGD's momentum buffer (`m`, `v` empty), null for a
 * parameter never updated (e.g. frozen); and the step count.
 */
export interface OptimizerState {
  kind: OptimizerKind;
  step: number;
  slots: ({ m: Float32Array; v: Float32Array } | null)[];
}

export interface OptimizerOptions {
  kind?: OptimizerKind;
  learningRate?: number;
  /** SGD momentum (0 = plain SGD). */
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 penalty added to the gradient, as torch.optim's weight_decay. */
  weightDecay?: number;
}

/** Adam and SGD with momentum, updating parameters in place with torch.optim's exact formulas. */
export class Optimizer {
  readonly kind: OptimizerKind;
  learningRate: number;
  private readonly options: Required<Omit<OptimizerOptions, 'kind' | 'learningRate'>>;
  private readonly state = new Map<Param['value'], { m: Float32Array; v: Float32Array }>();
  private step = 0;

  constructor({ kind = 'adam', learningRate = 1e-3, momentum = 0.9, nesterov = false, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 }: OptimizerOptions = {}) {
    if (kind !== 'adam' && kind !== 'sgd') throw invalid(`unknown optimizer '${kind}' (use adam or sgd)`);
    if (!(learningRate > 0 && Number.isFinite(learningRate))) throw invalid(`learning rate must be a positive number, got ${learningRate}`);
    if (!(momentum >= 0 && momentum < 1)) throw invalid(`momentum must be in [0, 1), got ${momentum}`);
    if (nesterov && (kind !== 'sgd' || momentum === 0)) throw invalid('nesterov needs the sgd optimizer with momentum > 0');
    if (!(weightDecay >= 0)) throw invalid(`weight decay must be >= 0, got ${weightDecay}`);
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) throw invalid('adam betas must be in [0, 1)');
    this.kind = kind;
    this.learningRate = learningRate;
    this.options = { momentum, nesterov, beta1, beta2, epsilon, weightDecay };
  }

  /** Copies of the moments, so that restoreState() on a fresh optimizer continues exactly. */
  getState(params: readonly Param[]): OptimizerState {
    const slots = params.map((p) => {
      const s = this.state.get(p.value);
      return s ? { m: Float32Array.from(s.m), v: Float32Array.from(s.v) } : null;
    });
    return { kind: this.kind, step: this.step, slots };
  }

  restoreState(params: readonly Param[], saved: OptimizerState): void {
    if (saved.kind !== this.kind) throw invalid(`the saved optimizer state is ${saved.kind}'s, this optimizer is ${this.kind}`);
    if (saved.slots.length !== params.length) throw invalid(`the saved optimizer state has ${saved.slots.length} parameters, the network ${params.length}`);
    this.state.clear();
    params.forEach((p, i) => {
      const s = saved.slots[i];
      if (!s) return;
      const n = p.value.data.length;
      if (s.m.length !== n || s.v.length !== (this.kind === 'adam' ? n : 0))
        throw invalid(`the saved optimizer state of parameter '${p.name}' does not match its size ${n}`);
      this.state.set(p.value, { m: Float32Array.from(s.m), v: Float32Array.from(s.v) });
    });
    this.step = saved.step;
  }

  /** Applies one update to every parameter from its current gradient. */
  update(params: readonly Param[], learningRate = this.learningRate): void {
    this.prepare(params, learningRate).apply();
  }

  /**
   * Counts one step and describes its update from the gradients the parameters will then
   * hold: apply() carries it out, or, for Adam, a fused training step applies `adam` itself
   * in the same native call that computes the gradients (Network.fusedTrainStep).
   */
  prepare(params: readonly Param[], learningRate = this.learningRate): PendingUpdate {
    this.step++;
    const o = this.options;
    const entries: AdamEntry[] = [];
    const sgd: (() => void)[] = [];
    for (const p of params) {
      const scale = p.learningRateScale ?? 1;
      if (scale === 0) continue;
      const lr = learningRate * scale;
      const n = p.value.data.length;
      let s = this.state.get(p.value);
      if (!s) {
        s = { m: new Float32Array(n), v: this.kind === 'adam' ? new Float32Array(n) : new Float32Array(0) };
        this.state.set(p.value, s);
      }
      if (this.kind === 'adam') entries.push({ param: p.value.data, grad: p.grad.data, m: s.m, v: s.v, lr });
      else {
        const { m } = s, firstStep = this.step === 1;
        sgd.push(() => sgdStep(p.value.data, p.grad.data, m, n, lr, o.momentum, o.weightDecay, o.nesterov, firstStep));
      }
    }
    if (this.kind === 'sgd') return { adam: null, apply: () => sgd.forEach((run) => run()) };
    const adam: AdamUpdate = { entries, beta1: o.beta1, beta2: o.beta2, eps: o.epsilon, weightDecay: o.weightDecay, step: this.step };
    // All parameters in one native call: one wake-up of the thread team per step.
    return { adam, apply: () => entries.length > 0 && adamStepAll(entries, adam.beta1, adam.beta2, adam.eps, adam.weightDecay, adam.step) };
  }
}

/** One counted optimizer step, not yet applied (Optimizer.prepare). */
export interface PendingUpdate {
  /** Adam's update as a native kernel takes it; null for SGD. */
  adam: AdamUpdate | null;
  apply(): void;
}
