import type { LayerConfig } from './layer.js';
import { Pool2d, pool2dOptionsFromConfig, type Pool2dOptions } from './pool2d.js';

/**
 * Mean over each window, as torch.nn.AvgPool2d with its defaults: floor mode, and padded
 * positions count in the divisor (count_include_pad=True), so every window divides by kh*kw.
 */
export class AvgPool2d extends Pool2d {
  readonly type = 'avg_pool2d';

  constructor(options: Pool2dOptions) {
    super('avg', 'avg_pool2d', options);
  }

  static fromConfig(c: LayerConfig): AvgPool2d {
    return new AvgPool2d(pool2dOptionsFromConfig(c));
  }
}
