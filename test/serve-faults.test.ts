// `hourglass serve` under abuse: malformed JSON, a 100 MB body, a client trickling bytes,
// thousands of idle connections, SIGTERM under load, and a model file replaced by a corrupt
// one. Every test is bounded in time and stops the service it started.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '../src/core/tensor.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { machineRows, startService, writeFixtureModels, type FixtureFiles } from './serve-fixtures.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
/** Idle connections held open at once (the issue asks for 10,000; HOURGLASS_IDLE_CONNECTIONS lowers it on a small machine). */
const IDLE_CONNECTIONS = Number(process.env.HOURGLASS_IDLE_CONNECTIONS ?? 10_000);

let dir: string;
let files: FixtureFiles;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'hourglass-serve-faults-'));
  files = await writeFixtureModels(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const ZERO_ROW = JSON.stringify({ rows: [[0, 0, 0, 0, 0, 0]] });

async function scoreOnce(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/models/machines/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ZERO_ROW, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  return ((await res.json()) as { rows: { score: number }[] }).rows[0].score;
}

/** Starts `hourglass serve` as a child process on a free port; resolves once it listens. */
async function startChild(args: string[]): Promise<{ child: ChildProcess; url: string; logs: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start in 30 s: ${out}`)), 30_000);
    const look = () => {
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`the service exited with ${code}: ${out}`)));
  });
  return { child, url, logs: () => out };
}

function stopChild(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

test('malformed JSON gets 400 and the next request is served', async () => {
  const s = await startService({ models: { machines: files.table }, reloadIntervalMs: 0 });
  try {
    for (const body of ['{', '{"rows": [[1,2,3,4,5,6]]', 'null', '[]', '{"rows": "x"}', '\u0000\u0001']) {
      const res = await fetch(`${s.url}/v1/models/machines/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, body);
      assert.ok(((await res.json()) as { error: { message: string } }).error.message.length > 0);
    }
    await scoreOnce(s.url);
  } finally {
    await s.close();
  }
});

test('a 100 MB body is refused with 413 before it is read, and the service keeps serving', async () => {
  const s = await startService({ models: { machines: files.table }, limits: { bodyBytes: 1 << 20 }, reloadIntervalMs: 0 });
  try {
    const port = Number(new URL(s.url).port);
    const total = 100 * 1024 * 1024;
    const answer = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/machines/score', headers: { 'content-type': 'application/json', 'content-length': total } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1 << 16, 0x20);
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
      setTimeout(() => reject(new Error('no answer to the 100 MB body in 20 s')), 20_000).unref();
    });
    assert.equal(answer.status, 413);
    assert.match(JSON.parse(answer.body).error.message, /larger than the service's limit/);
    assert.ok(answer.sent < total, 'answered before the whole body was sent');
    await scoreOnce(s.url);
    // Without a Content-Length (chunked), the limit is enforced while reading.
    const chunked = await fetch(`${s.url}/v1/models/machines/score`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1 << 16).fill(0x31)) }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    await scoreOnce(s.url);
  } finally {
    await s.close();
  }
});

test('a client trickling bytes is cut off at the request timeout while others are served', async () => {
  const s = await startService({ models: { machines: files.table }, limits: { requestTimeoutMs: 1000 }, reloadIntervalMs: 0 });
  try {
    const port = Number(new URL(s.url).port);
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d) => (received += d));
      socket.on('close', () => resolve(received));
      socket.on('error', () => resolve(received));
      socket.write(`POST /v1/models/machines/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${ZERO_ROW.length}\r\n\r\n`);
      let i = 0;
      const trickle = setInterval(() => {
        if (i < ZERO_ROW.length - 1 && !socket.destroyed) socket.write(ZERO_ROW[i++]);
        else clearInterval(trickle);
      }, 200);
      socket.on('close', () => clearInterval(trickle));
      setTimeout(() => socket.destroy(), 15_000).unref();
    });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 5, `cut off after ${seconds.toFixed(1)} s`);
    assert.match(outcome, /^HTTP\/1\.1 408/);
    await scoreOnce(s.url);
  } finally {
    await s.close();
  }
});

test(`${IDLE_CONNECTIONS} concurrent idle connections are held and requests are still served`, { timeout: 120_000 }, async () => {
  const { child, url } = await startChild(['--model', `machines=${files.table}`, '--log-level', 'warn']);
  const sockets: net.Socket[] = [];
  try {
    const port = Number(new URL(url).port);
    let opened = 0;
    // Opened in waves so the listen backlog is not overrun.
    for (let lo = 0; lo < IDLE_CONNECTIONS; lo += 500) {
      const wave = Math.min(500, IDLE_CONNECTIONS - lo);
      await Promise.all(
        Array.from({ length: wave }, () => new Promise<void>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () => {
            opened++;
            resolve();
          });
          socket.on('error', reject);
          sockets.push(socket);
        })),
      );
    }
    assert.equal(opened, IDLE_CONNECTIONS);
    const started = Date.now();
    await scoreOnce(url);
    assert.ok(Date.now() - started < 5000, 'a request is answered promptly while the idle connections are open');
    assert.ok(sockets.filter((s) => !s.destroyed).length >= IDLE_CONNECTIONS * 0.99, 'the idle connections stay open');
  } finally {
    for (const s of sockets) s.destroy();
    assert.equal(await stopChild(child), 0);
  }
});

test('SIGTERM under load: requests in flight are answered whole, then the process exits 0', { timeout: 120_000 }, async () => {
  const { child, url } = await startChild(['--model', `machines=${files.table}`, '--log-level', 'warn']);
  const port = Number(new URL(url).port);
  const body = JSON.stringify({ rows: machineRows(50, 5) });
  let complete = 0;
  let refused = 0;
  let cut = 0;
  let stopping = false;
  const one = () =>
    new Promise<void>((resolve) => {
      let headers = false;
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/machines/score', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        headers = true;
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(text) as { rows?: unknown[]; error?: unknown };
            if (res.statusCode === 200 && parsed.rows?.length === 50) complete++;
            else if (res.statusCode === 503) refused++;
            else cut++;
          } catch {
            cut++;
          }
          resolve();
        });
        res.on('error', () => {
          cut++;
          resolve();
        });
      });
      req.on('error', () => {
        // Refused or reset before any byte of an answer: the request was never taken in.
        if (headers) cut++;
        else refused++;
        resolve();
      });
      req.end(body);
    });
  const workers = Array.from({ length: 32 }, async () => {
    while (!stopping) await one();
  });
  await new Promise((r) => setTimeout(r, 1500));
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const code = await Promise.race([exit, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000))]);
  stopping = true;
  await Promise.all(workers);
  if (code === 'timeout') child.kill('SIGKILL');
  assert.equal(code, 0, 'exit code after SIGTERM');
  assert.ok(complete > 10, `${complete} requests answered before the shutdown`);
  assert.equal(cut, 0, `${cut} requests were cut mid-response (${complete} complete, ${refused} refused)`);
});

test('a model file replaced by a corrupt one: the old model keeps serving, a good one is swapped in', { timeout: 60_000 }, async () => {
  const live = path.join(dir, 'live.safetensors');
  copyFileSync(files.table, live);
  const logs: string[] = [];
  const logStream = new (await import('node:stream')).Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const s = await startService({ models: { machines: live }, reloadIntervalMs: 100, logLevel: 'info', logStream });
  try {
    const before = await scoreOnce(s.url);
    const waitFor = async (what: () => boolean, label: string) => {
      const until = Date.now() + 10_000;
      while (!what()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${label}; logs: ${logs.join('')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    writeFileSync(live, Buffer.from('this is not a model file at all, just bytes'));
    await waitFor(() => logs.some((l) => l.includes('cannot be served')), 'the rejection to be logged');
    assert.equal(await scoreOnce(s.url), before, 'the old model keeps serving');
    // A model of another kind (an image detector) is refused too.
    copyFileSync(files.images, live);
    await waitFor(() => logs.filter((l) => l.includes('cannot be served')).length >= 2, 'the second rejection');
    assert.match(logs.join(''), /the new model takes samples of shape \[1, 12, 12\], the served one \[6\]/);
    assert.equal(await scoreOnce(s.url), before);
    // A good new model (retrained on other data) is swapped in atomically.
    const other = await AnomalyDetector.load(files.table);
    const rows = machineRows(200, 77).map((r) => r.map((v) => v * 3));
    await other.fit(tensor([200, 6], Float32Array.from(rows.flat())), { epochs: 5, batchSize: 32 });
    await other.save(path.join(dir, 'next.safetensors'));
    renameSync(path.join(dir, 'next.safetensors'), live);
    await waitFor(() => logs.some((l) => l.includes('model reloaded')), 'the reload');
    const after = await scoreOnce(s.url);
    const expected = other.score(tensor([1, 6], new Float32Array(6)))[0];
    assert.ok(Math.abs(after - expected) <= 1e-5 * Math.max(1, expected), `the new model scores: ${after} vs ${expected}`);
    assert.notEqual(after, before);
  } finally {
    await s.close();
  }
});
