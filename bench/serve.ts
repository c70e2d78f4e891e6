// `npm run bench -- serve`: `hourglass serve` under load against the reference a Python team
// would deploy, FastAPI + uvicorn + PyTorch (bench/serve_torch.py) serving the same weights,
// with the same payloads and the same concurrency, in the same run, on loopback only.
//
// Two detectors: a table detector (64 rows of 32 columns per request, JSON) and a
// convolutional Fashion-MNIST detector (one 28x28 PNG per request). autocannon drives 64
// connections. Rounds are paired and interleaved (ours, reference, reference, ours, ...), and
// the table gives the median per-round ratio with its range: the machine is shared, so single
// rounds drift. The servers run as child processes; their RSS is read from /proc every 250 ms.
//
// Knobs: HOURGLASS_BENCH_SERVE_SECONDS (seconds per round, default 10),
// HOURGLASS_BENCH_SERVE_ROUNDS (pairs of rounds per detector, default 3: 30 s per side),
// HOURGLASS_BENCH_SERVE_CONNECTIONS (default 64).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { StandardScaler } from '../src/data/scaler.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { envCount } from './capabilities.js';
import { repoRoot, systemPython, torchThreadsEnv } from './common.js';

const SECONDS = envCount(process.env, 'HOURGLASS_BENCH_SERVE_SECONDS', 10);
const ROUNDS = envCount(process.env, 'HOURGLASS_BENCH_SERVE_ROUNDS', 3);
const CONNECTIONS = envCount(process.env, 'HOURGLASS_BENCH_SERVE_CONNECTIONS', 64);
const TABLE_COLUMNS = 32;
const ROWS_PER_REQUEST = 64;

interface Case {
  name: string;
  detector: AnomalyDetector;
  rowsPerRequest: number;
  oursPath: string;
  refPath: string;
  contentType: string;
  body: Buffer;
}

interface RoundResult {
  requestsPerSecond: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  peakRssMb: number;
  endRssMb: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function start(command: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start in 120 s: ${err}`)), 120_000);
    child.stderr!.on('data', (d) => {
      err += d;
      if (ready.test(err)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function rssMb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function load(url: string, c: Case, pid: number): Promise<RoundResult> {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  const result = await autocannon({ url, method: 'POST', connections: CONNECTIONS, duration: SECONDS, headers: { 'content-type': c.contentType }, body: c.body, timeout: 10 });
  clearInterval(sampler);
  const rps = result.requests.total / (result.duration || SECONDS);
  return {
    requestsPerSecond: rps,
    rowsPerSecond: rps * c.rowsPerRequest,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    peakRssMb: Math.max(peak, rssMb(pid)),
    endRssMb: rssMb(pid),
  };
}

function tableRows(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * TABLE_COLUMNS);
  for (let i = 0; i < n; i++) {
    const f = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    for (let j = 0; j < TABLE_COLUMNS; j++) out[i * TABLE_COLUMNS + j] = f[j % 4] * (1 + j / 8) + f[(j + 1) % 4] * 0.5 + 0.05 * rng.normal();
  }
  return out;
}

/** Writes the detector's autoencoder and the sidecar the reference needs (scaler, threshold, quantiles). */
async function writeReference(detector: AnomalyDetector, dir: string, name: string): Promise<{ model: string; sidecar: string }> {
  const model = path.join(dir, `${name}-ae.safetensors`);
  await detector.model.save(model);
  const scaler = detector.inputScaler as StandardScaler | null;
  const sidecar = path.join(dir, `${name}-sidecar.json`);
  writeFileSync(
    sidecar,
    JSON.stringify({
      mean: scaler?.mean ? Array.from(scaler.mean) : null,
      std: scaler?.std ? Array.from(scaler.std) : null,
      threshold: detector.threshold,
      quantiles: detector.normalScores.quantiles,
    }),
  );
  return { model, sidecar };
}

async function pngOf(images: Tensor, i: number): Promise<Buffer> {
  const px = images.data.subarray(i * 784, (i + 1) * 784);
  return sharp(Buffer.from(Array.from(px, (v) => Math.round(v * 255))), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function benchServe(): Promise<unknown> {
  console.log(`\n## serve: hourglass serve vs FastAPI + uvicorn + PyTorch, ${CONNECTIONS} connections, ${ROUNDS} paired rounds of ${SECONDS} s per detector (loopback)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-bench-serve-'));
  const children: ChildProcess[] = [];
  try {
    // The table detector: 32 columns driven by 4 factors.
    const trainRows = 20_000;
    const ae = denseAutoencoder({ inputShape: [TABLE_COLUMNS], hidden: [64], bottleneck: 4, scaler: new StandardScaler(), seed: 1 });
    const table = await new AnomalyDetector({ model: ae }).fit(tensor([trainRows, TABLE_COLUMNS], tableRows(trainRows, 1)), { epochs: 5, batchSize: 256, seed: 1 });
    // The image detector: a conv autoencoder on Fashion-MNIST sneakers (class 7).
    const train = await loadFashionMnist({ split: 'train', limit: 12_000 });
    const sneakers = Array.from(train.labels).flatMap((l, i) => (l === 7 ? [i] : []));
    const x = tensor([sneakers.length, 1, 28, 28]);
    sneakers.forEach((i, k) => x.data.set(train.images.data.subarray(i * 784, (i + 1) * 784), k * 784));
    const conv = convAutoencoder({ inputShape: [1, 28, 28], filters: [16, 32], bottleneck: 16, seed: 2 });
    const images = await new AnomalyDetector({ model: conv }).fit(x, { epochs: 2, batchSize: 64, seed: 2 });

    const tableFile = path.join(dir, 'table.safetensors');
    const imageFile = path.join(dir, 'image.safetensors');
    await table.save(tableFile);
    await images.save(imageFile);
    const payloadRows = tableRows(ROWS_PER_REQUEST, 99);
    const rowsJson = Buffer.from(JSON.stringify({ rows: Array.from({ length: ROWS_PER_REQUEST }, (_, i) => Array.from(payloadRows.subarray(i * TABLE_COLUMNS, (i + 1) * TABLE_COLUMNS))) }));
    const png = await pngOf(x, 0);
    const cases: Case[] = [
      { name: 'table detector (64 rows x 32 columns per request, JSON)', detector: table, rowsPerRequest: ROWS_PER_REQUEST, oursPath: '/v1/models/table/score', refPath: '/score', contentType: 'application/json', body: rowsJson },
      { name: 'image detector (conv, one 28x28 PNG per request)', detector: images, rowsPerRequest: 1, oursPath: '/v1/models/image/score', refPath: '/score-image', contentType: 'image/png', body: png },
    ];

    const oursPort = await freePort();
    const ours = await start(process.execPath, [path.join(repoRoot, 'dist/src/cli/main.js'), 'serve', '--model', `table=${tableFile}`, '--model', `image=${imageFile}`, '--port', String(oursPort), '--log-level', 'warn'], /listening on/);
    children.push(ours);
    const refs: Record<string, { child: ChildProcess; port: number }> = {};
    for (const [key, detector] of [['table', table], ['image', images]] as const) {
      const ref = await writeReference(detector, dir, key);
      const port = await freePort();
      // PyTorch on the same two threads the engine uses.
      const child = await start(systemPython, [path.join(repoRoot, 'bench/serve_torch.py'), ref.model, ref.sidecar, '--port', String(port)], /reference listening/, { ...torchThreadsEnv(2), PYTHONUNBUFFERED: '1' });
      children.push(child);
      refs[key] = { child, port };
    }

    const report: unknown[] = [];
    for (const c of cases) {
      const key = c === cases[0] ? 'table' : 'image';
      const oursUrl = `http://127.0.0.1:${oursPort}${c.oursPath}`;
      const refUrl = `http://127.0.0.1:${refs[key].port}${c.refPath}`;
      // Same answers first: the comparison is only fair if both compute the same scores.
      const post = async (url: string) => ((await (await fetch(url, { method: 'POST', headers: { 'content-type': c.contentType }, body: new Uint8Array(c.body) })).json()) as { rows: { score: number; flag: boolean }[] }).rows;
      const a = await post(oursUrl);
      const b = await post(refUrl);
      let diff = 0;
      let scale = 0;
      a.forEach((r, i) => {
        diff = Math.max(diff, Math.abs(r.score - b[i].score));
        scale = Math.max(scale, Math.abs(b[i].score));
      });
      const flagsAgree = a.every((r, i) => r.flag === b[i].flag);
      // Unmeasured warm-up of both: first-call costs (JIT, engine primitives, Python imports) are not serving speed.
      await autocannon({ url: oursUrl, method: 'POST', connections: CONNECTIONS, duration: 2, headers: { 'content-type': c.contentType }, body: c.body });
      await autocannon({ url: refUrl, method: 'POST', connections: CONNECTIONS, duration: 2, headers: { 'content-type': c.contentType }, body: c.body });
      const startRss = { ours: rssMb(ours.pid!), ref: rssMb(refs[key].child.pid!) };
      const rounds: { ours: RoundResult; ref: RoundResult }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const pair: Partial<{ ours: RoundResult; ref: RoundResult }> = {};
        const order = r % 2 === 0 ? (['ours', 'ref'] as const) : (['ref', 'ours'] as const);
        for (const side of order) pair[side] = side === 'ours' ? await load(oursUrl, c, ours.pid!) : await load(refUrl, c, refs[key].child.pid!);
        rounds.push(pair as { ours: RoundResult; ref: RoundResult });
        console.log(`  round ${r + 1}: hourglass ${Math.round(pair.ours!.rowsPerSecond)} rows/s p99 ${pair.ours!.p99} ms; reference ${Math.round(pair.ref!.rowsPerSecond)} rows/s p99 ${pair.ref!.p99} ms`);
      }
      const side = (s: 'ours' | 'ref') => ({
        requestsPerSecond: median(rounds.map((r) => r[s].requestsPerSecond)),
        rowsPerSecond: median(rounds.map((r) => r[s].rowsPerSecond)),
        p50: median(rounds.map((r) => r[s].p50)),
        p99: median(rounds.map((r) => r[s].p99)),
        errors: rounds.reduce((sum, r) => sum + r[s].errors, 0),
        peakRssMb: Math.max(...rounds.map((r) => r[s].peakRssMb)),
        rssStartMb: startRss[s],
        rssAfterRoundsMb: rounds.map((r) => Math.round(r[s].endRssMb)),
      });
      const ratios = rounds.map((r) => r.ours.rowsPerSecond / r.ref.rowsPerSecond);
      const p99Ratios = rounds.map((r) => r.ref.p99 / Math.max(r.ours.p99, 1e-9));
      const entry = { case: c.name, maxRelativeScoreDifference: diff / scale, flagsAgree, hourglass: side('ours'), reference: side('ref'), rowsPerSecondRatio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }, p99Ratio: { median: median(p99Ratios), min: Math.min(...p99Ratios), max: Math.max(...p99Ratios) } };
      report.push(entry);
      console.log(`\n### ${c.name}\nscores agree to ${(diff / scale).toExponential(1)} (relative), flags ${flagsAgree ? 'agree' : 'DIFFER'}`);
      console.log('| server | requests/s | rows/s | p50 ms | p99 ms | errors | RSS after warm-up -> after each round (MB) | peak RSS MB |');
      console.log('|---|---:|---:|---:|---:|---:|---|---:|');
      for (const [label, s] of [['hourglass serve', entry.hourglass], ['FastAPI + uvicorn + PyTorch', entry.reference]] as const)
        console.log(`| ${label} | ${Math.round(s.requestsPerSecond)} | ${Math.round(s.rowsPerSecond)} | ${s.p50} | ${s.p99} | ${s.errors} | ${Math.round(s.rssStartMb)} -> ${s.rssAfterRoundsMb.join(', ')} | ${Math.round(s.peakRssMb)} |`);
      console.log(`rows/s ratio (hourglass / reference), median per round: ${entry.rowsPerSecondRatio.median.toFixed(2)}x (range ${entry.rowsPerSecondRatio.min.toFixed(2)}-${entry.rowsPerSecondRatio.max.toFixed(2)}); p99 ratio (reference / hourglass): ${entry.p99Ratio.median.toFixed(2)}x (range ${entry.p99Ratio.min.toFixed(2)}-${entry.p99Ratio.max.toFixed(2)})`);
    }
    return report;
  } finally {
    for (const c of children) await stop(c);
    rmSync(dir, { recursive: true, force: true });
  }
}
