// `hourglass serve`: every endpoint, in process, on an ephemeral loopback port. Answers are
// compared with the library calls the service wraps (detector.score, model.encode, ...).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tensor } from '../src/core/tensor.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { Codec } from '../src/apps/codec/codec.js';
import { Denoiser } from '../src/apps/denoise/denoiser.js';
import { Autoencoder } from '../src/models/autoencoder.js';
import { parseModelFlags } from '../src/cli/commands/serve.js';
import { blobImages, COLUMNS, machineRows, pngOfImage, startService, writeFixtureModels, type FixtureFiles, type RunningService } from './serve-fixtures.js';

let dir: string;
let files: FixtureFiles;
let running: RunningService;
let table: AnomalyDetector;
let images: AnomalyDetector;

const TOKEN = 'a-token-of-more-than-16-characters';
const auth = { authorization: `Bearer ${TOKEN}` };

async function post(route: string, body: BodyInit | Uint8Array, type: string | null, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(running.url + route, { method: 'POST', body: body as BodyInit, headers: { ...headers, ...(type ? { 'content-type': type } : {}) }, signal: AbortSignal.timeout(20_000) });
}
async function postJson(route: string, body: unknown): Promise<Response> {
  return post(route, JSON.stringify(body), 'application/json');
}
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `value ${i}: ${a[i]} vs ${b[i]}`);
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hourglass-serve-'));
  files = await writeFixtureModels(dir);
  table = await AnomalyDetector.load(files.table);
  images = await AnomalyDetector.load(files.images);
  running = await startService({
    models: { machines: files.table, blobs: files.images, codec: files.codec, denoiser: files.denoiser, ae: files.autoencoder },
    token: TOKEN,
    corsOrigins: ['http://example.test'],
    limits: { rowsPerRequest: 1000, queueRows: 5000 },
    reloadIntervalMs: 0,
  });
});

after(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('health, readiness and model cards', async () => {
  const health = await fetch(`${running.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const ready = (await (await fetch(`${running.url}/readyz`)).json()) as { status: string; models: string[] };
  assert.equal(ready.status, 'ready');
  assert.deepEqual(ready.models, ['machines', 'blobs', 'codec', 'denoiser', 'ae']);
  const { models } = (await (await fetch(`${running.url}/v1/models`, { headers: auth })).json()) as { models: Record<string, unknown>[] };
  const card = models.find((m) => m.name === 'machines')!;
  assert.equal(card.kind, 'detector');
  assert.deepEqual(card.inputShape, [6]);
  assert.deepEqual(card.columns, COLUMNS);
  assert.equal(card.threshold, table.threshold);
  assert.equal((card.training as { epochs: unknown[] }).epochs.length, 20);
  assert.deepEqual(card.operations, ['score', 'reconstruct', 'encode']);
  const blobs = models.find((m) => m.name === 'blobs')!;
  assert.deepEqual(blobs.inputShape, [1, 12, 12]);
  assert.equal(blobs.images, true);
  assert.deepEqual(models.find((m) => m.name === 'codec')!.operations, ['reconstruct', 'encode', 'compress', 'decompress']);
  assert.deepEqual(models.find((m) => m.name === 'denoiser')!.operations, ['reconstruct', 'encode', 'denoise']);
});

test('score: JSON rows (arrays and objects), CSV bodies, threshold override and top columns agree with the detector', async () => {
  const rows = machineRows(5, 9);
  rows[4] = [4, -4, 0, 8, 8, 0];
  const x = tensor([5, 6], Float32Array.from(rows.flat()));
  const expected = table.score(x);
  const answer = (await (await postJson('/v1/models/machines/score?top=2', { rows })).json()) as { threshold: number; rows: { score: number; normalizedScore: number; flag: boolean; top: { column: string; share: number }[] }[] };
  assert.equal(answer.threshold, table.threshold);
  close(answer.rows.map((r) => r.score), expected, 1e-5);
  close(answer.rows.map((r) => r.normalizedScore), table.normalize(expected), 1e-5);
  assert.deepEqual(answer.rows.map((r) => (r.flag ? 1 : 0)), Array.from(table.predict(x)));
  assert.equal(answer.rows[4].flag, true, 'the odd row is flagged');
  for (const r of answer.rows) {
    assert.equal(r.top.length, 2);
    assert.ok(COLUMNS.includes(r.top[0].column) && r.top[0].share >= r.top[1].share);
  }
  const explanation = table.explain(x);
  const map = explanation.map.data.subarray(24, 30);
  assert.equal(answer.rows[4].top[0].column, COLUMNS[map.indexOf(Math.max(...map))]);

  const objects = rows.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])));
  const byName = (await (await postJson('/v1/models/machines/score', { rows: objects, threshold: 0 })).json()) as { threshold: number; rows: { score: number; flag: boolean }[] };
  assert.equal(byName.threshold, 0);
  close(byName.rows.map((r) => r.score), expected, 1e-5);
  assert.ok(byName.rows.every((r) => r.flag), 'threshold 0 flags every row');
  const queryThreshold = (await (await postJson('/v1/models/machines/score?threshold=1e9', { rows })).json()) as { rows: { flag: boolean }[] };
  assert.ok(queryThreshold.rows.every((r) => !r.flag));

  // The same rows as CSV with the columns in another order: matched by name.
  const order = [5, 4, 3, 2, 1, 0];
  const csv = [order.map((i) => COLUMNS[i]).join(','), ...rows.map((r) => order.map((i) => r[i]).join(','))].join('\n') + '\n';
  const fromCsv = (await (await post('/v1/models/machines/score', csv, 'text/csv')).json()) as { rows: { score: number }[] };
  close(fromCsv.rows.map((r) => r.score), expected, 1e-5);
});

test('score: PNG and JPEG bodies and multipart files, with heat maps, agree with the detector', async () => {
  const probe = tensor([2, 1, 12, 12]);
  probe.data.set(blobImages(1, false, 7).data, 0);
  probe.data.set(blobImages(1, true, 8).data, 144);
  const expected = images.score(probe);
  const pngs = [await pngOfImage(probe, 0), await pngOfImage(probe, 1)];
  const one = (await (await post('/v1/models/blobs/score', pngs[1], 'image/png')).json()) as { rows: { score: number; flag: boolean }[] };
  close([one.rows[0].score], [expected[1]], 1e-5);
  assert.equal(one.rows[0].flag, expected[1] > images.threshold);

  const form = new FormData();
  form.append('a', new Blob([pngs[0]], { type: 'image/png' }), 'normal.png');
  form.append('b', new Blob([pngs[1]], { type: 'image/png' }), 'defect.png');
  const multi = (await (await post('/v1/models/blobs/score?heatmap=base64', form, null)).json()) as { rows: { score: number; heatmap: string }[] };
  close(multi.rows.map((r) => r.score), expected, 1e-5);
  for (const r of multi.rows) assert.deepEqual([...Buffer.from(r.heatmap, 'base64').subarray(1, 4)], [...Buffer.from('PNG')]);

  const heat = await post('/v1/models/blobs/score?heatmap=png', pngs[1], 'image/png');
  assert.equal(heat.headers.get('content-type'), 'image/png');
  close([Number(heat.headers.get('x-score'))], [expected[1]], 1e-5);
  assert.ok((await heat.arrayBuffer()).byteLength > 100);
});

test('encode, reconstruct, denoise, compress and decompress agree with the library', async () => {
  const rows = machineRows(3, 11);
  const x = tensor([3, 6], Float32Array.from(rows.flat()));
  const ae = await Autoencoder.load(files.autoencoder);
  const codes = (await (await postJson('/v1/models/ae/encode', { rows })).json()) as { codes: number[][]; latentSize: number };
  assert.equal(codes.latentSize, 2);
  close(codes.codes.flat(), ae.encode(x).data, 1e-5);
  const rec = (await (await postJson('/v1/models/machines/reconstruct', { rows })).json()) as { rows: number[][] };
  close(rec.rows.flat(), table.model.reconstruct(x).data, 1e-5);

  const img = blobImages(1, false, 12);
  const png = await pngOfImage(img, 0);
  const denoiser = await Denoiser.load(files.denoiser);
  const denoised = (await (await post('/v1/models/denoiser/denoise', png, 'image/png')).json()) as { rows: number[][]; shape: number[] };
  assert.deepEqual(denoised.shape, [1, 12, 12]);
  close(denoised.rows[0], denoiser.denoise(img).data, 1e-5);

  const codec = await Codec.load(files.codec);
  const compressed = await post('/v1/models/codec/compress', png, 'image/png');
  assert.equal(compressed.status, 200);
  const bytes = new Uint8Array(await compressed.arrayBuffer());
  assert.deepEqual(bytes, codec.encode(img));
  const back = (await (await post('/v1/models/codec/decompress', bytes, 'application/octet-stream')).json()) as { rows: number[][] };
  close(back.rows[0], codec.decode(bytes).data, 1e-6);
  const asPng = await post('/v1/models/codec/decompress?format=png', bytes, 'application/octet-stream');
  assert.equal(asPng.headers.get('content-type'), 'image/png');
});

test('concurrent requests are micro-batched into fewer native calls, each answer its own', async () => {
  const before = await batchCount();
  const rows = machineRows(48, 21);
  const answers = await Promise.all(rows.map((r) => postJson('/v1/models/machines/score', { rows: [r] }).then((res) => res.json() as Promise<{ rows: { score: number }[] }>)));
  const expected = table.score(tensor([48, 6], Float32Array.from(rows.flat())));
  close(answers.map((a) => a.rows[0].score), expected, 1e-5);
  const calls = (await batchCount()) - before;
  assert.ok(calls < 48, `48 concurrent requests took ${calls} native calls`);
});

async function batchCount(): Promise<number> {
  const text = await (await fetch(`${running.url}/metrics`)).text();
  const m = text.match(/^hourglass_batch_rows_count\{model="machines"\} (\d+)/m);
  return m ? Number(m[1]) : 0;
}

test('metrics expose requests, latency, batch sizes, queue depth and scores', async () => {
  const text = await (await fetch(`${running.url}/metrics`)).text();
  for (const name of ['hourglass_requests_total', 'hourglass_request_duration_seconds_bucket', 'hourglass_batch_rows_bucket', 'hourglass_queue_rows', 'hourglass_normalized_score_bucket', 'hourglass_flagged_total'])
    assert.match(text, new RegExp(`^${name}`, 'm'), name);
  const stats = (await (await fetch(`${running.url}/v1/models/machines/stats`, { headers: auth })).json()) as { scored: number; histogram: { count: number }[]; timeline: unknown[] };
  assert.ok(stats.scored >= 48);
  assert.equal(stats.histogram.reduce((s, b) => s + b.count, 0), stats.scored);
  assert.ok(stats.timeline.length >= 1);
});

test('bad requests get a 4xx JSON error naming the problem, and the service keeps serving', async () => {
  const cases: [Response, number, RegExp][] = [
    [await postJson('/v1/models/nope/score', { rows: [[1]] }), 404, /no model named 'nope'/],
    [await postJson('/v1/models/ae/score', { rows: [[1, 2, 3, 4, 5, 6]] }), 404, /answers \/reconstruct, \/encode, not \/score/],
    [await postJson('/v1/models/machines/score', { rows: [[1, 2, 3]] }), 422, /row 0 has 3 values; this model takes 6 \(temp, pressure/],
    [await postJson('/v1/models/machines/score', { rows: [[1, 2, 3, 4, 5, null]] }), 400, /rows\/0\/5 must be number/],
    [await postJson('/v1/models/machines/score', { rows: [{ temp: 1 }] }), 422, /lacks column 'pressure'/],
    [await postJson('/v1/models/machines/score', { rows: [] }), 400, /must NOT have fewer than 1 items/],
    [await postJson('/v1/models/machines/score', { rows: Array.from({ length: 1001 }, () => [0, 0, 0, 0, 0, 0]) }), 400, /must NOT have more than 1000 items/],
    [await post('/v1/models/machines/score', '{"rows": [[1,2', 'application/json'), 400, /not valid JSON/],
    [await post('/v1/models/machines/score', 'temp,pressure\n1,2\n', 'text/csv'), 422, /2 columns; this model takes 6/],
    [await post('/v1/models/machines/score', 'a,b,c,d,e,f\n1,2,x,4,5,6\n', 'text/csv'), 422, /line 2/],
    [await post('/v1/models/blobs/score', Buffer.from('not an image at all'), 'image/png'), 415, /not a PNG or JPEG image/],
    [await post('/v1/models/machines/score', Buffer.from([0x89, 0x50]), 'image/png'), 415, /table rows of 6 values, not images/],
    [await post('/v1/models/machines/score', 'x', 'application/xml'), 415, /send application\/json/],
    [await postJson('/v1/models/machines/score?top=abc', { rows: [[0, 0, 0, 0, 0, 0]] }), 400, /querystring\/top/],
    [await post('/v1/models/codec/decompress', Buffer.from('garbage!'), 'application/octet-stream'), 422, /not an \.hgc file/],
  ];
  for (const [res, status, pattern] of cases) {
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, status, JSON.stringify(body));
    assert.match(body.error.message, pattern);
  }
  const ok = await postJson('/v1/models/machines/score', { rows: [[0, 0, 0, 0, 0, 0]] });
  assert.equal(ok.status, 200);
});

test('bearer token and CORS', async () => {
  const none = await post('/v1/models/machines/score', JSON.stringify({ rows: [[0, 0, 0, 0, 0, 0]] }), 'application/json', {});
  assert.equal(none.status, 401);
  assert.match(((await none.json()) as { error: { message: string } }).error.message, /bearer token/);
  const wrong = await post('/v1/models/machines/score', JSON.stringify({ rows: [[0, 0, 0, 0, 0, 0]] }), 'application/json', { authorization: 'Bearer wrong' });
  assert.equal(wrong.status, 401);
  assert.equal((await fetch(`${running.url}/healthz`)).status, 200, 'health needs no token');
  const preflight = await fetch(`${running.url}/v1/models`, { method: 'OPTIONS', headers: { origin: 'http://example.test', 'access-control-request-method': 'POST' } });
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://example.test');
  const other = await fetch(`${running.url}/v1/models`, { headers: { ...auth, origin: 'http://elsewhere.test' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});

test('a full queue answers 503 with Retry-After instead of growing', async () => {
  const small = await startService({ models: { machines: files.table }, limits: { queueRows: 10 }, batching: { maxRows: 4096, maxWaitMs: 300 }, reloadIntervalMs: 0 });
  try {
    const rows = machineRows(6, 3);
    const send = () => fetch(`${small.url}/v1/models/machines/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rows }) });
    const answers = await Promise.all([send(), send(), send()]);
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 503, 503]);
    const refused = answers.find((a) => a.status === 503)!;
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /queue holds 6 rows, its limit is 10/);
  } finally {
    await small.close();
  }
});

test('--model flags: NAME=FILE, a bare file named after itself, and clear errors', () => {
  assert.deepEqual(parseModelFlags(['a=x.safetensors', 'dir/fraud.safetensors']), { a: 'x.safetensors', fraud: 'dir/fraud.safetensors' });
  assert.throws(() => parseModelFlags([]), /at least one --model/);
  assert.throws(() => parseModelFlags(['a=x', 'a=y']), /given twice/);
  assert.throws(() => parseModelFlags(['b@d=x']), /must be 1-64 letters/);
  writeFileSync(path.join(dir, 'unused'), '');
});

test('multipart files may not add up past the body limit', async () => {
  const small = await startService({ models: { blobs: files.images }, limits: { bodyBytes: 4096 }, reloadIntervalMs: 0 });
  try {
    const form = new FormData();
    for (let i = 0; i < 3; i++) form.append(`f${i}`, new Blob([new Uint8Array(1500)], { type: 'image/png' }), `f${i}.png`);
    const res = await fetch(`${small.url}/v1/models/blobs/score`, { method: 'POST', body: form });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /add up to more than the service's limit of 4096 bytes/);
  } finally {
    await small.close();
  }
});
