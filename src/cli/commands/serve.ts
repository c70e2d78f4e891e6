import { readFile } from 'node:fs/promises';
import { invalid } from '../../core/errors.js';
import { opt, type Command } from '../command.js';
import { createService } from '../../server/service.js';
import { DEFAULT_BATCHING, DEFAULT_LIMITS, DEFAULT_RELOAD_INTERVAL_MS } from '../../server/service-options.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `--model NAME=FILE`, or a bare FILE named after itself (fraud.safetensors -> fraud). */
export function parseModelFlags(values: readonly string[]): Record<string, string> {
  if (values.length === 0) throw invalid("'hourglass serve' needs at least one --model NAME=FILE");
  const models: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const name = eq > 0 ? value.slice(0, eq) : (value.split('/').pop() ?? value).replace(/\.[^.]*$/, '');
    const file = eq > 0 ? value.slice(eq + 1) : value;
    if (!NAME.test(name)) throw invalid(`--model ${value}: the name '${name}' must be 1-64 letters, digits, '.', '_' or '-' (it is part of the URL /v1/models/NAME/...)`);
    if (file === '') throw invalid(`--model ${value}: give the model file after '=', e.g. --model ${name}=model.safetensors`);
    if (name in models) throw invalid(`--model: the name '${name}' is given twice; each model needs its own name`);
    models[name] = file;
  }
  return models;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve models over HTTP: scoring, reconstruction, codes, denoising, compression, with a live dashboard at /',
  options: [
    { name: 'model', type: 'strings', description: 'NAME=FILE, a model file served as /v1/models/NAME (repeat for more models)', required: true },
    { name: 'port', type: 'number', description: 'TCP port (0 picks a free one)', default: 8080, integer: true, min: 0, max: 65535 },
    { name: 'host', type: 'string', description: 'address to listen on (0.0.0.0 for every interface)', default: '127.0.0.1' },
    { name: 'token-file', type: 'string', description: 'file holding a bearer token that /v1 requests must send (Authorization: Bearer ...)' },
    { name: 'cors', type: 'string', description: "origins allowed to call the API from a browser, comma-separated, or '*' (default: none)" },
    { name: 'max-body-bytes', type: 'number', description: 'largest request body', default: DEFAULT_LIMITS.bodyBytes, integer: true, min: 1024, max: 2 ** 31 - 1 },
    { name: 'max-rows', type: 'number', description: 'most rows or images in one request', default: DEFAULT_LIMITS.rowsPerRequest, integer: true, min: 1, max: 1 << 24 },
    { name: 'max-pixels', type: 'number', description: 'largest image accepted, width x height', default: DEFAULT_LIMITS.imagePixels, integer: true, min: 1, max: 2 ** 31 - 1 },
    { name: 'request-timeout', type: 'number', description: 'milliseconds a client has to send its whole request', default: DEFAULT_LIMITS.requestTimeoutMs, integer: true, min: 100, max: 3_600_000 },
    { name: 'queue-rows', type: 'number', description: 'rows waiting per model above which requests get 503 with Retry-After', default: DEFAULT_LIMITS.queueRows, integer: true, min: 1, max: 1 << 26 },
    { name: 'batch-rows', type: 'number', description: 'largest micro-batch given to the engine, in rows', default: DEFAULT_BATCHING.maxRows, integer: true, min: 1, max: 1 << 20 },
    { name: 'batch-wait', type: 'number', description: 'milliseconds a request waits for others to share its batch', default: DEFAULT_BATCHING.maxWaitMs, min: 0, max: 1000 },
    { name: 'reload-interval', type: 'number', description: 'milliseconds between checks of the model files for changes (0: no hot reload)', default: DEFAULT_RELOAD_INTERVAL_MS, integer: true, min: 0, max: 3_600_000 },
    { name: 'log-level', type: 'string', description: 'fatal, error, warn, info, debug or silent (JSON lines on stdout)', default: 'info' },
  ],
  async run(o) {
    const models = parseModelFlags(opt.strings(o, 'model'));
    const level = opt.string(o, 'log-level') as string;
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw invalid(`--log-level must be fatal, error, warn, info, debug, trace or silent, got '${level}'`);
    let token: string | null = null;
    const tokenFile = opt.string(o, 'token-file');
    if (tokenFile !== undefined) {
      token = (await readFile(tokenFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw invalid(`--token-file ${tokenFile}: cannot read it (${e.code ?? e.message})`);
      })).trim();
      if (token.length < 16) throw invalid(`--token-file ${tokenFile} holds a token of ${token.length} characters; use at least 16 (e.g. openssl rand -hex 32)`);
    }
    const cors = opt.string(o, 'cors');
    const service = await createService({
      models,
      token,
      corsOrigins: cors ? cors.split(',').map((s) => s.trim()).filter(Boolean) : [],
      limits: {
        bodyBytes: opt.number(o, 'max-body-bytes'),
        rowsPerRequest: opt.number(o, 'max-rows'),
        imagePixels: opt.number(o, 'max-pixels'),
        requestTimeoutMs: opt.number(o, 'request-timeout'),
        queueRows: opt.number(o, 'queue-rows'),
      },
      batching: { maxRows: opt.number(o, 'batch-rows'), maxWaitMs: opt.number(o, 'batch-wait') },
      reloadIntervalMs: opt.number(o, 'reload-interval'),
      logLevel: level,
    });
    const address = await service.listen(opt.number(o, 'port') as number, opt.string(o, 'host') as string);
    service.app.log.info({ url: address.url, models: Object.keys(models) }, 'listening');
    // One plain line on stderr whatever the log level, for people and scripts waiting for the port.
    process.stderr.write(`hourglass serve: listening on ${address.url} (dashboard at ${address.url}/)\n`);
    // Runs until SIGTERM or SIGINT: stop accepting, answer the requests in flight, exit 0.
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        service.app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
        void service.close().then(resolve, (e) => {
          service.app.log.error({ err: e }, 'shutdown failed');
          process.exitCode = 1;
          resolve();
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    service.app.log.info('stopped');
    process.exit();
  },
};
