import type { Autoencoder } from '../models/autoencoder.js';
import type { Layer } from '../layers/layer.js';
import type { Shape } from '../core/tensor.js';

/** A compact architecture summary: one line per stage with shapes, plus the parameter count. */
export function describeModel(model: Autoencoder): string {
  const stage = (layers: readonly Layer[], shapes: readonly Shape[]) =>
    layers.map((l, i) => `${l.type}->[${shapes[i].join('x')}]`).join(' ');
  const count = model.params().reduce((s, p) => s + p.value.data.length, 0);
  return [
    `  input   [${model.inputShape.join('x')}]`,
    `  encoder ${stage(model.encoder.layers, model.encoder.shapes)}`,
    `  decoder ${stage(model.decoder.layers, model.decoder.shapes)}`,
    `  ${count.toLocaleString('en-US')} parameters, bottleneck ${model.latentSize}`,
  ].join('\n');
}
