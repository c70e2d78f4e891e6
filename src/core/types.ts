/**
 * Types shared by the engine (src/core/native) and the layers above it, kept here so that
 * src/core imports nothing from data/, layers/ or higher.
 */

/** Arithmetic of the matrix products in training: float32, or bfloat16 operands with float32 results. */
export type Precision = 'float32' | 'bfloat16';
export const PRECISIONS: readonly Precision[] = ['float32', 'bfloat16'];

/**
 * A per-feature affine map, computed in double (see Scaler.affineForm): 'subtract-divide' is
 * (x - offset) / factor (StandardScaler), 'multiply-add' is x * factor + offset (MinMaxScaler).
 */
export interface AffineForm {
  kind: 'subtract-divide' | 'multiply-add';
  factor: Float64Array;
  offset: Float64Array;
}
