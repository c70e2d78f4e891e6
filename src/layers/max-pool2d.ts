import type { LayerConfig } from './layer.js';
import { Pool2d, pool2dOptionsFromConfig, type Pool2dOptions } from './pool2d.js';

/** Max over each window, as torch.nn.MaxPool2d (floor mode; padding counts as -infinity). */
export class MaxPool2d extends Pool2d {
  readonly type = 'max_pool2d';

  constructor(options: Pool2dOptions) {
    super('max', 'max_pool2d', options);
  }

  static fromConfig(c: LayerConfig): MaxPool2d {
    return new MaxPool2d(pool2dOptionsFromConfig(c));
  }
}
