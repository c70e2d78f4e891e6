import path from 'node:path';
import { HourglassError } from '../core/errors.js';
import type { NiftiVolume } from './nifti-volume.js';

/**
 * A label volume (a brain or lesion mask, value > 0 = in) on the voxel grid of `target`: copied
 * when both share a grid, else sampled nearest-neighbour through the two affines (target voxel
 * -> world millimetres -> label voxel), so a mask made on another grid of the same world space
 * (a 1 mm brain mask for a 0.5 mm scan) still lines up. Voxels that fall outside it are out.
 */
export function labelsOnGrid(labels: NiftiVolume, target: NiftiVolume, file: string): Float32Array {
  const out = new Float32Array(target.data.length);
  const same = labels.dims.every((d, a) => d === target.dims[a]) && labels.affine.every((row, r) => row.every((v, c) => Math.abs(v - target.affine[r][c]) < 1e-4));
  if (same) {
    for (let i = 0; i < out.length; i++) out[i] = labels.data[i] > 0 ? 1 : 0;
    return out;
  }
  const inverse = invertAffine(labels.affine, file);
  // target voxel -> label voxel, one 3 x 4 matrix.
  const m = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => inverse[r][0] * target.affine[0][c] + inverse[r][1] * target.affine[1][c] + inverse[r][2] * target.affine[2][c] + (c === 3 ? inverse[r][3] : 0)));
  const [nx, ny, nz] = target.dims;
  const [lx, ly, lz] = labels.dims;
  let at = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, at++) {
        const x = Math.round(m[0][0] * i + m[0][1] * j + m[0][2] * k + m[0][3]);
        const y = Math.round(m[1][0] * i + m[1][1] * j + m[1][2] * k + m[1][3]);
        const z = Math.round(m[2][0] * i + m[2][1] * j + m[2][2] * k + m[2][3]);
        if (x < 0 || y < 0 || z < 0 || x >= lx || y >= ly || z >= lz) continue;
        out[at] = labels.data[x + lx * (y + ly * z)] > 0 ? 1 : 0;
      }
  return out;
}

/** The inverse of a 4 x 4 affine [[R t], [0 1]]: [[R^-1, -R^-1 t], [0 1]]. */
function invertAffine(a: number[][], file: string): number[][] {
  const [[a00, a01, a02], [a10, a11, a12], [a20, a21, a22]] = a;
  const det = a00 * (a11 * a22 - a12 * a21) - a01 * (a10 * a22 - a12 * a20) + a02 * (a10 * a21 - a11 * a20);
  if (!(Math.abs(det) > 1e-12)) throw new HourglassError('BAD_FILE', `${path.basename(file)}: its voxel-to-world affine is singular; the header's qform/sform is corrupt`);
  const r = [
    [(a11 * a22 - a12 * a21) / det, (a02 * a21 - a01 * a22) / det, (a01 * a12 - a02 * a11) / det],
    [(a12 * a20 - a10 * a22) / det, (a00 * a22 - a02 * a20) / det, (a02 * a10 - a00 * a12) / det],
    [(a10 * a21 - a11 * a20) / det, (a01 * a20 - a00 * a21) / det, (a00 * a11 - a01 * a10) / det],
  ];
  const t = [a[0][3], a[1][3], a[2][3]];
  return r.map((row) => [...row, -(row[0] * t[0] + row[1] * t[1] + row[2] * t[2])]);
}
