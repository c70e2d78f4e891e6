// The browser scoring page (hourglass export --format html, detect report --scoring-page), in
// a real browser: Debian's chromium driven by playwright-core (no browser download). The page
// is opened from disk; files are given to it through its file input and by a drop event, and
// the scores it displays are compared with `hourglass detect score` and detector.score().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Rng } from '../src/core/rng.js';
import { tensor, type Tensor } from '../src/core/tensor.js';
import { StandardScaler } from '../src/data/scaler.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import { convAutoencoder } from '../src/models/conv-preset.js';
import { AnomalyDetector } from '../src/apps/anomaly/anomaly-detector.js';
import { blobImages } from './support/blobs.js';

const CHROMIUM = process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (the setup script installs Debian's chromium; HOURGLASS_CHROMIUM names another)`;
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const COLUMNS = ['temp', 'pressure', 'flow', 'speed', 'load', 'power'];

/** Largest |page - reference| relative to the largest |reference|, the measure the docs quote. */
function relativeDifference(reference: ArrayLike<number>, page: ArrayLike<number>): number {
  assert.equal(page.length, reference.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(reference[i] - page[i]));
    scale = Math.max(scale, Math.abs(reference[i]));
  }
  return diff / scale;
}

function machineRows(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const a = rng.normal();
    const b = rng.normal();
    return [a, b, a + b, a - b, 2 * a, 0.5 * b].map((v) => v + 0.05 * rng.normal());
  });
}

async function withPage(file: string, run: (page: Page) => Promise<void>): Promise<void> {
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: 60_000 });
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 60_000 });
    await run(page);
  } finally {
    await browser?.close();
  }
}

/** The rows the page shows once it has scored `count` inputs (or its error). */
async function shownRows(page: Page): Promise<{ score: number; normalized: number; flag: number; text: string }[]> {
  await page.waitForSelector('body[data-scored], body[data-error]', { state: 'attached', timeout: 30_000 });
  const error = await page.getAttribute('body', 'data-error');
  assert.equal(error, null, `the page reported: ${error}`);
  return page.$$eval('#results-body tr', (trs) =>
    trs.map((tr) => ({ score: Number((tr as HTMLElement).dataset.score), normalized: Number((tr as HTMLElement).dataset.normalized), flag: Number((tr as HTMLElement).dataset.flag), text: tr.textContent ?? '' })),
  );
}

test('the scoring page scores dropped CSV rows in the browser as `hourglass detect score` does', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-page-'));
  try {
    const train = machineRows(300, 1);
    const normal = path.join(dir, 'normal.csv');
    writeFileSync(normal, ['id,' + COLUMNS.join(','), ...train.map((r, i) => `m${i},${r.map((v) => v.toFixed(5)).join(',')}`)].join('\n') + '\n');
    const fit = spawnSync(process.execPath, [cli, 'detect', 'fit', '--data', normal, '--id-column', 'id', '--epochs', '20', '--out', path.join(dir, 'detector.safetensors'), '--no-progress'], { encoding: 'utf8' });
    assert.equal(fit.status, 0, fit.stderr);
    const page = path.join(dir, 'score.html');
    const exported = spawnSync(process.execPath, [cli, 'export', '--model', path.join(dir, 'detector.safetensors'), '--format', 'html', '--out', page], { encoding: 'utf8' });
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /wrote .*score\.html \(\d+\.\d MiB\)/);

    // New rows, some broken (flow off its relation); columns in another order than in training.
    const fresh = machineRows(20, 2);
    fresh.forEach((r, i) => i % 4 === 0 && (r[2] += 4));
    const order = [5, 0, 3, 1, 4, 2];
    const csv = ['serial,' + order.map((j) => COLUMNS[j]).join(','), ...fresh.map((r, i) => `s${i},${order.map((j) => r[j].toFixed(5)).join(',')}`)].join('\n') + '\n';
    const rowsFile = path.join(dir, 'rows.csv');
    writeFileSync(rowsFile, csv);
    const inOrder = path.join(dir, 'rows-in-order.csv');
    writeFileSync(inOrder, ['serial,' + COLUMNS.join(','), ...fresh.map((r, i) => `s${i},${r.map((v) => v.toFixed(5)).join(',')}`)].join('\n') + '\n');
    const scored = spawnSync(process.execPath, [cli, 'detect', 'score', '--model', path.join(dir, 'detector.safetensors'), '--data', inOrder, '--id-column', 'serial', '--out', path.join(dir, 'scores.csv')], { encoding: 'utf8' });
    assert.equal(scored.status, 0, scored.stderr);
    const reference = readFileSync(path.join(dir, 'scores.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

    await withPage(page, async (p) => {
      // A drop event carrying the file, as a user's drag and drop delivers it.
      await p.evaluate((text) => {
        const data = new DataTransfer();
        data.items.add(new File([text], 'rows.csv', { type: 'text/csv' }));
        document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      }, csv);
      const rows = await shownRows(p);
      assert.equal(rows.length, 20);
      assert.ok(relativeDifference(reference.map((r) => Number(r[1])), rows.map((r) => r.score)) <= 1e-5);
      assert.ok(relativeDifference(reference.map((r) => Number(r[2])), rows.map((r) => r.normalized)) <= 1e-5);
      assert.deepEqual(rows.map((r) => r.flag), reference.map((r) => Number(r[3])));
      assert.ok(rows.filter((r) => r.flag).length >= 5, 'the broken rows are flagged');
      // The row's id, and the top contributing column the CLI names first.
      rows.forEach((r, i) => assert.ok(r.text.startsWith(`s${i}`) && r.text.includes(reference[i][4]), r.text));
      if (process.env.HOURGLASS_SCREENSHOT_DIR) await p.screenshot({ path: path.join(process.env.HOURGLASS_SCREENSHOT_DIR, 'scoring-page-table.png'), fullPage: true });

      // A file that lacks a column the model knows: one clear message, no scores.
      await p.setInputFiles('#file', { name: 'short.csv', mimeType: 'text/csv', buffer: Buffer.from('serial,temp,pressure\ns0,1,2\n') });
      await p.waitForFunction(() => document.body.dataset.error !== undefined);
      assert.match((await p.getAttribute('body', 'data-error')) ?? '', /short\.csv lacks the columns flow, speed, load, power/);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the scoring page scores images and draws their heat maps, matching detector.score', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-page-img-'));
  try {
    // One stream for every draw, as the page is compared image by image with the detector.
    let seed = 3;
    const blob = (n: number, defect: boolean): Tensor => blobImages(n, defect, seed++);
    const model = convAutoencoder({ inputShape: [1, 12, 12], filters: [4, 8], bottleneck: 4, seed: 5 });
    const detector = await new AnomalyDetector({ model, score: ['smoothed-mse', 'ssim'] }).fit(blob(120, false), { epochs: 3, batchSize: 16 });
    const { writeScoringPage } = await import('../src/apps/anomaly/scoring-page.js');
    const page = path.join(dir, 'score.html');
    await writeScoringPage(detector, page);
    const probe = tensor([4, 1, 12, 12]);
    probe.data.set(blob(2, false).data, 0);
    probe.data.set(blob(2, true).data, 288);
    const files: string[] = [];
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, `img${i}.png`);
      await sharp(Buffer.from(probe.data.subarray(i * 144, (i + 1) * 144).map((v) => Math.round(v * 255))), { raw: { width: 12, height: 12, channels: 1 } }).png().toFile(file);
      files.push(file);
    }
    const expected = detector.score(probe);
    await withPage(page, async (p) => {
      await p.setInputFiles('#file', files);
      const rows = await shownRows(p);
      assert.ok(relativeDifference(expected, rows.map((r) => r.score)) <= 1e-5);
      assert.deepEqual(rows.map((r) => r.flag), Array.from(detector.predict(probe)));
      assert.equal(await p.locator('#maps figure canvas').count(), 8, 'each image with its heat map');
      if (process.env.HOURGLASS_SCREENSHOT_DIR) await p.screenshot({ path: path.join(process.env.HOURGLASS_SCREENSHOT_DIR, 'scoring-page-images.png'), fullPage: true });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--format html is for detectors: another model kind gets one clear error and no file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hourglass-page-bad-'));
  try {
    const ae = denseAutoencoder({ inputShape: [6], hidden: [4], bottleneck: 2, scaler: new StandardScaler(), seed: 1 });
    await ae.fit(tensor([40, 6], Float32Array.from({ length: 240 }, (_, i) => Math.sin(i))), { epochs: 1 });
    const file = path.join(dir, 'ae.safetensors');
    await ae.save(file);
    const out = path.join(dir, 'page.html');
    const r = spawnSync(process.execPath, [cli, 'export', '--model', file, '--format', 'html', '--out', out], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--format html makes a scoring page for an anomaly detector; .*ae\.safetensors holds a model of kind 'autoencoder'/);
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
