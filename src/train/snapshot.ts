import type { Network } from './network.js';

/** A copy of every parameter and buffer, to restore the best or the last good weights. */
export type WeightSnapshot = Float32Array[];

export function snapshotWeights(net: Network, reuse?: WeightSnapshot): WeightSnapshot {
  const tensors = [...net.params().map((p) => p.value), ...net.buffers().map((b) => b.value)];
  return tensors.map((t, i) => {
    const copy = reuse?.[i]?.length === t.data.length ? reuse[i] : new Float32Array(t.data.length);
    copy.set(t.data);
    return copy;
  });
}

export function restoreWeights(net: Network, snapshot: WeightSnapshot): void {
  const tensors = [...net.params().map((p) => p.value), ...net.buffers().map((b) => b.value)];
  tensors.forEach((t, i) => t.data.set(snapshot[i]));
}

export function weightsAreFinite(net: Network): boolean {
  for (const p of net.params()) for (const v of p.value.data) if (!Number.isFinite(v)) return false;
  return true;
}
