// The dashboard of `hourglass serve` in a real browser: Debian's chromium driven by
// playwright-core. Files are dropped on a model's drop zone; the scores the page shows must
// equal the API's answers for the same files, and the live histogram must count them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { tensor } from '../src/core/tensor.js';
import { blobImages, COLUMNS, machineRows, pngOfImage, startService, writeFixtureModels, type RunningService } from './serve-fixtures.js';

const CHROMIUM = process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (the setup script installs Debian's chromium; HOURGLASS_CHROMIUM names another)`;

let dir: string;
let running: RunningService;
let browser: Browser | null = null;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), 'hourglass-dashboard-'));
  const files = await writeFixtureModels(dir);
  running = await startService({ models: { machines: files.table, blobs: files.images, codec: files.codec }, reloadIntervalMs: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await running?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Drops files (name, type, bytes) on a model's drop zone. */
async function drop(page: Page, model: string, files: { name: string; type: string; bytes: number[] }[]): Promise<void> {
  await page.evaluate(
    ({ model, files }) => {
      const data = new DataTransfer();
      for (const f of files) data.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
      document.querySelector(`section[data-model="${model}"] .drop`)!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { model, files },
  );
}

async function shownScores(page: Page, model: string, count: number): Promise<{ score: number; flag: number }[]> {
  const rows = page.locator(`section[data-model="${model}"] table.scores tr[data-score]`);
  await rows.nth(count - 1).waitFor({ timeout: 30_000 });
  return rows.evaluateAll((trs) => trs.map((tr) => ({ score: Number(tr.getAttribute('data-score')), flag: Number(tr.getAttribute('data-flag')) })));
}

test('the dashboard shows the API\'s scores for a dropped image and CSV, and its live histogram counts them', { skip, timeout: 180_000 }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push(`${r.url()} failed`));
  await page.goto(running.url + '/');
  await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 60_000 });
  assert.equal(await page.locator('section.model').count(), 3);
  assert.equal(await page.locator('section[data-model="machines"] .training-curve svg').count(), 1, 'training curve drawn');
  await page.locator('section[data-model="machines"] .live-histogram svg').waitFor({ timeout: 30_000 });
  const before = Number(await page.locator('section[data-model="machines"]').getAttribute('data-scored'));

  // Images: one normal blob and one with a defect.
  const probe = tensor([2, 1, 12, 12]);
  probe.data.set(blobImages(1, false, 31).data, 0);
  probe.data.set(blobImages(1, true, 32).data, 144);
  const pngs = [await pngOfImage(probe, 0), await pngOfImage(probe, 1)];
  await drop(page, 'blobs', pngs.map((p, i) => ({ name: `img${i}.png`, type: 'image/png', bytes: [...p] })));
  const imageScores = await shownScores(page, 'blobs', 2);
  for (let i = 0; i < 2; i++) {
    const api = (await (await fetch(`${running.url}/v1/models/blobs/score?heatmap=base64`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: pngs[i] })).json()) as { rows: { score: number; flag: boolean }[] };
    assert.equal(imageScores[i].score, api.rows[0].score, `image ${i}: the page shows the API's score`);
    assert.equal(imageScores[i].flag, api.rows[0].flag ? 1 : 0);
  }
  assert.equal(await page.locator('section[data-model="blobs"] .heatmaps img').count(), 2, 'a heat map per image');
  assert.equal(await page.locator('section[data-model="blobs"] .reconstructions img').count(), 2, 'a reconstruction per image');

  // A CSV: ten rows, the last one odd.
  const rows = machineRows(10, 41);
  rows[9] = [3, -3, 0, 6, 6, 0];
  const csv = [COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
  await drop(page, 'machines', [{ name: 'rows.csv', type: 'text/csv', bytes: [...Buffer.from(csv)] }]);
  const tableScores = await shownScores(page, 'machines', 10);
  const api = (await (await fetch(`${running.url}/v1/models/machines/score?top=3`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).json()) as { rows: { score: number; flag: boolean }[] };
  assert.deepEqual(tableScores.map((r) => r.score), api.rows.map((r) => r.score));
  assert.deepEqual(tableScores.map((r) => r.flag), api.rows.map((r) => (r.flag ? 1 : 0)));
  assert.match(await page.locator('section[data-model="machines"] table.scores td.columns').last().innerText(), /%/);
  await page.locator('section[data-model="machines"] .latent-scatter svg').waitFor({ timeout: 30_000 });

  // The live histogram catches up with the 10 rows the page scored and the 1 the test scored.
  await page.waitForFunction(
    ({ before }) => Number(document.querySelector('section[data-model="machines"]')!.getAttribute('data-scored')) >= before + 11 &&
      Number((document.querySelector('section[data-model="machines"] .live-histogram') as HTMLElement).dataset.total) >= before + 11,
    { before },
    { timeout: 30_000 },
  );
  assert.deepEqual(errors, []);
  if (process.env.HOURGLASS_SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.HOURGLASS_SCREENSHOT_DIR, 'serve-dashboard.png'), fullPage: true });
  await page.close();
});
