import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one service, on a registry of its own (two services in one
 * process, as in the tests, do not share counters). Served as text at GET /metrics.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'hourglass_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'hourglass_request_duration_seconds',
    help: 'Time from request to response, by route',
    labelNames: ['route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly batchRows = new Histogram({
    name: 'hourglass_batch_rows',
    help: 'Rows per native call after micro-batching',
    labelNames: ['model'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    registers: [this.registry],
  });
  readonly queueRows = new Gauge({ name: 'hourglass_queue_rows', help: 'Rows waiting for the engine, by model', labelNames: ['model'], registers: [this.registry] });
  readonly scores = new Histogram({
    name: 'hourglass_normalized_score',
    help: 'Normalised anomaly scores returned (0.5 = a typical normal sample, 1 = above every normal one)',
    labelNames: ['model'],
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1],
    registers: [this.registry],
  });
  readonly flagged = new Counter({ name: 'hourglass_flagged_total', help: 'Rows flagged as anomalies, by model', labelNames: ['model'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'hourglass_rejected_total', help: 'Requests turned away by a full queue, by model', labelNames: ['model'], registers: [this.registry] });
  readonly reloads = new Counter({ name: 'hourglass_model_reloads_total', help: 'Model file changes seen, by result (ok, rejected)', labelNames: ['model', 'result'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'hourglass_' });
  }
}
