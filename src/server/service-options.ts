/**
 * What `hourglass serve` can be told: the models, where to listen, and the limits that keep
 * one client from taking the process down. Every limit has a default sized for a small
 * machine; the CLI exposes each one as a flag.
 */
export interface ServiceLimits {
  /** Largest request body in bytes (JSON, CSV, image or multipart). */
  bodyBytes: number;
  /** Most rows (or images) one request may carry. */
  rowsPerRequest: number;
  /** Largest image accepted, width x height. */
  imagePixels: number;
  /** Milliseconds a client has to send a whole request; a client trickling bytes is cut off after it. */
  requestTimeoutMs: number;
  /** Rows waiting for the engine, per model, above which requests are turned away with 503. */
  queueRows: number;
}

export interface BatchingOptions {
  /** Largest batch given to one native call, in rows. */
  maxRows: number;
  /** How long the first request of a batch waits for others, in milliseconds. */
  maxWaitMs: number;
}

export interface ServiceOptions {
  /** name -> model file. */
  models: Record<string, string>;
  limits?: Partial<ServiceLimits>;
  batching?: Partial<BatchingOptions>;
  /** Bearer token required on /v1 (not on /healthz, /readyz, /metrics and the dashboard's files); null for none. */
  token?: string | null;
  /** Origins allowed by CORS: [] (default) sends no CORS headers, ['*'] allows any. */
  corsOrigins?: readonly string[];
  /** Milliseconds between checks of the model files for a change (hot reload); 0 turns reloading off. */
  reloadIntervalMs?: number;
  /** pino log level; 'silent' for none. */
  logLevel?: string;
  /** Where logs go (default stdout). */
  logStream?: NodeJS.WritableStream;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  bodyBytes: 16 * 1024 * 1024,
  rowsPerRequest: 10_000,
  imagePixels: 4_000_000,
  requestTimeoutMs: 30_000,
  queueRows: 100_000,
};

export const DEFAULT_BATCHING: BatchingOptions = { maxRows: 4096, maxWaitMs: 2 };

export const DEFAULT_RELOAD_INTERVAL_MS = 1000;
