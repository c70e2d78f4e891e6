import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HourglassError } from '../core/errors.js';
import { globToRegExp, isGlobPattern, splitGlob } from './glob-pattern.js';

/**
 * What files an image folder (or glob) holds and what they mean: the listing and the layout,
 * before any pixel is decoded. Layouts, recognised from the folder names:
 * - mvtec: `train/good/`, `test/<defect>/`, optional `ground_truth/<defect>/<name>_mask.png`
 *   (the MVTec AD layout). The train split is train/good; the test split is test/, labelled
 *   good = 0 and every other defect type 1, grouped by defect type, with masks.
 * - normal-anomalous: `normal/`, optional `anomalous/`, optional `masks/` holding masks under
 *   the anomalous images' file names. Train split: normal/; test split: both, labelled 0/1.
 * - classes: every image sits in a sub-folder of the root (none at the top): one class per
 *   sub-folder, labels 0, 1, ... in sorted name order (what finetune and classify need).
 * - files: anything else, and every glob: the images, no labels.
 * Files are listed in sorted order of their relative paths (plain code-unit order, the same
 * on every machine and locale), so a seed gives the same run everywhere.
 */

export type ImageLayout = 'mvtec' | 'normal-anomalous' | 'classes' | 'files';

/** The file name endings read as images; other files in the folder are ignored. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'] as const;

export interface ImageEntry {
  /** The file as it can be opened (the root joined with `path`). */
  file: string;
  /** Relative to the input root, '/'-separated: how every output names the image. */
  path: string;
  /** 0 normal / 1 anomalous (mvtec, normal-anomalous), or the class index (classes); null in `files`. */
  label: number | null;
  /** Defect type, 'normal'/'anomalous', or class name; null in `files`. */
  group: string | null;
  /** The ground-truth mask file, when the layout has masks and this image has one. */
  mask: string | null;
}

export interface ImageListing {
  root: string;
  layout: ImageLayout;
  /** Which part of the layout was taken, in words ('test/ (5 defect types)'). */
  part: string;
  entries: ImageEntry[];
  /** Class names of a `classes` layout (index = label); null otherwise. */
  classNames: string[] | null;
  /** True when the layout gave masks (then images without one are normal and get a zero mask). */
  hasMasks: boolean;
}

export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !path.basename(lower).startsWith('.') && IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** True when --data names an image folder or glob rather than a data file or 'fashion-mnist'. */
export async function isImageInput(spec: string): Promise<boolean> {
  if (isGlobPattern(spec)) return true;
  try {
    return (await stat(spec)).isDirectory();
  } catch {
    return false;
  }
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every file below `dir` (relative, '/'-separated, sorted); hidden files and folders skipped. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  let items;
  try {
    items = await readdir(path.join(dir, prefix), { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HourglassError('FILE_NOT_FOUND', `${path.join(dir, prefix)}: no such folder`);
    throw new HourglassError('BAD_FILE', `cannot list ${path.join(dir, prefix)}: ${(e as Error).message}`);
  }
  const out: string[] = [];
  for (const item of items) {
    if (item.name.startsWith('.')) continue;
    const rel = prefix ? `${prefix}/${item.name}` : item.name;
    if (item.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (item.isFile() || item.isSymbolicLink()) out.push(rel);
  }
  return out.sort(byCodeUnit);
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function emptyError(what: string): HourglassError {
  return new HourglassError('BAD_DATA', `${what} holds no images (${IMAGE_EXTENSIONS.join(', ')}); check the path`);
}

/**
 * Lists the images of `spec` (a folder or a glob) for `split`: 'train' is the normal part of
 * an anomaly layout, 'test' the labelled part; other layouts give all their images to both.
 */
export async function listImages(spec: string, split: 'train' | 'test'): Promise<ImageListing> {
  if (isGlobPattern(spec)) {
    const { root, relative } = splitGlob(spec);
    if (!(await isDir(root))) throw new HourglassError('FILE_NOT_FOUND', `--data ${spec}: the folder ${root} does not exist`);
    const match = globToRegExp(relative);
    const files = (await walk(root)).filter((f) => match.test(f) && isImageFileName(f));
    if (files.length === 0) throw new HourglassError('BAD_DATA', `--data ${spec}: the pattern matches no image files (${IMAGE_EXTENSIONS.join(', ')})`);
    return { root, layout: 'files', part: `${files.length} files matching ${relative}`, entries: files.map((f) => entry(root, f, null, null)), classNames: null, hasMasks: false };
  }
  const root = spec;
  if (!(await isDir(root))) throw new HourglassError('FILE_NOT_FOUND', `${root}: no such folder`);
  if ((await isDir(path.join(root, 'train', 'good'))) && (await isDir(path.join(root, 'test')))) return listMvtec(root, split);
  if (await isDir(path.join(root, 'normal'))) return listNormalAnomalous(root, split);
  const files = (await walk(root)).filter(isImageFileName);
  if (files.length === 0) throw emptyError(`the folder ${root}`);
  const topLevel = files.filter((f) => !f.includes('/'));
  const classNames = [...new Set(files.map((f) => f.split('/')[0]))].sort(byCodeUnit);
  if (topLevel.length === 0 && classNames.length >= 2) {
    // Labels are bytes downstream (LoadedData.labels).
    if (classNames.length > 256) throw new HourglassError('BAD_DATA', `${root} has ${classNames.length} class sub-folders; at most 256 classes are read`);
    const index = new Map(classNames.map((c, i) => [c, i]));
    return {
      root,
      layout: 'classes',
      part: `${classNames.length} classes (${classNames.join(', ')})`,
      entries: files.map((f) => entry(root, f, index.get(f.split('/')[0])!, f.split('/')[0])),
      classNames,
      hasMasks: false,
    };
  }
  return { root, layout: 'files', part: `${files.length} images`, entries: files.map((f) => entry(root, f, null, null)), classNames: null, hasMasks: false };
}

function entry(root: string, rel: string, label: number | null, group: string | null, mask: string | null = null): ImageEntry {
  return { file: path.join(root, rel), path: rel, label, group, mask };
}

const stem = (rel: string): string => path.posix.basename(rel).replace(/\.[^.]*$/, '');

async function listMvtec(root: string, split: 'train' | 'test'): Promise<ImageListing> {
  if (split === 'train') {
    const files = (await walk(path.join(root, 'train', 'good'))).filter(isImageFileName);
    if (files.length === 0) throw emptyError(`${path.join(root, 'train', 'good')} (the normal training images of an MVTec-style layout)`);
    return { root, layout: 'mvtec', part: 'train/good', entries: files.map((f) => entry(root, `train/good/${f}`, 0, 'good')), classNames: null, hasMasks: false };
  }
  const files = (await walk(path.join(root, 'test'))).filter(isImageFileName);
  if (files.length === 0) throw emptyError(`${path.join(root, 'test')} (the test images of an MVTec-style layout)`);
  const truthDir = path.join(root, 'ground_truth');
  const hasMasks = await isDir(truthDir);
  const masks = new Map<string, string>(); // 'defect/stem' -> mask path relative to root
  if (hasMasks) {
    for (const m of (await walk(truthDir)).filter(isImageFileName)) {
      const defect = m.split('/')[0];
      masks.set(`${defect}/${stem(m).replace(/_mask$/, '')}`, `ground_truth/${m}`);
    }
  }
  const used = new Set<string>();
  const entries: ImageEntry[] = [];
  for (const f of files) {
    if (!f.includes('/')) throw new HourglassError('BAD_DATA', `${path.join(root, 'test', f)}: test images of an MVTec-style layout sit in test/<defect type>/ (test/good/ for normal ones)`);
    const defect = f.split('/')[0];
    const key = `${defect}/${stem(f)}`;
    const mask = masks.get(key) ?? null;
    if (mask) used.add(key);
    if (hasMasks && defect !== 'good' && !mask)
      throw new HourglassError('BAD_DATA', `${path.join(root, 'test', f)} has no mask: expected ${path.join(truthDir, defect, `${stem(f)}_mask.png`)}`);
    entries.push(entry(root, `test/${f}`, defect === 'good' ? 0 : 1, defect, mask ? path.join(root, mask) : null));
  }
  for (const [key, mask] of masks)
    if (!used.has(key)) throw new HourglassError('BAD_DATA', `${path.join(root, mask)} is a mask without an image: no test/${key}.* in ${root}`);
  const defects = [...new Set(entries.map((e) => e.group))].filter((g) => g !== 'good');
  return { root, layout: 'mvtec', part: `test/ (good + ${defects.length} defect type${defects.length === 1 ? '' : 's'})`, entries, classNames: null, hasMasks };
}

async function listNormalAnomalous(root: string, split: 'train' | 'test'): Promise<ImageListing> {
  const normal = (await walk(path.join(root, 'normal'))).filter(isImageFileName);
  if (normal.length === 0) throw emptyError(`${path.join(root, 'normal')}`);
  const normalEntries = normal.map((f) => entry(root, `normal/${f}`, 0, 'normal'));
  if (split === 'train') return { root, layout: 'normal-anomalous', part: 'normal/', entries: normalEntries, classNames: null, hasMasks: false };
  const anomalous = (await isDir(path.join(root, 'anomalous'))) ? (await walk(path.join(root, 'anomalous'))).filter(isImageFileName) : [];
  const maskDir = path.join(root, 'masks');
  const hasMasks = await isDir(maskDir);
  const masks = new Set(hasMasks ? (await walk(maskDir)).filter(isImageFileName) : []);
  const entries = [...normalEntries];
  for (const f of anomalous) {
    if (hasMasks && !masks.has(f)) throw new HourglassError('BAD_DATA', `${path.join(root, 'anomalous', f)} has no mask: expected ${path.join(maskDir, f)}`);
    entries.push(entry(root, `anomalous/${f}`, 1, 'anomalous', hasMasks ? path.join(maskDir, f) : null));
  }
  const anomalousSet = new Set(anomalous);
  for (const m of masks) if (!anomalousSet.has(m)) throw new HourglassError('BAD_DATA', `${path.join(maskDir, m)} is a mask without an image: no anomalous/${m} in ${root}`);
  return { root, layout: 'normal-anomalous', part: `normal/ + anomalous/ (${normal.length} + ${anomalous.length})`, entries, classNames: null, hasMasks };
}
