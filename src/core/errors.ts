/**
 * The one error class of hourglass. `code` is stable and machine-readable; `message`
 * tells the user what is wrong and, where possible, what to do about it.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'FILE_NOT_FOUND'
  | 'BAD_FILE'
  | 'BAD_DATA'
  | 'MODEL_MISMATCH'
  | 'TRAINING_DIVERGED'
  | 'ABORTED'
  | 'NATIVE'
  /** A model (or part of one) that a format cannot express, e.g. a layer without an ONNX mapping. */
  | 'NOT_EXPORTABLE';

export class HourglassError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'HourglassError';
    this.code = code;
  }
}

export function invalid(message: string): HourglassError {
  return new HourglassError('INVALID_ARGUMENT', message);
}

export function shapeMismatch(message: string): HourglassError {
  return new HourglassError('SHAPE_MISMATCH', message);
}
