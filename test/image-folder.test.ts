import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeImageFile, parseImageSize } from '../src/data/image-decode.js';
import { globToRegExp, splitGlob } from '../src/data/glob-pattern.js';
import { listImages } from '../src/data/image-folder.js';
import { readImageSet } from '../src/data/image-set-reader.js';
import { hourglassError, tempDir } from './support/data-files.js';
import { texture, writeImage, writeMvtecFolder } from './support/image-files.js';
import { cliRunner } from './support/cli.js';
import sharp from 'sharp';

const tmp = tempDir('image-folder');
const at = (...parts: string[]): string => path.join(tmp, ...parts);
const hourglass = cliRunner(tmp);
const own = { size: null, fit: 'cover' as const };

test('--size takes N or WxH; anything else is refused with an example', () => {
  assert.deepEqual(parseImageSize('128'), { width: 128, height: 128 });
  assert.deepEqual(parseImageSize('256x192'), { width: 256, height: 192 });
  for (const bad of ['0', '12x', 'x12', '-3', '1.5', '99999'])
    assert.throws(() => parseImageSize(bad), hourglassError('INVALID_ARGUMENT', /--size expects N .* e\.g\. 128 or 256x192/));
});

test('glob patterns: *, **, ?, [..] and {a,b}, walked from the folder before the first pattern character', () => {
  assert.deepEqual(splitGlob('data/imgs/*.png'), { root: 'data/imgs', relative: '*.png' });
  assert.deepEqual(splitGlob('data/**/x?.{png,jpg}'), { root: 'data', relative: '**/x?.{png,jpg}' });
  const star = globToRegExp('*.png');
  assert.ok(star.test('a.png') && !star.test('sub/a.png') && !star.test('a.jpg'));
  const deep = globToRegExp('**/*.png');
  assert.ok(deep.test('a.png') && deep.test('x/y/a.png'));
  const alt = globToRegExp('img[0-2]?.{png,jpg}');
  assert.ok(alt.test('img1a.jpg') && alt.test('img0b.png') && !alt.test('img3a.png') && !alt.test('img1a.tif'));
});

test('decode: --channels, and --fit cover (centre crop), contain (black bars) and fill (stretch)', async () => {
  // 40x20: black outer quarters, white middle half.
  const file = at('wide.png');
  await writeImage(file, 40, 20, 3, (x) => (x >= 10 && x < 30 ? 255 : 0));
  const size = { width: 20, height: 20 };
  const cover = await decodeImageFile(file, file, { channels: 1, size, fit: 'cover' });
  assert.equal(cover.data.length, 400);
  assert.ok(cover.data.every((v) => v > 240), 'the centre crop is the white middle');
  const contain = await decodeImageFile(file, file, { channels: 1, size, fit: 'contain' });
  assert.equal(contain.data[0], 0, 'top bar is black');
  assert.ok(contain.data[10 * 20 + 10] > 240, 'the middle is white');
  const fill = await decodeImageFile(file, file, { channels: 3, size, fit: 'fill' });
  assert.equal(fill.data.length, 3 * 400);
  assert.ok(fill.data[10 * 20 + 1] < 20 && fill.data[10 * 20 + 10] > 240, 'stretched: the black quarter keeps a quarter of the width');
  assert.deepEqual([cover.sourceWidth, cover.sourceHeight], [40, 20]);
  // Every format of the list reads through the same gate.
  for (const ext of ['jpg', 'webp', 'tif']) {
    const f = at(`pic.${ext}`);
    await writeImage(f, 8, 6, 3, texture(1));
    const d = await decodeImageFile(f, f, { channels: 3, size: null, fit: 'cover' });
    assert.deepEqual([d.width, d.height, d.channels], [8, 6, 3]);
  }
});

test('MVTec layout: train/good trains; test/ is labelled by defect type with masks at the image size', async () => {
  const root = at('mvtec');
  await writeMvtecFolder(root);
  const train = await readImageSet(root, 'train', own);
  assert.equal(train.listing.layout, 'mvtec');
  assert.deepEqual(train.set.x.shape, [12, 3, 24, 24]);
  assert.equal(train.set.paths[0], 'train/good/000.png');
  assert.equal(train.set.masks, null);
  const testSet = await readImageSet(root, 'test', { size: { width: 12, height: 12 }, fit: 'fill', channels: 1 });
  const s = testSet.set;
  assert.deepEqual(s.paths, ['test/good/000.png', 'test/good/001.png', 'test/scratch/000.png', 'test/scratch/001.png']);
  assert.deepEqual([...s.labels!], [0, 0, 1, 1]);
  assert.deepEqual(s.groups, ['good', 'good', 'scratch', 'scratch']);
  assert.deepEqual(s.masks!.shape, [4, 1, 12, 12]);
  const plane = 144;
  const ones = (i: number) => s.masks!.data.subarray(i * plane, (i + 1) * plane).reduce((a, v) => a + v, 0);
  assert.equal(ones(0), 0, 'normal images get zero masks');
  // The 12x4 bar at (6..18, 8..12) of 24x24 is 6x2 at 12x12, nearest-neighbour, binary.
  assert.equal(ones(2), 12);
  assert.ok(s.masks!.data.every((v) => v === 0 || v === 1));
  assert.ok(s.x.data.every((v) => v >= 0 && v <= 1));
});

test('normal/ + anomalous/ layout with masks/ under the same names; class folders give class labels; globs give files', async () => {
  const root = at('plain');
  for (let i = 0; i < 3; i++) await writeImage(at('plain/normal', `n${i}.png`), 8, 8, 1, texture(i));
  await writeImage(at('plain/anomalous/a0.png'), 8, 8, 1, () => 255);
  await writeImage(at('plain/masks/a0.png'), 8, 8, 1, (x) => (x < 4 ? 255 : 0));
  assert.equal((await readImageSet(root, 'train', own)).set.x.shape[0], 3);
  const t = await readImageSet(root, 'test', own);
  assert.deepEqual(t.set.paths, ['normal/n0.png', 'normal/n1.png', 'normal/n2.png', 'anomalous/a0.png']);
  assert.deepEqual([...t.set.labels!], [0, 0, 0, 1]);
  assert.equal(t.set.masks!.data.subarray(3 * 64).reduce((a, v) => a + v, 0), 32);
  assert.equal(t.set.x.shape[1], 1, 'grayscale files read as one channel when --channels is not given');

  const classes = at('classes');
  for (const [k, name] of ['cat', 'dog', 'emu'].entries()) for (let i = 0; i < 2; i++) await writeImage(path.join(classes, name, `${i}.png`), 6, 6, 3, texture(k * 10 + i));
  const c = await readImageSet(classes, 'train', own);
  assert.equal(c.listing.layout, 'classes');
  assert.deepEqual(c.classNames, ['cat', 'dog', 'emu']);
  assert.deepEqual([...c.classLabels!], [0, 0, 1, 1, 2, 2]);
  assert.equal(c.set.labels, null, 'class labels are not anomaly labels');

  const g = await readImageSet(path.join(classes, '*', '1.png'), 'train', own);
  assert.deepEqual(g.set.paths, ['cat/1.png', 'dog/1.png', 'emu/1.png']);
});

test('bad input: corrupt file named (or skipped and counted), mixed sizes counted, empty folder, empty glob', async () => {
  const root = at('bad');
  await writeImage(path.join(root, 'a.png'), 8, 8, 3, texture(1));
  await writeImage(path.join(root, 'b.png'), 8, 8, 3, texture(2));
  const good = readFileSync(path.join(root, 'b.png'));
  writeFileSync(path.join(root, 'c.png'), good.subarray(0, 40)); // truncated
  await assert.rejects(readImageSet(root, 'train', own), hourglassError('BAD_FILE', /bad\/c\.png/));
  const skipped = await readImageSet(root, 'train', { ...own, skipBad: true });
  assert.equal(skipped.set.x.shape[0], 2);
  assert.deepEqual(skipped.skipped.map((s) => s.path), ['c.png']);

  const mixed = at('mixed');
  for (let i = 0; i < 3; i++) await writeImage(path.join(mixed, `s${i}.png`), 8, 8, 3, texture(i));
  await writeImage(path.join(mixed, 'w.png'), 10, 6, 3, texture(9));
  await assert.rejects(readImageSet(mixed, 'train', own), hourglassError('BAD_DATA', /differ in size \(3 x 8x8, 1 x 10x6\); pass --size/));
  assert.equal((await readImageSet(mixed, 'train', { size: { width: 8, height: 8 }, fit: 'cover' })).set.x.shape[0], 4);

  mkdirSync(at('empty'));
  writeFileSync(at('empty', 'notes.txt'), 'not an image');
  await assert.rejects(listImages(at('empty'), 'train'), hourglassError('BAD_DATA', /empty holds no images/));
  await assert.rejects(listImages(path.join(mixed, '*.jpg'), 'train'), hourglassError('BAD_DATA', /the pattern matches no image files/));
  await assert.rejects(listImages(at('nowhere'), 'train'), hourglassError('FILE_NOT_FOUND', /nowhere: no such folder/));
});

test('bad masks: a mask of another size, a mask without an image, an anomalous image without a mask', async () => {
  const sized = at('mask-size');
  await writeMvtecFolder(sized, { n: 2 });
  await writeImage(path.join(sized, 'ground_truth/scratch/001_mask.png'), 12, 12, 1, () => 0);
  await assert.rejects(readImageSet(sized, 'test', own), hourglassError('BAD_DATA', /001_mask\.png is 12x12 but its image .*test\/scratch\/001\.png is 24x24/));

  const orphan = at('mask-orphan');
  await writeMvtecFolder(orphan, { n: 2 });
  await writeImage(path.join(orphan, 'ground_truth/scratch/007_mask.png'), 24, 24, 1, () => 0);
  await assert.rejects(listImages(orphan, 'test'), hourglassError('BAD_DATA', /007_mask\.png is a mask without an image: no test\/scratch\/007/));

  const missing = at('plain-missing');
  await writeImage(path.join(missing, 'normal/n.png'), 4, 4, 1, () => 9);
  await writeImage(path.join(missing, 'anomalous/a.png'), 4, 4, 1, () => 9);
  await writeImage(path.join(missing, 'anomalous/b.png'), 4, 4, 1, () => 9);
  await writeImage(path.join(missing, 'masks/a.png'), 4, 4, 1, () => 0);
  await assert.rejects(listImages(missing, 'test'), hourglassError('BAD_DATA', /anomalous\/b\.png has no mask: expected .*masks\/b\.png/));
});

test('CLI: detect fit on an MVTec root trains on train/good; score names every row by its relative path', async () => {
  const root = at('cli-mvtec');
  await writeMvtecFolder(root, { n: 8, size: 16 });
  const fit = hourglass('detect', 'fit', '--data', root, '--size', '16', '--channels', '1', '--arch', 'pca', '--components', '2', '--out', 'mv.safetensors', '--no-progress');
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /MVTec layout, train\/good; grayscale, 16x16 \(cover\)\): 8 normal samples/);
  const score = hourglass('detect', 'score', '--model', 'mv.safetensors', '--data', root, '--size', '16', '--channels', '1', '--out', 'mv.csv');
  assert.equal(score.code, 0, score.stderr);
  const rows = readFileSync(at('mv.csv'), 'utf8').trim().split('\n');
  assert.equal(rows[0], 'path,group,label,score,normalized_score,flag');
  assert.deepEqual(rows.slice(1).map((r) => r.split(',').slice(0, 3).join(',')), ['test/good/000.png,good,0', 'test/good/001.png,good,0', 'test/scratch/000.png,scratch,1', 'test/scratch/001.png,scratch,1']);
  const report = hourglass('detect', 'report', '--model', 'mv.safetensors', '--data', root, '--size', '16', '--channels', '1', '--out', 'mv-report');
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /4 samples, .*\nhourglass: AUROC 1\.0000/);

  // A corrupt image stops the run with its name and nothing is written; --skip-bad goes on and says so.
  writeFileSync(path.join(root, 'test/good/002.png'), 'not a png');
  const bad = hourglass('detect', 'score', '--model', 'mv.safetensors', '--data', root, '--size', '16', '--channels', '1', '--out', 'bad.csv');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^hourglass: error: .*test\/good\/002\.png: not a readable PNG or JPEG image/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(at('bad.csv')), false);
  const skip = hourglass('detect', 'score', '--model', 'mv.safetensors', '--data', root, '--size', '16', '--channels', '1', '--skip-bad', '--out', 'skip.csv');
  assert.equal(skip.code, 0, skip.stderr);
  assert.match(skip.stderr, /skipped 1 unreadable image \(--skip-bad\): test\/good\/002\.png/);
  assert.equal(readFileSync(at('skip.csv'), 'utf8').trim().split('\n').length, 5);
});

test('CLI: class folders train an autoencoder and give encode its labels; an empty glob is one line and exit 1', async () => {
  const root = at('cli-classes');
  for (const [k, name] of ['a', 'b'].entries()) for (let i = 0; i < 6; i++) await writeImage(path.join(root, name, `${i}.png`), 12, 12, 1, texture(k * 50 + i));
  const train = hourglass('train', '--data', root, '--arch', 'conv', '--filters', '4', '--epochs', '1', '--batch-size', '4', '--out', 'cls-run', '--no-progress');
  assert.equal(train.code, 0, train.stderr);
  const encode = hourglass('encode', '--model', 'cls-run/model.safetensors', '--data', root, '--out', 'codes.csv');
  assert.equal(encode.code, 0, encode.stderr);
  const lines = readFileSync(at('codes.csv'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 13);
  assert.match(lines[0], /label/);
  const none = hourglass('eval', '--model', 'cls-run/model.safetensors', '--data', path.join(root, '*', '*.webp'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^hourglass: error: --data .*: the pattern matches no image files/);
  assert.equal(none.stderr.trim().split('\n').length, 1);
});

test('CLI: --patch 8 --stride 4 trains a detector on patches; score gives one row per image and full-size maps', async () => {
  const root = at('cli-patch');
  await writeMvtecFolder(root, { n: 6, size: 16 });
  const common = ['--size', '16', '--channels', '1', '--patch', '8', '--stride', '4'];
  const fit = hourglass('detect', 'fit', '--data', root, ...common, '--arch', 'pca', '--components', '2', '--out', 'patch.safetensors', '--no-progress');
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /16x16 \(cover\)\), 9 patches of 8x8 per image \(stride 4\): 54 normal samples/);
  const score = hourglass('detect', 'score', '--model', 'patch.safetensors', '--data', root, ...common, '--out', 'patch.csv', '--maps', 'patch-maps', '--maps-all');
  assert.equal(score.code, 0, score.stderr);
  const rows = readFileSync(at('patch.csv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split(','));
  assert.equal(rows.length, 4);
  const [good, bad] = [rows.filter((r) => r[2] === '0'), rows.filter((r) => r[2] === '1')];
  assert.ok(Math.min(...bad.map((r) => Number(r[3]))) > Math.max(...good.map((r) => Number(r[3]))), 'the scratched images score above the good ones');
  const meta = await sharp(at('patch-maps/test/scratch/000.png')).metadata();
  assert.deepEqual([meta.width, meta.height], [64, 64], 'a 16x16 map drawn at scale 4');
  const stray = hourglass('detect', 'score', '--model', 'patch.safetensors', '--data', root, '--stride', '4', '--out', 'x.csv');
  assert.equal(stray.code, 1);
  assert.match(stray.stderr, /--stride is the step between patches: give --patch N too/);
});
