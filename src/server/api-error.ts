import { HourglassError } from '../core/errors.js';

/** An error answered as JSON `{ error: { code, message } }` with an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'BAD_REQUEST', message);
export const unprocessable = (message: string): ApiError => new ApiError(422, 'BAD_DATA', message);
export const unsupportedMedia = (message: string): ApiError => new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', message);

/**
 * The status and body of any error a route throws. Errors hourglass raises about the data
 * (wrong column count, NaN, not an image) are the client's: 422 with hourglass's own code
 * and message. Fastify's own (malformed JSON, schema, body too large, timeout) keep their
 * status. Anything else is a bug of the service: 500, with a message that leaks nothing.
 */
export function errorResponse(e: unknown): { status: number; body: { error: { code: string; message: string } } } {
  if (e instanceof ApiError) return { status: e.status, body: { error: { code: e.code, message: e.message } } };
  if (e instanceof HourglassError) return { status: e.code === 'NATIVE' ? 500 : 422, body: { error: { code: e.code, message: e.message } } };
  const fe = e as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    let message = fe.message ?? 'bad request';
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the request body is larger than the service's limit (--max-body-bytes); send fewer rows per request`;
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = `${message}; send application/json ({"rows": [[...]]}), text/csv, image/png, image/jpeg or multipart/form-data`;
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (e instanceof SyntaxError)) message = `the body is not valid JSON: ${fe.message}`;
    return { status: fe.statusCode, body: { error: { code: fe.code ?? (fe.validation ? 'BAD_REQUEST' : 'BAD_REQUEST'), message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'the service failed on this request; it keeps serving, and the failure is in its log' } } };
}
