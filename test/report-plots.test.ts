import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { HourglassError } from '../src/core/errors.js';
import { formatLinearTick, linearScale, logScale, niceTicks } from '../src/report/axes.js';
import { histogramPlot } from '../src/report/histogram-plot.js';
import { linePlot, svgToPng } from '../src/report/line-plot.js';
import { scatterPlot } from '../src/report/scatter-plot.js';
import { estimateTextWidth, svgDocument, svgText } from '../src/report/svg.js';

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const count = (match: (r: number, g: number, b: number) => boolean): number => {
    let n = 0;
    for (let i = 0; i < data.length; i += info.channels) if (match(data[i], data[i + 1], data[i + 2])) n++;
    return n;
  };
  return { info, data, count };
}

const near = (hex: string, tolerance = 12) => {
  const [r0, g0, b0] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (r: number, g: number, b: number) => Math.abs(r - r0) <= tolerance && Math.abs(g - g0) <= tolerance && Math.abs(b - b0) <= tolerance;
};

/** Text labels that appear in the SVG, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
  );
}

test('niceTicks picks 1-2-5 steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 6).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(1, 20, 5).ticks, [0, 5, 10, 15, 20]);
  const odd = niceTicks(-3.7, 12.1, 6);
  assert.equal(odd.step, 5);
  assert.deepEqual(odd.ticks, [-5, 0, 5, 10, 15]);
  assert.deepEqual(niceTicks(0.0031, 0.0049, 5).ticks, [0.003, 0.0035, 0.004, 0.0045, 0.005]);
  assert.deepEqual(niceTicks(4, 4, 3).ticks.length > 1, true, 'a single value still gets an axis');
});

test('tick labels are short and exact', () => {
  assert.equal(formatLinearTick(0.6000000000000001, 0.2), '0.6');
  assert.equal(formatLinearTick(15, 5), '15');
  assert.equal(formatLinearTick(2e-5, 1e-5), '2e-5');
  assert.equal(formatLinearTick(3e7, 1e7), '3e7');
  const log = logScale(0.0012, 0.9, 300, 0);
  assert.deepEqual(log.ticks.map((t) => log.format(t)), ['0.001', '0.01', '0.1', '1']);
  const wide = logScale(1e-6, 10, 300, 0);
  assert.deepEqual(wide.ticks.map((t) => wide.format(t)), ['1e-6', '1e-5', '1e-4', '0.001', '0.01', '0.1', '1', '10']);
  const narrow = logScale(0.021, 0.09, 300, 0);
  assert.ok(narrow.ticks.length >= 4, 'less than a decade still gets several ticks');
  assert.ok(narrow.ticks.every((t) => t >= narrow.domain[0] && t <= narrow.domain[1]));
});

test('linear scales leave a margin so marks do not sit on the frame', () => {
  const s = linearScale(0, 10, 0, 100);
  assert.ok(s.toPixel(0) > 0 && s.toPixel(10) < 100);
  const pinned = linearScale(0, 10, 0, 100, { padLow: 0 });
  assert.equal(pinned.toPixel(0), 0);
});

test('svgToPng renders text with a real font', async () => {
  const text = 'Reconstruction 0123';
  const svg = svgDocument(300, 40, [svgText(10, 20, text, { size: 16, fill: '#000' })]);
  const { info, data } = await pixels(await svgToPng(svg));
  assert.equal(info.width, 300);
  assert.equal(info.height, 40);
  let minX = Infinity;
  let maxX = -Infinity;
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++)
      if (data[(y * info.width + x) * info.channels] < 100) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
      }
  assert.ok(Number.isFinite(minX), 'no text pixels at all: is a font installed (fc-list)?');
  const width = maxX - minX + 1;
  const estimate = estimateTextWidth(text, 16);
  assert.ok(width > estimate * 0.6 && width < estimate * 1.4, `rendered text is ${width} px wide, layout assumes about ${estimate}`);
});

test('linePlot: axes, nice ticks, legend, escaped text, and the lines in the picture', async () => {
  const x = Array.from({ length: 11 }, (_, i) => i);
  const svg = linePlot({
    title: 'loss <train> & "val"',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: [
      { name: 'loss', x, y: x.map((v) => v / 10) },
      { name: 'val_loss', x, y: x.map((v) => (v === 5 ? NaN : v / 10 + 0.02)) },
    ],
    width: 600,
    height: 400,
  });
  const labels = texts(svg);
  assert.ok(labels.includes('loss <train> & "val"'));
  assert.ok(svg.includes('loss &lt;train&gt; &amp; &quot;val&quot;'));
  for (const t of ['0', '2', '4', '6', '8', '10', '0.2', '0.4', '0.6', '0.8', '1.0', 'epoch', 'loss', 'val_loss'])
    assert.ok(labels.includes(t), `missing label '${t}' in ${labels.join('|')}`);
  // The NaN at epoch 5 breaks val_loss into two lines.
  assert.equal((svg.match(/stroke="#ff7f0e" stroke-width="2" stroke-linejoin/g) ?? []).length, 2);
  // Lines rise to the top right, so the legend goes to the top left.
  const legendX = Number(/<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#ffffff" fill-opacity/.exec(svg)![1]);
  assert.ok(legendX < 300, `legend at x=${legendX} covers the lines`);

  const png = await pixels(await svgToPng(svg));
  assert.equal(png.info.width, 600);
  assert.equal(png.info.height, 400);
  assert.ok(png.count(near('#1f77b4')) > 200, 'the first series is drawn in blue');
  assert.ok(png.count(near('#ff7f0e')) > 200, 'the second series is drawn in orange');
});

test('linePlot with logY leaves out values that are not positive and labels decades', () => {
  const svg = linePlot({
    title: 't',
    xLabel: 'x',
    yLabel: 'y',
    logY: true,
    series: [{ name: 's', x: [1, 2, 3, 4, 5], y: [1, 0.1, 0, 0.01, 0.001] }],
  });
  const labels = texts(svg);
  for (const t of ['0.001', '0.01', '0.1', '1']) assert.ok(labels.includes(t), `missing ${t}`);
  assert.equal((svg.match(/<path d=/g) ?? []).length, 2, 'the zero splits the line in two');
});

test('linePlot rejects series whose x and y do not pair up', () => {
  assert.throws(
    () => linePlot({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'bad', x: [1, 2], y: [1] }] }),
    (e: unknown) => e instanceof HourglassError && e.code === 'INVALID_ARGUMENT' && /series 0 \('bad'\) has 2 x values and 1 y values/.test(e.message),
  );
});

test('scatterPlot colours points by class and lists the classes', async () => {
  const points = [
    { x: 0, y: 0, label: 0 },
    { x: 1, y: 2, label: 3 },
    { x: -1, y: 1, label: 12 },
  ];
  const svg = scatterPlot({ title: 'codes', points, classNames: ['T-shirt', 'Trouser', 'Pullover', 'Dress'], width: 400, height: 300 });
  const labels = texts(svg);
  assert.ok(labels.includes('T-shirt') && labels.includes('Dress') && labels.includes('class 12'));
  assert.ok(!labels.includes('Trouser'), 'only classes present are listed');
  assert.equal((svg.match(/<circle[^>]*fill="#d62728"/g) ?? []).length, 2, 'class 3: one point and its legend dot');
  assert.equal((svg.match(/<circle[^>]*fill="#2ca02c"/g) ?? []).length, 2, 'class 12 reuses colour 2');
  const png = await pixels(await svgToPng(svg));
  assert.ok(png.info.width > 400, 'the legend column is added to the width');
  assert.equal(png.info.height, 300);
  assert.throws(() => scatterPlot({ title: 't', points: [{ x: 0, y: 0, label: 1.5 }] }), /labels are class indices/);
});

test('histogramPlot overlays normalised groups and draws the threshold', async () => {
  const svg = histogramPlot({
    title: 'scores',
    groups: [
      { name: 'normal', values: [0.1, 0.1, 0.2, 0.2, 0.2, 0.3] },
      { name: 'anomaly', values: [0.9, 0.95] },
    ],
    threshold: 0.5,
    bins: 10,
    width: 500,
    height: 300,
  });
  const labels = texts(svg);
  assert.ok(labels.includes('threshold 0.5') && labels.includes('normal') && labels.includes('anomaly'));
  assert.match(svg, /stroke-dasharray="6 4"/);
  // Both anomalies land in the last bin: a bar of fraction 1, the tallest; normal's tallest is 0.5.
  const bars = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="(#[0-9a-f]+)" fill-opacity="0.45"/g)];
  const height = (color: string) => Math.max(...bars.filter((m) => m[3] === color).map((m) => Number(m[2])));
  assert.ok(Math.abs(height('#ff7f0e') / height('#1f77b4') - 2) < 0.02);
  const png = await pixels(await svgToPng(svg));
  assert.equal(png.info.width, 500);
  assert.ok(png.count((r, g, b) => r < 40 && g < 40 && b < 40) > 100, 'the dashed threshold line is drawn');
  assert.throws(() => histogramPlot({ title: 't', groups: [], bins: 0 }), /bins must be a positive integer/);
});
