import type { Tensor } from '../core/tensor.js';
import type { PatchLayout } from './patches.js';

/**
 * Images as every command receives them, whatever they were read from: a folder or glob of
 * PNG/JPEG/WebP/TIFF files, an MVTec-style layout, or the 2-D slices of a NIfTI volume.
 * Readers fill what their source knows and leave the rest null; the detector's pixel metrics
 * and reports read `masks`, `foreground`, `groups` and `paths` from here and nowhere else.
 */
export interface ImageSet {
  /** N x C x H x W, values in [0, 1]. */
  x: Tensor;
  /**
   * One name per image, relative to the input root (a folder: 'test/scratch/003.png'; a
   * volume: 'ch2better.nii.gz#axial/071'), so every per-image output joins back to its file.
   */
  paths: string[];
  /** 0 = normal, 1 = anomalous, when the layout says so (MVTec test/, normal/ + anomalous/); else null. */
  labels: Uint8Array | null;
  /** A group per image: the defect type ('good', 'scratch', ...) or the class sub-folder; null when the layout has none. */
  groups: string[] | null;
  /** Ground-truth anomaly masks, N x 1 x H x W of 0/1 at the images' resolution (zero for normal images); null when none were given. */
  masks: Tensor | null;
  /** Pixels that count in pixel metrics (a brain mask), N x 1 x H x W of 0/1; null means every pixel counts. */
  foreground: Tensor | null;
  /**
   * Set when the images were cut into patches (--patch, --stride): the samples a model sees are
   * extractPatches(x, patches) of data/patches.ts, and per-patch maps or scores come back to
   * x's resolution through stitchPatches / stitchPatchScores. Absent or null: whole images.
   */
  patches?: PatchLayout | null;
}
