import { HourglassError } from '../core/errors.js';
import { sameShape, shapeToString, type Tensor } from '../core/tensor.js';

/**
 * Copies a model file's tensors into a freshly built model's parameters and buffers,
 * requiring an exact match: every expected name present with the architecture's shape, and
 * nothing left over (a file from another architecture fails here, naming the tensor).
 */
export function loadWeightsInto(expected: readonly { name: string; value: Tensor }[], stored: Map<string, Tensor>, source: string): void {
  for (const { name, value } of expected) {
    const t = stored.get(name);
    if (!t) throw new HourglassError('BAD_FILE', `${source}: tensor '${name}' is missing`);
    if (!sameShape(t.shape, value.shape))
      throw new HourglassError('MODEL_MISMATCH', `${source}: tensor '${name}' has shape ${shapeToString(t.shape)}, the architecture needs ${shapeToString(value.shape)}`);
    value.data.set(t.data);
  }
  const known = new Set(expected.map((t) => t.name));
  const unexpected = [...stored.keys()].filter((k) => !known.has(k));
  if (unexpected.length) throw new HourglassError('BAD_FILE', `${source}: unexpected tensors ${unexpected.join(', ')}`);
}
