import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gatherRows, tensor, type Tensor } from '../src/core/tensor.js';
import { Classifier } from '../src/models/classifier.js';
import { classifierFromAutoencoder } from '../src/apps/finetune/classifier-from-autoencoder.js';
import { denseAutoencoder } from '../src/models/dense-preset.js';
import type { Autoencoder } from '../src/models/autoencoder.js';
import { CrossEntropyLoss, oneHot } from '../src/train/cross-entropy.js';
import { NeighbourGraph, fineTuneWithPropagation, propagateLabels, propagatedTargets } from '../src/apps/finetune/propagation.js';
import { l2spTerm, pseudoLabelTerm, reconstructionTerm, semiSupervisedTerms } from '../src/apps/finetune/regularizers.js';
import { fineTuneClassifier } from '../src/apps/finetune/fine-tune.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import { writeNpy } from '../src/data/npy.js';
import { hourglassError, tempDir } from './support/data-files.js';
import { blobs } from './support/blobs.js';
import { cliRunner } from './support/cli.js';


async function trainedAutoencoder(x: Tensor, epochs = 3): Promise<Autoencoder> {
  const ae = denseAutoencoder({ inputDim: 6, hidden: [10], bottleneck: 3, outputActivation: 'linear', seed: 1 });
  await ae.fit(x, { epochs, batchSize: 32 });
  return ae;
}

test('label propagation spreads one label per class over separated clusters, with confidences', () => {
  const { x, labels } = blobs(300, 7, 0.3);
  const given = [0, 1, 2]; // samples 0, 1, 2 are of classes 0, 1, 2
  const p = propagateLabels(x, given, [0, 1, 2], 3, { neighbours: 8 });
  const right = p.labels.filter((c, i) => c === labels[i]).length;
  assert.ok(right >= 297, `${right}/300 propagated right`);
  for (const i of given) assert.equal(p.confidence[i], 1);
  assert.ok(p.confidence.every((c) => c >= 0 && c <= 1));
  // Weighted targets: given labels weigh 1, every class gets the same total weight.
  const t = propagatedTargets(p, 3, given);
  assert.deepEqual(t.shape, [300, 3]);
  const totals = [0, 1, 2].map((c) => Array.from({ length: 300 }, (_, i) => (given.includes(i) ? 0 : t.data[i * 3 + c])).reduce((a, b) => a + b, 0));
  assert.ok(Math.max(...totals) - Math.min(...totals) < 1e-3 * Math.max(...totals), `class totals ${totals}`);
  for (const i of given) assert.equal(t.data[i * 3 + labels[i]], 1);
  // One graph, several label sets.
  const graph = NeighbourGraph.build(x, { neighbours: 8 });
  assert.deepEqual(graph.propagate([3, 4, 5], [0, 1, 2], 3).labels, graph.propagate([3, 4, 5], [0, 1, 2], 3).labels);
});

test('label propagation refuses bad input', () => {
  const { x } = blobs(30, 1);
  assert.throws(() => NeighbourGraph.build(x, { neighbours: 30 }), hourglassError('INVALID_ARGUMENT', /30 neighbours need more than 30 samples/));
  assert.throws(() => NeighbourGraph.build(x, { neighbours: 0 }), hourglassError('INVALID_ARGUMENT', /neighbours must be a positive integer/));
  const g = NeighbourGraph.build(x, { neighbours: 5 });
  assert.throws(() => g.propagate([0, 40], [0, 1], 3), hourglassError('INVALID_ARGUMENT', /labelled index 40 is not one of the 30 samples/));
  assert.throws(() => g.propagate([0, 1], [0], 3), hourglassError('SHAPE_MISMATCH', /2 labelled indices but 1 labels/));
  assert.throws(() => g.propagate([0], [5], 3), hourglassError('BAD_DATA', /label 5 of sample 0 is not a class/));
  assert.throws(() => g.propagate([0], [0], 3, { alpha: 1 }), hourglassError('INVALID_ARGUMENT', /alpha must be in \(0, 1\)/));
  const bad = tensor([30, 6], Float32Array.from(x.data));
  bad.data[7] = NaN;
  assert.throws(() => NeighbourGraph.build(bad, { neighbours: 5 }), hourglassError('INVALID_ARGUMENT', /feature 1 of sample 1 is NaN/));
});

test('fine-tuning with propagated labels learns three blobs from one label each', async () => {
  const { x, labels } = blobs(240, 3, 0.3);
  const ae = await trainedAutoencoder(x, 20);
  const model = classifierFromAutoencoder(ae, { classes: 3, hidden: [8], mode: 'full', seed: 2 });
  const rounds: number[] = [];
  const run = await fineTuneWithPropagation(model, x, [0, 1, 2], [0, 1, 2], { epochs: 8, probeEpochs: 4, learningRate: 1e-2, probeLearningRate: 1e-2 }, {
    neighbours: 6,
    rounds: 2,
    batchSize: 32,
    onRound: (round, confidence) => rounds.push(round + confidence * 0),
  });
  assert.deepEqual(rounds, [1, 2]);
  assert.equal(run.rounds.length, 2);
  assert.equal(run.propagated.labels.length, 240);
  assert.ok(model.evaluate(x, labels).accuracy > 0.9, `accuracy ${model.evaluate(x, labels).accuracy}`);
  await assert.rejects(
    fineTuneWithPropagation(model, gatherRows(x, [0, 1, 2]), [0, 1, 2], [0, 1, 2], { epochs: 1, probeEpochs: 0, learningRate: 1e-3, probeLearningRate: 1e-3 }),
    hourglassError('INVALID_ARGUMENT', /needs unlabelled samples: all 3 samples are labelled/),
  );
});

test('the reconstruction term adds lambda times the reconstruction gradient to the encoder, and trains a decoder copy', async () => {
  const { x, labels } = blobs(120, 4);
  const ae = await trainedAutoencoder(x);
  const aeBefore = [...ae.encoder.params(), ...ae.decoder.params()].map((p) => Float32Array.from(p.value.data));
  const model = classifierFromAutoencoder(ae, { classes: 3, hidden: [8], seed: 3 });
  const batch = gatherRows(x, Array.from({ length: 16 }, (_, i) => i));
  const targets = oneHot(labels.slice(0, 16), 3);
  const gradsWith = (weight: number | null): Float32Array[] => {
    const out = model.forward(batch, true);
    const g = tensor(out.shape);
    new CrossEntropyLoss().gradient(out, targets, g);
    model.backward(g);
    if (weight !== null) {
      const term = reconstructionTerm(model, ae, x, { weight, batchSize: 32, seed: 5 });
      term.addGradients(model);
    }
    return model.encoder.params().map((p) => Float32Array.from(p.grad.data));
  };
  const g0 = gradsWith(null);
  const g1 = gradsWith(1);
  const g3 = gradsWith(3);
  let changed = false;
  g0.forEach((base, i) =>
    base.forEach((v, k) => {
      const r1 = g1[i][k] - v;
      const r3 = g3[i][k] - v;
      if (r1 !== 0) changed = true;
      assert.ok(Math.abs(r3 - 3 * r1) <= 1e-4 * Math.max(1e-3, Math.abs(r3)), `param ${i}[${k}]: ${r3} vs 3 x ${r1}`);
    }),
  );
  assert.ok(changed, 'the reconstruction term changed the encoder gradient');

  const term = reconstructionTerm(model, ae, x, { weight: 1, batchSize: 32, seed: 5 });
  const { history: record } = await model.fit(x, labels, { epochs: 10, batchSize: 16, learningRate: 1e-2, regularizers: [term] });
  assert.deepEqual(record.options.regularizers, ['reconstruction(weight 1, batch 32)']);
  assert.ok(model.evaluate(x, labels).accuracy > 0.9);
  assert.ok(term.params().length > 0, 'the decoder copy is trained along');
  [...ae.encoder.params(), ...ae.decoder.params()].forEach((p, i) => assert.deepEqual(p.value.data, aeBefore[i], 'the autoencoder is untouched'));
});

test('L2-SP holds the encoder near its pre-trained weights; pseudo-labels train; frozen mode refuses terms', async () => {
  const { x, labels } = blobs(150, 5);
  const ae = await trainedAutoencoder(x);
  const w0 = ae.encoder.params().map((p) => Float32Array.from(p.value.data));
  const drift = async (alpha: number | null): Promise<number> => {
    const model = classifierFromAutoencoder(ae, { classes: 3, hidden: [8], seed: 6 });
    const regularizers = alpha === null ? [] : [l2spTerm(model, { alpha })];
    await model.fit(x, labels, { epochs: 5, batchSize: 16, learningRate: 1e-2, regularizers });
    return model.encoder.params().reduce((s, p, i) => s + p.value.data.reduce((t, v, k) => t + (v - w0[i][k]) ** 2, 0), 0);
  };
  const free = await drift(null);
  const held = await drift(10);
  assert.ok(held < free / 2, `L2-SP drift ${held} vs ${free} without`);

  const model = classifierFromAutoencoder(ae, { classes: 3, hidden: [8], seed: 7 });
  await fineTuneClassifier(model, gatherRows(x, [0, 1, 2, 3, 4, 5]), labels.slice(0, 6), { epochs: 30, probeEpochs: 20, learningRate: 1e-2, probeLearningRate: 1e-2 }, {
    batchSize: 6,
    regularizers: [pseudoLabelTerm(model, x, { weight: 1, batchSize: 32, threshold: 0.5, rampSteps: 3 })],
  });
  assert.ok(model.evaluate(x, labels).accuracy > 0.6, `accuracy ${model.evaluate(x, labels).accuracy}`);

  const frozen = classifierFromAutoencoder(ae, { classes: 3, mode: 'frozen' });
  await assert.rejects(frozen.fit(x, labels, { epochs: 1, regularizers: [l2spTerm(frozen, { alpha: 1 })] }), hourglassError('INVALID_ARGUMENT', /does not train in frozen mode/));
  assert.throws(() => l2spTerm(model, { alpha: -1 }), hourglassError('INVALID_ARGUMENT', /L2-SP strength must be a positive number/));
  assert.throws(() => reconstructionTerm(model, ae, x, { weight: 0, batchSize: 8 }), hourglassError('INVALID_ARGUMENT', /reconstruction weight must be a positive number/));
  assert.throws(() => reconstructionTerm(model, ae, tensor([4, 5]), { weight: 1, batchSize: 8 }), hourglassError('SHAPE_MISMATCH', /unlabelled data has shape \[4, 5\]/));
  const other = denseAutoencoder({ inputDim: 6, hidden: [12], bottleneck: 3, seed: 2, outputActivation: 'sigmoid' });
  assert.throws(() => reconstructionTerm(model, other, x, { weight: 1, batchSize: 8 }), hourglassError('SHAPE_MISMATCH', /not the first layers of this autoencoder's encoder/));
  assert.throws(() => pseudoLabelTerm(model, x, { weight: 1, batchSize: 8, threshold: 1 }), hourglassError('INVALID_ARGUMENT', /threshold must be in \[0, 1\)/));
  assert.throws(() => semiSupervisedTerms(classifierFromAutoencoder(ae, { classes: 3, weights: 'random' }), ae, x, { l2sp: 1 }, { init: 'random' }), hourglassError('INVALID_ARGUMENT', /has none/));
  assert.equal(semiSupervisedTerms(model, ae, x, { reconstructionWeight: 0, pseudoLabelWeight: 0, l2sp: 0 }).length, 0);
});

const tmp = tempDir('finetune-semi-cli');
const hourglass = cliRunner(tmp);

test('hourglass finetune --semi-supervised propagation and the unlabelled-data terms on a small Fashion-MNIST file', async () => {
  const { images, labels } = await loadFashionMnist({ split: 'train', limit: 700 });
  await writeNpy(path.join(tmp, 'images.npy'), images);
  writeFileSync(path.join(tmp, 'labels.csv'), Array.from(labels).join('\n') + '\n');
  const ae = path.join(tmp, 'ae', 'model.safetensors');
  const train = hourglass('train', '--data', 'images.npy', '--epochs', '2', '--hidden', '64', '--bottleneck', '16', '--out', 'ae', '--no-progress');
  assert.equal(train.code, 0, train.stderr);
  const common = ['finetune', '--pretrained', ae, '--data', 'images.npy', '--label-file', 'labels.csv', '--labels', '50', '--head', '32', '--no-progress'];

  const prop = hourglass(...common, '--semi-supervised', 'propagation', '--neighbours', '8', '--epochs', '3', '--probe-epochs', '2', '--out', 'prop');
  assert.equal(prop.code, 0, prop.stderr);
  assert.match(prop.stderr, /label propagation: 50 labels spread to 630 samples along a 8-NN graph, mean confidence 0\.\d+/);
  const metrics = JSON.parse(readFileSync(path.join(tmp, 'prop', 'metrics.json'), 'utf8'));
  assert.equal(metrics.semiSupervised, 'propagation');
  assert.equal(metrics.propagation.neighbours, 8);
  assert.ok(metrics.testAccuracy > 0.3, `accuracy ${metrics.testAccuracy}`);

  const terms = hourglass(...common, '--reconstruction-weight', '1', '--l2sp', '0.01', '--pseudo-label-weight', '0.5', '--unlabelled-batch', '32', '--epochs', '2', '--out', 'terms');
  assert.equal(terms.code, 0, terms.stderr);
  assert.match(terms.stdout, /also: reconstruction\(weight 1, batch 32\), pseudo-labels\(weight 0\.5, batch 32, threshold 0\.95\), l2-sp\(alpha 0\.01\) on the 630 training samples/);
  assert.deepEqual(JSON.parse(readFileSync(path.join(tmp, 'terms', 'metrics.json'), 'utf8')).regularizers.length, 3);

  const cases: [string[], RegExp][] = [
    [['--semi-supervised', 'magic'], /--semi-supervised must be none or propagation, got 'magic'/],
    [['--mode', 'frozen', '--reconstruction-weight', '1'], /--reconstruction-weight acts on the encoder while it trains; with --mode frozen it never does/],
    [['--l2sp', '-1'], /--l2sp must be a number >= 0, got -1/],
    [['--pseudo-label-weight', '1', '--pseudo-label-threshold', '1.5'], /--pseudo-label-threshold must be in \[0, 1\), got 1\.5/],
    [['--reconstruction-weight', '1', '--unlabelled-batch', '0'], /--unlabelled-batch must be a positive integer, got 0/],
    [['--semi-supervised', 'propagation', '--neighbours', '2.5'], /--neighbours must be a positive integer, got 2\.5/],
    [['--init', 'random', '--l2sp', '1'], /a classifier from random weights has none/],
  ];
  for (const [extra, message] of cases) {
    const r = hourglass(...common, ...extra, '--out', 'bad');
    assert.equal(r.code, 1, `${extra.join(' ')} should fail: ${r.stderr}`);
    assert.match(r.stderr, message, `${extra.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  const all = hourglass('finetune', '--pretrained', ae, '--data', 'images.npy', '--label-file', 'labels.csv', '--semi-supervised', 'propagation', '--out', 'bad');
  assert.equal(all.code, 1);
  assert.match(all.stderr, /all 630 training samples are labelled; pass --labels N below 630/);
  assert.ok(!existsSync(path.join(tmp, 'bad')));
});
