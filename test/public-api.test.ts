// The package root is the library's API: what README.md and docs/*.md present as functions and
// classes is exported from it (so removing one is a visible, tested decision), and the
// declarations a user's compiler reads from it never reach into the native engine's modules
// (src/core/native), which are internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled tests run from dist/test.
const distSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');

/** Runtime exports (functions and classes) the docs present as API, by area. */
const API: Record<string, readonly string[]> = {
  models: [
    'Autoencoder', 'denseAutoencoder', 'convAutoencoder', 'convPresetDefaults', 'resolveConvPreset', 'describeConvPreset', 'buildAutoencoder', 'PCA', 'Classifier', 'classifierFromAutoencoder',
    'classificationHead', 'AnomalyDetector', 'Denoiser', 'Codec', 'loadModel',
  ],
  engine: ['HourglassError', 'tensor', 'zeros', 'reshape', 'sliceRows', 'gatherRows', 'sizeOf', 'Rng', 'setThreads', 'getThreads', 'cpuCapabilities'],
  layers: [
    'Dense', 'Conv2d', 'Conv2dTranspose', 'MaxPool2d', 'AvgPool2d', 'Upsampling2d', 'BatchNorm2d', 'Activation', 'Dropout',
    'Flatten', 'Reshape', 'Identity', 'Sequential', 'layerFromConfig',
  ],
  training: ['fit', 'ReconstructionLoss', 'CrossEntropyLoss', 'oneHot', 'softmax', 'Optimizer'],
  data: [
    'loadFashionMnist', 'readNumericCsv', 'streamNumericCsv', 'writeCsv', 'readNpy', 'writeNpy', 'readIdx', 'writeIdx',
    'MinMaxScaler', 'StandardScaler', 'scalerFromJSON', 'splitValidation', 'subset', 'syntheticData', 'balancedSample',
    'readImageSet', 'listImages', 'decodeImageFile', 'parseImageSize', 'ImageFolderSource', 'tensorSource',
    'patchLayout', 'extractPatches', 'stitchPatches', 'stitchPatchScores', 'maxPatchScorePerImage',
    'readNiftiSlices', 'readNiftiVolume',
  ],
  anomaly: [
    'scoreCsvFile', 'writeAnomalyReport', 'evaluatePixels', 'formatPixelEvaluation', 'parsePixelThreshold', 'pixelThreshold', 'PixelZScore', 'brainBenchmark',
    'planTableDetector', 'tableDetectorDefaults', 'TableEnsemble', 'TableEncoder', 'rawTable',
  ],
  denoising: [
    'parseCorruption', 'formatCorruption', 'corrupt', 'corruptWithSeed', 'corruptionTransform', 'medianFilter', 'gaussianBlur',
    'bestBlurSigma', 'processTiled', 'applyDenoiser', 'readImage', 'writeImage',
  ],
  codec: ['encodeHgc', 'decodeHgc', 'RangeEncoder', 'RangeDecoder', 'StaticFrequencyModel', 'AdaptiveFrequencyModel', 'calibrateLatent', 'quantize', 'dequantize'],
  finetune: [
    'fineTuneClassifier', 'fineTuneRecipe', 'propagationRecipe', 'fineTuneWithPropagation', 'NeighbourGraph', 'propagateLabels',
    'propagatedTargets', 'reconstructionTerm', 'pseudoLabelTerm', 'l2spTerm',
  ],
  metrics: [
    'auroc', 'averagePrecision', 'rocCurve', 'precisionRecallCurve', 'binaryConfusionMatrix', 'decisionMetrics', 'metricsAtThreshold',
    'psnr', 'psnrPerImage', 'meanPsnr', 'ssim', 'ssimPerImage', 'meanSsim', 'classificationMetrics', 'confusionMatrix',
    'formatClassificationReport', 'rankPixels', 'pixelAuroc', 'aupro', 'bestDice', 'connectedComponents',
  ],
  files: ['saveModelFile', 'loadModelFile', 'compareBottlenecks', 'toOnnx', 'exportOnnx'],
};

test('the package root exports every function and class the docs present as API', async () => {
  const root = (await import(path.join(distSrc, 'index.js'))) as Record<string, unknown>;
  for (const [area, names] of Object.entries(API)) {
    const missing = names.filter((n) => typeof root[n] !== 'function');
    assert.deepEqual(missing, [], `${area}: not exported as a function or class from the package root`);
  }
  // Every model kind has the contract's static load.
  for (const cls of ['Autoencoder', 'PCA', 'Classifier', 'AnomalyDetector', 'Denoiser', 'Codec']) {
    assert.equal(typeof (root[cls] as { load?: unknown }).load, 'function', `${cls}.load`);
  }
});

test("the root's declarations never name src/core/native (the engine's internals)", async () => {
  // Every .d.ts reachable from index.d.ts through relative imports and import() types.
  const seen = new Set<string>();
  const queue = [path.join(distSrc, 'index.d.ts')];
  const offending: string[] = [];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)['"](\.[^'"]+)['"]/g)) {
      const target = path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.d.ts'));
      if (target.split(path.sep).join('/').includes('/core/native/')) offending.push(`${path.relative(distSrc, file)} imports ${m[1]}`);
      else if (existsSync(target)) queue.push(target);
    }
  }
  assert.ok(seen.size > 20, `only ${seen.size} declaration files reached from index.d.ts`);
  assert.deepEqual(offending, []);
});
