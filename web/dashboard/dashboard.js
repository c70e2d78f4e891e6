// The dashboard of `hourglass serve`: one section per served model with its card, its training
// curve, live score statistics (detectors), and a drop zone that sends files to the service's
// API and shows what came back. Everything is computed by the service: the page only asks
// and draws (charts by Vega-Lite through vega-embed, served by the same process).
'use strict';

const REFRESH_MS = 2000;
const tokenInput = document.getElementById('token');
tokenInput.value = sessionStorage.getItem('hourglass-token') || '';
tokenInput.addEventListener('change', () => {
  sessionStorage.setItem('hourglass-token', tokenInput.value);
  start();
});

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (tokenInput.value) h.authorization = 'Bearer ' + tokenInput.value;
  return h;
}

async function api(path, options) {
  const res = await fetch(path, Object.assign({}, options, { headers: headers(options && options.headers) }));
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new Error((body && body.error && body.error.message) || `HTTP ${res.status}`);
  return body;
}

function status(text) {
  document.getElementById('status').textContent = text || '';
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const fmt = (v) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(3) : v.toPrecision(4));

function embed(target, spec) {
  return vegaEmbed(target, Object.assign({ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 'container', height: 150 }, spec), { actions: false, renderer: 'svg' });
}

function cardTable(card) {
  const rows = [
    ['kind', card.modelKind ? `${card.kind} (${card.modelKind})` : card.kind],
    ['input', card.images ? `images ${card.inputShape.join(' x ')}` : `rows of ${card.inputShape ? card.inputShape.join(' x ') : '?'} values`],
    ['columns', card.columns ? card.columns.join(', ') : null],
    ['code size', card.latentSize],
    ['threshold', card.threshold !== null ? fmt(card.threshold) : null],
    ['score', card.scoreKinds ? card.scoreKinds.join(' + ') : null],
    ['normal scores', card.normalScores ? `mean ${fmt(card.normalScores.mean)}, std ${fmt(card.normalScores.std)}` : null],
    ['training', card.training ? `${card.training.epochs.length} epochs, ${card.training.seconds.toFixed(1)} s` : null],
    ['endpoints', card.operations.map((o) => '/' + o).join(' ')],
    ['file', card.file],
    ['loaded', card.loadedAt],
  ].filter((r) => r[1] !== null && r[1] !== undefined);
  return el('table', { class: 'card' }, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, String(v)))));
}

/** One model's section; returns a function that refreshes its live charts. */
function modelSection(card) {
  const id = card.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const section = el('section', { class: 'model', id: 'model-' + id, 'data-model': card.name });
  section.append(el('h2', {}, card.name));
  const grid = el('div', { class: 'grid' });
  section.append(grid);
  grid.append(el('div', {}, el('h3', {}, 'model card'), cardTable(card)));
  if (card.training && card.training.epochs.length) {
    const curve = el('div', { class: 'training-curve' });
    grid.append(el('div', {}, el('h3', {}, 'training curve'), curve));
    const values = [];
    for (const e of card.training.epochs) {
      values.push({ epoch: e.epoch, loss: e.loss, set: 'training' });
      if (e.valLoss !== undefined) values.push({ epoch: e.epoch, loss: e.valLoss, set: 'validation' });
    }
    embed(curve, { data: { values }, mark: { type: 'line', point: true }, encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } }, color: { field: 'set', type: 'nominal' } } });
  }
  let refresh = async () => {};
  if (card.operations.includes('score')) {
    const hist = el('div', { class: 'live-histogram' });
    const rate = el('div', { class: 'flag-rate' });
    const counter = el('span', { class: 'scored-count muted' }, '');
    grid.append(el('div', {}, el('h3', {}, 'live score histogram (normalised) ', counter), hist));
    grid.append(el('div', {}, el('h3', {}, 'flag rate over time'), rate));
    let histView = null;
    let rateView = null;
    let last = -1;
    refresh = async () => {
      const stats = await api(`/v1/models/${encodeURIComponent(card.name)}/stats`);
      if (stats.scored === last) return;
      last = stats.scored;
      counter.textContent = `${stats.scored} scored, ${stats.flagged} flagged`;
      section.dataset.scored = String(stats.scored);
      const bins = stats.histogram.map((b) => ({ lo: b.lo, hi: b.hi, count: b.count }));
      const points = stats.timeline.map((p) => ({ time: new Date(p.t).toISOString(), rate: p.scored ? p.flagged / p.scored : 0 }));
      if (!histView) {
        histView = (await embed(hist, { data: { name: 'bins', values: bins }, mark: 'bar', encoding: { x: { field: 'lo', bin: { binned: true, step: 0.05 }, title: 'normalised score' }, x2: { field: 'hi' }, y: { field: 'count', type: 'quantitative' } } })).view;
        rateView = (await embed(rate, { data: { name: 'points', values: points }, mark: { type: 'line', point: true }, encoding: { x: { field: 'time', type: 'temporal', title: null }, y: { field: 'rate', type: 'quantitative', title: 'flagged fraction', scale: { domain: [0, 1] } } } })).view;
      } else {
        await histView.data('bins', bins).runAsync();
        await rateView.data('points', points).runAsync();
      }
      hist.dataset.total = String(bins.reduce((s, b) => s + b.count, 0));
    };
  }
  section.append(dropZone(card));
  return { section, refresh };
}

function dropZone(card) {
  const input = el('input', { type: 'file', multiple: true, accept: card.images ? 'image/png,image/jpeg' : '.csv,text/csv' });
  const zone = el('label', { class: 'drop' }, `drop ${card.images ? 'PNG or JPEG images' : 'a CSV file'} here to ${card.operations.includes('score') ? 'score' : 'encode and reconstruct'} it`, input);
  const results = el('div', { class: 'results' });
  const wrap = el('div', {}, el('h3', {}, 'try it'), zone, results);
  const handle = (files) => run(card, [...files], results).catch((e) => status(`${card.name}: ${e.message}`));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    handle(e.dataTransfer.files);
  });
  input.addEventListener('change', () => handle(input.files));
  return wrap;
}

/** Sends dropped files: images as one multipart request, CSV files each as a text/csv body. */
async function run(card, files, results) {
  status('');
  results.replaceChildren(el('p', { class: 'muted' }, 'asking the service...'));
  const name = encodeURIComponent(card.name);
  const images = files.filter((f) => /^image\//.test(f.type) || /\.(png|jpe?g)$/i.test(f.name));
  const tables = files.filter((f) => !images.includes(f));
  const parts = [];
  if (images.length) {
    const form = () => {
      const f = new FormData();
      images.forEach((file, i) => f.append('image' + i, file, file.name));
      return f;
    };
    parts.push({ labels: images.map((f) => f.name), body: form, type: null, images: true });
  }
  for (const file of tables) {
    const text = await file.text();
    parts.push({ labels: null, label: file.name, body: () => text, type: 'text/csv', images: false });
  }
  const out = [];
  for (const part of parts) {
    const send = (path) => api(`/v1/models/${name}/${path}`, { method: 'POST', body: part.body(), headers: part.type ? { 'content-type': part.type } : {} });
    const scored = card.operations.includes('score') ? await send(part.images ? 'score?heatmap=base64' : 'score?top=3') : null;
    const codes = card.operations.includes('encode') ? await send('encode') : null;
    const recon = part.images && card.operations.includes('reconstruct') ? await send('reconstruct?format=base64') : null;
    const n = scored ? scored.rows.length : codes ? codes.codes.length : 0;
    const labels = part.labels || Array.from({ length: n }, (_, i) => `${part.label} row ${i + 1}`);
    out.push({ labels, scored, codes, recon, images: part.images });
  }
  results.replaceChildren(...out.flatMap((o) => render(card, o)));
}

function render(card, o) {
  const blocks = [];
  if (o.scored) {
    const head = el('tr', {}, el('th', {}, 'input'), el('th', {}, 'score'), el('th', {}, 'normalised'), el('th', {}, 'flag'), o.images ? null : el('th', {}, 'top columns'));
    const rows = o.scored.rows.map((r, i) =>
      el(
        'tr',
        { class: r.flag ? 'anomaly' : '', 'data-score': String(r.score), 'data-normalized': String(r.normalizedScore), 'data-flag': r.flag ? '1' : '0' },
        el('td', {}, o.labels[i]),
        el('td', { class: 'score' }, fmt(r.score)),
        el('td', {}, r.normalizedScore.toFixed(3)),
        el('td', { class: 'flag' }, r.flag ? 'anomaly' : 'normal'),
        o.images ? null : el('td', { class: 'columns' }, (r.top || []).map((t) => `${t.column} ${(100 * t.share).toFixed(0)}%`).join(', ')),
      ),
    );
    blocks.push(el('table', { class: 'scores' }, head, ...rows));
    if (o.images) blocks.push(el('h3', {}, 'heat maps (where the reconstruction failed)'), el('div', { class: 'pictures heatmaps' }, ...o.scored.rows.map((r, i) => el('figure', {}, el('img', { src: 'data:image/png;base64,' + r.heatmap, alt: o.labels[i] }), el('figcaption', {}, o.labels[i])))));
  }
  if (o.recon) {
    blocks.push(el('h3', {}, 'reconstructions'), el('div', { class: 'pictures reconstructions' }, ...o.recon.images.map((png, i) => el('figure', {}, el('img', { src: 'data:image/png;base64,' + png, alt: 'reconstruction of ' + o.labels[i] }), el('figcaption', {}, o.labels[i])))));
  }
  if (o.codes && o.codes.latentSize >= 2) {
    const scatter = el('div', { class: 'latent-scatter' });
    blocks.push(el('h3', {}, 'codes (first two dimensions)'), scatter);
    const flags = o.scored ? o.scored.rows.map((r) => (r.flag ? 'anomaly' : 'normal')) : null;
    const values = o.codes.codes.map((c, i) => ({ z1: c[0], z2: c[1], input: o.labels[i], flag: flags ? flags[i] : 'input' }));
    embed(scatter, { data: { values }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'z1', type: 'quantitative' }, y: { field: 'z2', type: 'quantitative' }, color: { field: 'flag', type: 'nominal', scale: { domain: ['normal', 'anomaly', 'input'], range: ['#2f6fdf', '#b3261e', '#4b5565'] } }, tooltip: [{ field: 'input' }] } });
  }
  return blocks;
}

let timer = null;
async function start() {
  if (timer) clearInterval(timer);
  try {
    const health = await api('/healthz');
    document.getElementById('service').textContent = `version ${health.version}`;
    const { models } = await api('/v1/models');
    const sections = models.map(modelSection);
    document.getElementById('models').replaceChildren(...sections.map((s) => s.section));
    const refreshAll = () => Promise.all(sections.map((s) => s.refresh())).catch((e) => status(e.message));
    await refreshAll();
    timer = setInterval(refreshAll, REFRESH_MS);
    status('');
    document.body.dataset.ready = '1';
  } catch (e) {
    status(e.message);
  }
}
start();
