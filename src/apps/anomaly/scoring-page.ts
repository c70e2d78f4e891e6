import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HourglassError } from '../../core/errors.js';
import { packageVersion } from '../../core/version.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { toOnnx } from '../export-onnx.js';
import type { AnomalyDetector } from './anomaly-detector.js';

/** The page's own files (HTML, CSS, browser script), at the package root. */
const PAGE_DIR = fileURLToPath(new URL('../../../../web/scoring-page/', import.meta.url));

/**
 * ONNX Runtime's WebAssembly build: its ES module, the Emscripten glue module, the binary.
 * (The 'bundle' module that carries the glue inside refuses to use it from a blob: URL on a
 * page opened from disk, so the glue is embedded on its own and handed over by URL.)
 */
const RUNTIME_MODULE = 'ort.wasm.min.mjs';
const RUNTIME_GLUE = 'ort-wasm-simd-threaded.mjs';
const RUNTIME_WASM = 'ort-wasm-simd-threaded.wasm';

async function runtimeFiles(): Promise<{ module: string; glue: string; wasm: Buffer }> {
  let dist: string;
  try {
    dist = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web/wasm'));
  } catch {
    throw new HourglassError('FILE_NOT_FOUND', 'the scoring page embeds onnxruntime-web, which is not installed: run `npm install` in the project that uses hourglass');
  }
  const [module, glue, wasm] = await Promise.all([
    readFile(path.join(dist, RUNTIME_MODULE), 'utf8'),
    readFile(path.join(dist, RUNTIME_GLUE), 'utf8'),
    readFile(path.join(dist, RUNTIME_WASM)),
  ]);
  return { module, glue, wasm };
}

/** What the page tells the user about the model and needs to read its inputs. */
export interface ScoringPageCard {
  kind: 'detector';
  description: string;
  sampleShape: number[];
  columns: string[] | null;
  threshold: number;
  scoreKinds: string[];
  hourglassVersion: string;
}

/**
 * Text placed inside a <script> block must not close it: '</script' (and '<!--') cannot
 * appear; in JSON and JavaScript source, '<\/' means the same as '</'.
 */
function scriptSafe(text: string, what: string): string {
  const safe = text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  if (/<\/script/i.test(safe)) throw new HourglassError('BAD_FILE', `${what} cannot be embedded in a page`);
  return safe;
}

/**
 * One self-contained HTML page that scores with the detector in the browser: the exported
 * ONNX model and ONNX Runtime's WebAssembly build are embedded (base64), so the page works
 * opened from disk, offline, with nothing sent anywhere. The user drops CSV rows or images
 * and sees each score, the normalised score, the flag against the detector's threshold, and
 * the top contributing columns (tables) or the heat map (images). About 16 MB, most of it
 * the runtime.
 */
export async function scoringPage(detector: AnomalyDetector, description = describeDetector(detector)): Promise<string> {
  const [template, css, script, runtime] = await Promise.all([
    readFile(path.join(PAGE_DIR, 'page.html'), 'utf8'),
    readFile(path.join(PAGE_DIR, 'page.css'), 'utf8'),
    readFile(path.join(PAGE_DIR, 'page.js'), 'utf8'),
    runtimeFiles(),
  ]);
  const card: ScoringPageCard = {
    kind: 'detector',
    description,
    sampleShape: [...detector.sampleShape],
    columns: detector.columns,
    threshold: detector.threshold,
    scoreKinds: [...detector.scoreKinds],
    hourglassVersion: packageVersion(),
  };
  const parts: Record<string, string> = {
    TITLE: description.replace(/[<>&"]/g, ''),
    CSS: css,
    // '<' as \u003c keeps the JSON valid and unable to close its <script>.
    CARD: JSON.stringify(card).replace(/</g, '\\u003c'),
    MODEL: Buffer.from(toOnnx(detector)).toString('base64'),
    WASM: runtime.wasm.toString('base64'),
    RUNTIME: scriptSafe(runtime.module, RUNTIME_MODULE),
    GLUE: scriptSafe(runtime.glue, RUNTIME_GLUE),
    SCRIPT: scriptSafe(script, 'page.js'),
  };
  // One pass over the template, so a placeholder-like text inside an inserted part stays as it is.
  return template.replace(/\{\{([A-Z]+)\}\}/g, (whole, key: string) => parts[key] ?? whole);
}

/** One line saying what the detector is: its model kind and score. */
export function describeDetector(detector: AnomalyDetector): string {
  const model = detector.modelKind === 'pca' ? 'PCA' : 'autoencoder';
  const latent = detector.latentWeight > 0 ? ` + ${detector.latentWeight} x latent` : '';
  return `${model} detector, score ${detector.scoreKinds.join(' + ')}${latent}`;
}

/** Writes scoringPage(...) to `file` atomically. */
export async function writeScoringPage(detector: AnomalyDetector, file: string, description = describeDetector(detector)): Promise<void> {
  await writeFileAtomic(file, await scoringPage(detector, description));
}
