import type { NiftiVolume } from './nifti-volume.js';

/** A volume whose array axes are (R, A, S): index i grows toward the patient's right, j anterior, k superior. */
export interface RasVolume {
  dims: [number, number, number];
  /** i fastest, then j, then k. */
  data: Float32Array;
  /** For each RAS axis, the file's voxel axis it came from and whether it was flipped. */
  fromVoxelAxes: { axis: number; flipped: boolean }[];
  /** True when the affine was too oblique to assign axes (two voxel axes pointing the same way): the voxel axes are kept. */
  voxelAxesKept: boolean;
}

/**
 * Reorders a volume to the closest RAS+ orientation (as nibabel's as_closest_canonical): each
 * voxel axis goes to the world axis its affine column points along most, flipped when it
 * points the negative way. Only axes are permuted and flipped, nothing is resampled, so slices
 * stay the scanner's own voxels; an axial slice is then a plane of constant k, whatever order
 * the file stored its axes in.
 */
export function toRas(volume: NiftiVolume): RasVolume {
  const [nx, ny, nz] = volume.dims;
  const world = [0, 1, 2].map((a) => {
    const column = [0, 1, 2].map((w) => volume.affine[w][a]);
    let best = 0;
    for (let w = 1; w < 3; w++) if (Math.abs(column[w]) > Math.abs(column[best])) best = w;
    return { world: best, flipped: column[best] < 0 };
  });
  const keep = new Set(world.map((w) => w.world)).size !== 3 || world.some((w, a) => volume.affine[w.world][a] === 0);
  const fromVoxelAxes = [0, 1, 2].map((w) => {
    if (keep) return { axis: w, flipped: false };
    const a = world.findIndex((x) => x.world === w);
    return { axis: a, flipped: world[a].flipped };
  });
  // Stored as RAS already (most templates and many scanners' exports): nothing to move.
  if (fromVoxelAxes.every((f, w) => f.axis === w && !f.flipped)) return { dims: [nx, ny, nz], data: volume.data, fromVoxelAxes, voxelAxesKept: keep };
  const inDims = [nx, ny, nz];
  const dims = fromVoxelAxes.map((f) => inDims[f.axis]) as [number, number, number];
  const strides = [1, nx, nx * ny];
  const data = new Float32Array(volume.data.length);
  const [s0, s1, s2] = fromVoxelAxes.map((f) => strides[f.axis]);
  const [f0, f1, f2] = fromVoxelAxes.map((f) => f.flipped);
  let at = 0;
  for (let k = 0; k < dims[2]; k++) {
    const base2 = (f2 ? dims[2] - 1 - k : k) * s2;
    for (let j = 0; j < dims[1]; j++) {
      const base1 = base2 + (f1 ? dims[1] - 1 - j : j) * s1;
      for (let i = 0; i < dims[0]; i++) data[at++] = volume.data[base1 + (f0 ? dims[0] - 1 - i : i) * s0];
    }
  }
  return { dims, data, fromVoxelAxes, voxelAxesKept: keep };
}
