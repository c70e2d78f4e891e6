import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tensor, type Tensor } from '../core/tensor.js';
import { errorHeatmap } from '../apps/anomaly/anomaly-report.js';
import { ApiError, badRequest, unprocessable, unsupportedMedia } from './api-error.js';
import type { LoadedModel, ModelRegistry, RowExplanation, RowScore } from './model-registry.js';
import { pngOf, samplesOf, type JsonRows, type RequestPart } from './request-input.js';
import { inputShapeOf, type Operation } from './served-model.js';
import type { ScoreHistory } from './score-history.js';
import type { ServiceMetrics } from './service-metrics.js';
import type { ServiceLimits } from './service-options.js';

interface RouteContext {
  registry: ModelRegistry;
  metrics: ServiceMetrics;
  histories: Map<string, ScoreHistory>;
  limits: ServiceLimits;
}

interface ModelParams {
  name: string;
}

interface ScoreQuery {
  threshold?: string;
  top?: string;
  heatmap?: 'none' | 'base64' | 'png';
}

interface OutputQuery {
  format?: 'json' | 'png' | 'base64';
}

const NUMBER = '^[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?$';

/** JSON bodies are checked by schema before any handler runs; other media types are read by the handlers. */
function jsonBodySchema(limits: ServiceLimits) {
  return {
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['rows'],
          additionalProperties: false,
          properties: {
            rows: {
              type: 'array',
              minItems: 1,
              maxItems: limits.rowsPerRequest,
              items: { anyOf: [{ type: 'array', items: { type: 'number' } }, { type: 'object', additionalProperties: { type: 'number' } }] },
            },
            threshold: { type: 'number' },
          },
        },
      },
    },
  };
}

const scoreQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    threshold: { type: 'string', pattern: NUMBER },
    top: { type: 'string', pattern: '^\\d{1,4}$' },
    heatmap: { type: 'string', enum: ['none', 'base64', 'png'] },
  },
};
const outputQuerySchema = { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'png', 'base64'] } } };

/** The POST /v1/models/{name}/... routes, GET /v1/models and the per-model live statistics. */
export function registerModelRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry, limits } = ctx;
  const paramsSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 200 } } };

  app.get('/v1/models', async () => ({ models: registry.cards() }));
  app.get<{ Params: ModelParams }>('/v1/models/:name', { schema: { params: paramsSchema } }, async (request) => loadedOrThrow(registry, request.params.name).card);
  app.get<{ Params: ModelParams }>('/v1/models/:name/stats', { schema: { params: paramsSchema } }, async (request) => {
    const name = request.params.name;
    loadedOrThrow(registry, name);
    return ctx.histories.get(name)!.snapshot();
  });

  app.post<{ Params: ModelParams; Querystring: ScoreQuery; Body: unknown }>(
    '/v1/models/:name/score',
    { schema: { params: paramsSchema, querystring: scoreQuerySchema, body: jsonBodySchema(limits) } },
    async (request, reply) => {
      const name = request.params.name;
      const loaded = forOperation(registry, name, 'score');
      const detector = loaded.model.kind === 'detector' ? loaded.model : null;
      if (!detector) throw new ApiError(404, 'NOT_SUPPORTED', `model '${name}' is a ${loaded.model.kind}; it does not score`);
      const x = await samplesFor(request, loaded, limits);
      const images = detector.imageShape !== null;
      const bodyThreshold = typeof (request.body as { threshold?: unknown })?.threshold === 'number' ? ((request.body as { threshold: number }).threshold) : undefined;
      const threshold = request.query.threshold !== undefined ? Number(request.query.threshold) : bodyThreshold ?? detector.threshold;
      const top = request.query.top !== undefined ? Number(request.query.top) : 0;
      const heatmap = request.query.heatmap ?? 'none';
      if (top > 0 && images) throw badRequest('top names contributing columns of table rows; for images ask for heatmap=base64 or heatmap=png');
      if (heatmap !== 'none' && !images) throw badRequest('heatmap draws images; for table rows ask for top=N contributing columns');
      if (heatmap === 'png' && x.shape[0] !== 1) throw badRequest(`heatmap=png answers one image with one PNG; this request holds ${x.shape[0]}: use heatmap=base64`);
      const explained = top > 0 || heatmap !== 'none';
      const results: (RowScore | RowExplanation)[] = explained ? await loaded.explain!.submit(x) : await loaded.score!.submit(x);

      const history = ctx.histories.get(name)!;
      const columns = detector.columns;
      const per = x.data.length / x.shape[0];
      const rows = await Promise.all(
        results.map(async (r, i) => {
          const flag = r.score > threshold;
          history.record(r.normalized, flag);
          ctx.metrics.scores.observe({ model: name }, r.normalized);
          if (flag) ctx.metrics.flagged.inc({ model: name });
          const row: Record<string, unknown> = { score: r.score, normalizedScore: r.normalized, flag };
          if (top > 0) row.top = topColumns((r as RowExplanation).map, Math.min(top, per), columns);
          if (heatmap === 'base64') row.heatmap = (await heatmapPng(x, i, (r as RowExplanation).map)).toString('base64');
          return row;
        }),
      );
      if (heatmap === 'png') {
        const r = results[0] as RowExplanation;
        return reply
          .type('image/png')
          .header('x-score', String(r.score))
          .header('x-normalized-score', String(r.normalized))
          .header('x-flag', String(r.score > threshold))
          .send(await heatmapPng(x, 0, r.map));
      }
      return { model: name, threshold, rows };
    },
  );

  for (const op of ['reconstruct', 'encode', 'denoise'] as const) {
    app.post<{ Params: ModelParams; Querystring: OutputQuery; Body: unknown }>(
      `/v1/models/:name/${op}`,
      { schema: { params: paramsSchema, querystring: outputQuerySchema, body: jsonBodySchema(limits) } },
      async (request, reply) => {
        const name = request.params.name;
        const loaded = forOperation(registry, name, op);
        const x = await samplesFor(request, loaded, limits);
        if (op === 'encode') {
          const codes = await loaded.encode!.submit(x);
          return { model: name, latentSize: codes[0].length, codes: codes.map((c) => Array.from(c)) };
        }
        let outputs: Float32Array[];
        if (op === 'reconstruct') outputs = await loaded.reconstruct!.submit(x);
        else {
          // Denoising works image by image on any size and is not batched across requests.
          if (loaded.model.kind !== 'denoiser') throw new ApiError(404, 'NOT_SUPPORTED', `model '${name}' does not denoise`);
          const out = loaded.model.denoise(x);
          const per = out.data.length / out.shape[0];
          outputs = Array.from({ length: out.shape[0] }, (_, i) => out.data.slice(i * per, (i + 1) * per));
        }
        return answerSamples(reply, name, outputs, x.shape.slice(1), request.query.format ?? 'json');
      },
    );
  }

  app.post<{ Params: ModelParams; Body: unknown }>('/v1/models/:name/compress', { schema: { params: paramsSchema, body: jsonBodySchema(limits) } }, async (request, reply) => {
    const name = request.params.name;
    const loaded = forOperation(registry, name, 'compress');
    if (loaded.model.kind !== 'codec') throw new ApiError(404, 'NOT_SUPPORTED', `model '${name}' does not compress`);
    const x = await samplesFor(request, loaded, limits);
    const bytes = loaded.model.encode(x);
    return reply.type('application/octet-stream').header('x-samples', String(x.shape[0])).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  app.post<{ Params: ModelParams; Querystring: OutputQuery; Body: unknown }>(
    '/v1/models/:name/decompress',
    { schema: { params: paramsSchema, querystring: outputQuerySchema } },
    async (request, reply) => {
      const name = request.params.name;
      const loaded = forOperation(registry, name, 'decompress');
      if (loaded.model.kind !== 'codec') throw new ApiError(404, 'NOT_SUPPORTED', `model '${name}' does not decompress`);
      if (!Buffer.isBuffer(request.body)) throw unsupportedMedia('decompress takes the bytes compress returned, as application/octet-stream');
      const x = loaded.model.decode(new Uint8Array(request.body), 'the request body');
      const per = x.data.length / x.shape[0];
      const outputs = Array.from({ length: x.shape[0] }, (_, i) => x.data.slice(i * per, (i + 1) * per));
      return answerSamples(reply, name, outputs, x.shape.slice(1), request.query.format ?? 'json');
    },
  );
}

function loadedOrThrow(registry: ModelRegistry, name: string): LoadedModel {
  const loaded = registry.get(name);
  if (!loaded) throw new ApiError(404, 'NO_SUCH_MODEL', `no model named '${name}'; the models are ${registry.names().map((n) => `'${n}'`).join(', ')}`);
  return loaded;
}

function forOperation(registry: ModelRegistry, name: string, op: Operation): LoadedModel {
  const loaded = loadedOrThrow(registry, name);
  if (!loaded.card.operations.includes(op))
    throw new ApiError(404, 'NOT_SUPPORTED', `model '${name}' is a ${loaded.model.kind}; it answers ${loaded.card.operations.map((o) => `/${o}`).join(', ') || 'no operation'}, not /${op}`);
  return loaded;
}

/** The request's samples for a model: JSON rows, a CSV body, one image body, or multipart files (images or CSVs). */
async function samplesFor(request: FastifyRequest, loaded: LoadedModel, limits: ServiceLimits): Promise<Tensor> {
  const shape = inputShapeOf(loaded.model);
  if (!shape) throw unprocessable('this model takes no input');
  const columns = loaded.model.kind === 'detector' ? loaded.model.columns : null;
  return samplesOf(await partsOf(request, limits), shape, columns, limits);
}

async function partsOf(request: FastifyRequest, limits: ServiceLimits): Promise<RequestPart[]> {
  if (request.isMultipart()) {
    const parts: RequestPart[] = [];
    // The plugin bounds each file; the sum is bounded here, so many files cannot add up past the body limit.
    let total = 0;
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        total += bytes.length;
        if (total > limits.bodyBytes) throw new ApiError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', `the files of this request add up to more than the service's limit of ${limits.bodyBytes} bytes (--max-body-bytes); send fewer per request`);
        const source = `file '${part.filename}'`;
        if (part.mimetype.startsWith('text/') || part.filename.toLowerCase().endsWith('.csv')) parts.push({ kind: 'csv', text: bytes.toString('utf8'), source });
        else parts.push({ kind: 'image', bytes, source });
      } else if (part.fieldname === 'rows') {
        let rows: unknown;
        try {
          rows = JSON.parse(String(part.value));
        } catch (e) {
          throw badRequest(`field 'rows' is not valid JSON: ${(e as Error).message}`);
        }
        if (!Array.isArray(rows)) throw badRequest(`field 'rows' must be a JSON array of rows`);
        parts.push({ kind: 'json', rows: rows as JsonRows });
      }
    }
    return parts;
  }
  const body = request.body;
  if (typeof body === 'string') return [{ kind: 'csv', text: body, source: 'the CSV body' }];
  if (Buffer.isBuffer(body)) return [{ kind: 'image', bytes: body, source: 'the image body' }];
  if (body && typeof body === 'object' && Array.isArray((body as { rows?: unknown }).rows)) return [{ kind: 'json', rows: (body as { rows: JsonRows }).rows }];
  throw unsupportedMedia('send the samples as application/json {"rows": [[...]]}, text/csv, image/png, image/jpeg or multipart/form-data');
}

function topColumns(map: Float32Array, count: number, columns: string[] | null): { column: string; share: number }[] {
  let total = 0;
  for (const v of map) total += v;
  const order = Array.from(map.keys()).sort((a, b) => map[b] - map[a]).slice(0, count);
  return order.map((j) => ({ column: columns ? columns[j] : `col_${j + 1}`, share: total > 0 ? map[j] / total : 0 }));
}

async function heatmapPng(x: Tensor, i: number, map: Float32Array): Promise<Buffer> {
  const shape = x.shape.slice(1);
  const per = map.length;
  const image = tensor([1, ...shape], x.data.slice(i * per, (i + 1) * per));
  return errorHeatmap(image, tensor([1, ...shape], map), 0);
}

async function answerSamples(reply: import('fastify').FastifyReply, name: string, outputs: Float32Array[], shape: number[], format: 'json' | 'png' | 'base64') {
  const images = shape.length === 3;
  if (format !== 'json' && !images) throw badRequest(`format=${format} draws images; this model's samples are rows of ${shape[0]} values`);
  if (format === 'png') {
    if (outputs.length !== 1) throw badRequest(`format=png answers one image with one PNG; this request holds ${outputs.length}: use format=base64`);
    return reply.type('image/png').send(await pngOf(outputs[0], shape));
  }
  if (format === 'base64') return { model: name, shape, images: await Promise.all(outputs.map(async (o) => (await pngOf(o, shape)).toString('base64'))) };
  return { model: name, shape, rows: outputs.map((o) => Array.from(o)) };
}
