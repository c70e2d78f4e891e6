// The scoring page's script: loads ONNX Runtime (WebAssembly build, embedded in the page) and
// the exported detector (embedded too), then scores CSV rows or images dropped on the page.
// Everything runs here; nothing is sent anywhere. Plain browser JavaScript, no build step.

const card = JSON.parse(document.getElementById('card').textContent);
const status = document.getElementById('status');
const say = (text) => (status.textContent = text);

/** Bytes of a base64 <script> block. */
async function embeddedBytes(id) {
  const text = document.getElementById(id).textContent.trim();
  const response = await fetch(`data:application/octet-stream;base64,${text}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** A blob: URL for the JavaScript module in a <script type="text/plain"> block. */
const moduleUrl = (id) => URL.createObjectURL(new Blob([document.getElementById(id).textContent], { type: 'text/javascript' }));

async function loadSession() {
  const ort = await import(moduleUrl('runtime-module'));
  // The runtime would fetch its Emscripten glue and binary from beside itself; a page opened
  // from disk has no such files, so both are blob: URLs of the copies embedded in the page
  // (wasmBinary would not do: the glue then resolves the binary's name against its own
  // blob: URL, which cannot be a base URL).
  const wasm = new Blob([await embeddedBytes('runtime-wasm')], { type: 'application/wasm' });
  ort.env.wasm.wasmPaths = { mjs: moduleUrl('runtime-glue'), wasm: URL.createObjectURL(wasm) };
  // A page opened from disk is not cross-origin isolated: no shared memory, so one thread.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(await embeddedBytes('model-bytes'));
  return { ort, session };
}

function describeCard() {
  const shape = card.sampleShape.join(' x ');
  const what = card.columns ? `${card.columns.length} columns` : `images ${shape}`;
  document.getElementById('card-summary').textContent =
    `${card.description}; input: ${what}; threshold ${card.threshold.toPrecision(6)}; exported by hourglass ${card.hourglassVersion}.`;
}

// --- CSV ------------------------------------------------------------------------------------

/** Rows of cells; quoted cells may hold commas, quotes ("") and newlines (RFC 4180). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += ch;
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row);
  return rows.filter((r) => r.length > 1 || r[0].trim() !== '');
}

const isNumber = (s) => s.trim() !== '' && Number.isFinite(Number(s));

/**
 * The model's input from CSV rows: columns matched by name when the file has a header and
 * the detector knows its column names, else by position. A column the model does not know
 * (an id) labels the rows.
 */
function rowsFromCsv(text, name) {
  const rows = parseCsv(text);
  if (!rows.length) throw new Error(`${name} holds no rows`);
  const features = card.sampleShape.reduce((a, b) => a * b, 1);
  const hasHeader = rows[0].some((c) => !isNumber(c));
  const header = hasHeader ? rows[0].map((c) => c.trim()) : null;
  const body = hasHeader ? rows.slice(1) : rows;
  let pick;
  let labelColumn = -1;
  if (header && card.columns) {
    const missing = card.columns.filter((c) => !header.includes(c));
    if (missing.length) throw new Error(`${name} lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the model was trained on`);
    pick = card.columns.map((c) => header.indexOf(c));
    labelColumn = header.findIndex((c) => !card.columns.includes(c));
  } else {
    const width = body[0].length;
    if (width === features) pick = [...Array(features).keys()];
    else if (width === features + 1 && !isNumber(body[0][0])) (pick = [...Array(features).keys()].map((i) => i + 1)), (labelColumn = 0);
    else throw new Error(`${name}: expected ${features} values per row, got ${width}`);
  }
  const data = new Float32Array(body.length * features);
  const labels = [];
  body.forEach((r, i) => {
    pick.forEach((col, j) => {
      const cell = r[col] ?? '';
      if (!isNumber(cell)) throw new Error(`${name} line ${i + (hasHeader ? 2 : 1)}: column ${header ? header[col] : col + 1} is '${cell}', not a number`);
      data[i * features + j] = Number(cell);
    });
    labels.push(labelColumn >= 0 ? r[labelColumn] : `row ${i + 1}`);
  });
  return { data, labels, count: body.length };
}

// --- images ---------------------------------------------------------------------------------

/** An image file as the model's input [c, h, w] in [0, 1]: resized to the model's size, grey by luma when c = 1. */
async function imageInput(file) {
  const [c, h, w] = card.sampleShape;
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0, w, h);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const data = new Float32Array(c * h * w);
  for (let p = 0; p < h * w; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (c === 1) data[p] = (r === g && g === b ? r : 0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    else for (let k = 0; k < 3; k++) data[k * h * w + p] = rgba[4 * p + k] / 255;
  }
  return { data, note: bitmap.width === w && bitmap.height === h ? '' : ` (resized from ${bitmap.width}x${bitmap.height})` };
}

/** The image and its error map (as a heat map over it), side by side. */
function drawFigure(label, input, map) {
  const [c, h, w] = card.sampleShape;
  const figure = document.createElement('figure');
  const picture = document.createElement('canvas');
  const heat = document.createElement('canvas');
  for (const canvas of [picture, heat]) (canvas.width = w), (canvas.height = h);
  const image = picture.getContext('2d').createImageData(w, h);
  const overlay = heat.getContext('2d').createImageData(w, h);
  let peak = 0;
  for (let p = 0; p < h * w; p++) {
    let e = 0;
    for (let k = 0; k < c; k++) e += map[k * h * w + p];
    peak = Math.max(peak, e);
  }
  for (let p = 0; p < h * w; p++) {
    let e = 0;
    for (let k = 0; k < c; k++) e += map[k * h * w + p];
    const t = peak > 0 ? e / peak : 0;
    for (let k = 0; k < 3; k++) image.data[4 * p + k] = Math.round(255 * input[(c === 1 ? 0 : k) * h * w + p]);
    image.data[4 * p + 3] = 255;
    const grey = image.data[4 * p];
    // Hot colours where the reconstruction failed, over the dimmed image.
    overlay.data[4 * p] = Math.round(0.4 * grey + 0.6 * 255 * Math.min(1, 2 * t));
    overlay.data[4 * p + 1] = Math.round(0.4 * grey + 0.6 * 255 * Math.max(0, 2 * t - 1));
    overlay.data[4 * p + 2] = Math.round(0.4 * grey);
    overlay.data[4 * p + 3] = 255;
  }
  picture.getContext('2d').putImageData(image, 0, 0);
  heat.getContext('2d').putImageData(overlay, 0, 0);
  const caption = document.createElement('figcaption');
  caption.textContent = label;
  figure.append(picture, heat, caption);
  document.getElementById('maps').append(figure);
}

// --- scoring --------------------------------------------------------------------------------

function showResults(rows) {
  const head = document.getElementById('results-head');
  const columnsHeader = card.columns ? '<th class="columns">top contributing columns</th>' : '';
  head.innerHTML = `<th>input</th><th>score</th><th>normalized</th><th>flag</th>${columnsHeader}`;
  const body = document.getElementById('results-body');
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.className = r.flag ? 'anomaly' : 'normal';
    tr.dataset.score = String(r.score);
    tr.dataset.normalized = String(r.normalized);
    tr.dataset.flag = r.flag ? '1' : '0';
    const cells = [r.label, r.score.toPrecision(6), r.normalized.toFixed(4), r.flag ? 'anomaly' : 'normal'];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (i === 3) td.className = 'flag';
      tr.append(td);
    });
    if (card.columns) {
      const td = document.createElement('td');
      td.className = 'columns';
      td.textContent = r.top.map(([name, share]) => `${name} ${(100 * share).toFixed(0)}%`).join(', ');
      tr.append(td);
    }
    body.append(tr);
  }
  document.getElementById('results').hidden = false;
}

/** The largest contributions of a row's error map, as shares of its sum. */
function topColumns(map, offset, features) {
  let total = 0;
  const parts = [];
  for (let j = 0; j < features; j++) (total += map[offset + j]), parts.push([card.columns[j], map[offset + j]]);
  parts.sort((a, b) => b[1] - a[1]);
  return parts.slice(0, 3).map(([name, v]) => [name, total > 0 ? v / total : 0]);
}

async function score(runtime, files) {
  const { ort, session } = runtime;
  const features = card.sampleShape.reduce((a, b) => a * b, 1);
  const inputs = [];
  const labels = [];
  const notes = [];
  for (const file of files) {
    if (file.name.toLowerCase().endsWith('.csv') || file.type === 'text/csv') {
      if (!card.columns && card.sampleShape.length === 3) throw new Error(`${file.name}: this detector scores images; drop image files`);
      const parsed = rowsFromCsv(await file.text(), file.name);
      inputs.push(parsed.data);
      labels.push(...parsed.labels);
    } else {
      if (card.sampleShape.length !== 3) throw new Error(`${file.name}: this detector scores table rows; drop a CSV file`);
      const image = await imageInput(file);
      inputs.push(image.data);
      labels.push(file.name + image.note);
    }
  }
  const count = labels.length;
  const data = new Float32Array(count * features);
  let at = 0;
  for (const part of inputs) data.set(part, at), (at += part.length);
  notes.push(`${count} input${count === 1 ? '' : 's'}`);
  const t0 = performance.now();
  const out = await session.run({ input: new ort.Tensor('float32', data, [count, ...card.sampleShape]) });
  const ms = performance.now() - t0;
  const scores = out.score.data;
  const normalized = out.normalized_score.data;
  const flags = out.is_anomaly.data;
  const map = out.error_map.data;
  const rows = labels.map((label, i) => ({
    label,
    score: scores[i],
    normalized: normalized[i],
    flag: Boolean(flags[i]),
    top: card.columns ? topColumns(map, i * features, features) : [],
  }));
  document.getElementById('maps').replaceChildren();
  if (card.sampleShape.length === 3) rows.forEach((r, i) => drawFigure(r.label, data.subarray(i * features, (i + 1) * features), map.subarray(i * features, (i + 1) * features)));
  showResults(rows);
  const flagged = rows.filter((r) => r.flag).length;
  say(`Scored ${notes.join(', ')} in ${ms.toFixed(1)} ms: ${flagged} flagged above ${card.threshold.toPrecision(6)}.`);
  document.body.dataset.scored = String(count);
}

describeCard();
const drop = document.getElementById('drop');
const input = document.getElementById('file');
let runtime = null;
try {
  runtime = await loadSession();
  say('Ready: drop a CSV file or images.');
  document.body.dataset.ready = 'true';
} catch (e) {
  say(`Could not start ONNX Runtime in this browser: ${e.message}`);
}
const handle = async (files) => {
  if (!runtime || !files.length) return;
  try {
    await score(runtime, [...files]);
  } catch (e) {
    say(`Error: ${e.message}`);
    document.body.dataset.error = e.message;
  }
};
input.addEventListener('change', () => handle(input.files));
drop.addEventListener('dragover', (e) => (e.preventDefault(), drop.classList.add('over')));
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  handle(e.dataTransfer.files);
});
