import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import { timingSafeEqual, createHash } from 'node:crypto';
import { packageVersion } from '../core/version.js';
import { errorResponse, ApiError } from './api-error.js';
import { ModelRegistry } from './model-registry.js';
import { ServiceMetrics } from './service-metrics.js';
import { ScoreHistory } from './score-history.js';
import { DEFAULT_BATCHING, DEFAULT_LIMITS, DEFAULT_RELOAD_INTERVAL_MS, type ServiceLimits, type ServiceOptions } from './service-options.js';
import { registerModelRoutes } from './model-routes.js';
import { registerDashboard } from './dashboard-routes.js';
import { QueueFullError } from './micro-batcher.js';

export interface Service {
  app: FastifyInstance;
  registry: ModelRegistry;
  metrics: ServiceMetrics;
  limits: ServiceLimits;
  /** Starts listening; resolves to the address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<{ port: number; host: string; url: string }>;
  /** Stops accepting connections, lets requests in flight finish, stops watching files. */
  close(): Promise<void>;
}

/**
 * Builds the HTTP service: loads every model (a model that does not load stops the start
 * with its error), registers the routes and hooks. Nothing listens until `listen`.
 */
export async function createService(options: ServiceOptions): Promise<Service> {
  const limits: ServiceLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const batching = { ...DEFAULT_BATCHING, ...options.batching };
  const metrics = new ServiceMetrics();
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel ?? 'info', ...(options.logStream ? { stream: options.logStream } : {}) },
    bodyLimit: limits.bodyBytes,
    // The time a client has to send its whole request: a client trickling bytes is answered 408 and cut off.
    requestTimeout: limits.requestTimeoutMs,
    // Node checks the request timeout on this period (default 30 s), so a short timeout needs a shorter period.
    http: { connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(limits.requestTimeoutMs / 4))), headersTimeout: limits.requestTimeoutMs },
    keepAliveTimeout: 5000,
    // On close, idle keep-alive connections are closed at once and requests in flight are answered.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // No coercion: a null in a row must be an error, not a silent 0.
    ajv: { customOptions: { coerceTypes: false, allErrors: false } },
    // Bodies are read into typed arrays and never merged into other objects, so a "__proto__"
    // key is harmless here; skipping secure-json-parse's scan of every body for it saves about
    // a quarter of the time spent on a 64-row request.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  const registry = new ModelRegistry(batching, limits, metrics, app.log);
  for (const [name, file] of Object.entries(options.models)) await registry.add(name, file);
  const histories = new Map<string, ScoreHistory>(registry.names().map((n) => [n, new ScoreHistory()]));

  if (options.corsOrigins && options.corsOrigins.length > 0) {
    const any = options.corsOrigins.includes('*');
    await app.register(cors, { origin: any ? true : [...options.corsOrigins], methods: ['GET', 'POST'], allowedHeaders: ['Authorization', 'Content-Type'] });
  }
  await app.register(multipart, { limits: { fileSize: limits.bodyBytes, files: limits.rowsPerRequest, fields: 16, parts: limits.rowsPerRequest + 16 } });
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: limits.bodyBytes }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(['image/png', 'image/jpeg', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: limits.bodyBytes }, (_req, body, done) => done(null, body));

  const token = options.token ? createHash('sha256').update(options.token).digest() : null;
  app.addHook('onRequest', async (request) => {
    (request as FastifyRequest & { startedAt: bigint }).startedAt = process.hrtime.bigint();
    if (token && request.url.startsWith('/v1/')) {
      const header = request.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? createHash('sha256').update(header.slice(7)).digest() : null;
      if (!given || !timingSafeEqual(given, token)) throw new ApiError(401, 'UNAUTHORIZED', 'this service needs a bearer token: send Authorization: Bearer <token>');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    const started = (request as FastifyRequest & { startedAt?: bigint }).startedAt;
    metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    if (started !== undefined) metrics.latency.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorResponse(error);
    if (error instanceof QueueFullError) {
      const model = (request.params as { name?: string }).name ?? '';
      metrics.rejected.inc({ model });
      return reply.code(503).header('retry-after', '1').send({ error: { code: 'OVERLOADED', message: error.message } });
    }
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    else request.log.info({ status, code: body.error.code, url: request.url, message: body.error.message }, 'request refused');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}; the API is under /v1 (GET /v1/models lists the models)` } });
  });

  let closing = false;
  app.get('/healthz', async () => ({ status: 'ok', version: packageVersion() }));
  app.get('/readyz', async (_request, reply) => {
    if (closing) return reply.code(503).send({ status: 'closing' });
    return { status: 'ready', models: registry.names(), queuedRows: registry.queuedRows() };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  registerModelRoutes(app, { registry, metrics, histories, limits });
  await registerDashboard(app);

  registry.watch(options.reloadIntervalMs ?? DEFAULT_RELOAD_INTERVAL_MS);
  return {
    app,
    registry,
    metrics,
    limits,
    async listen(port, host) {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      return { port: actual, host, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` };
    },
    async close() {
      closing = true;
      registry.stop();
      await app.close();
    },
  };
}

export type { FastifyReply };
