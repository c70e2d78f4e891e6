import { invalid } from '../../core/errors.js';
import { sizeOf, type Shape } from '../../core/tensor.js';
import type { Layer } from '../../layers/layer.js';
import { copyLayerTensors, layerFromConfig } from '../../layers/registry.js';
import { Dense } from '../../layers/dense.js';
import { Activation } from '../../layers/activation.js';
import { Dropout } from '../../layers/dropout.js';
import { Flatten } from '../../layers/reshape.js';
import { scalerFromJSON, type Scaler } from '../../data/scaler.js';
import type { Autoencoder } from '../../models/autoencoder.js';
import { Classifier, type FineTuneMode } from '../../models/classifier.js';

export interface HeadOptions {
  /** Hidden widths of the head (ReLU); [] gives a linear (softmax regression) head. Default []. */
  hidden?: number[];
  /** Dropout after each hidden layer of the head. Default 0. */
  dropout?: number;
}

export interface ClassifierFromAutoencoderOptions extends HeadOptions {
  /** Class names (their count is the number of classes), or just the number of classes. */
  classNames?: readonly string[];
  classes?: number;
  /** How fit treats the encoder. Default 'full'. */
  mode?: FineTuneMode;
  /** The encoder's learning-rate scale in 'discriminative' mode, in (0, 1]. Default 0.1. */
  encoderLearningRateScale?: number;
  /** 'pretrained' copies the autoencoder's weights; 'random' keeps only its architecture (the from-scratch baseline). Default 'pretrained'. */
  weights?: 'pretrained' | 'random';
  /** Keep only the first N layers of the encoder (e.g. classify from the conv features, before a dense waist). Default: all. */
  encoderLayers?: number;
  /** Seeds the head's (and, with weights 'random', the encoder's) initial weights. Default 0. */
  seed?: number;
}

/**
 * A classifier on a trained autoencoder's encoder: the encoder's layers rebuilt from their
 * configs with the weights and buffers copied (so the autoencoder itself is never modified),
 * its own copy of the autoencoder's scaler, and a new head (`classificationHead`). Like the
 * autoencoder presets, a plain function that returns a configured model.
 */
export function classifierFromAutoencoder(autoencoder: Autoencoder, options: ClassifierFromAutoencoderOptions): Classifier {
  const classNames = resolveClassNames(options);
  const source = autoencoder.encoder.layers;
  const depth = options.encoderLayers ?? source.length;
  if (!Number.isInteger(depth) || depth < 1 || depth > source.length)
    throw invalid(`encoderLayers must be an integer from 1 to ${source.length} (the autoencoder's encoder has ${source.length} layers), got ${depth}`);
  const encoder = source.slice(0, depth).map((l) => layerFromConfig(l.config()));
  const featureShape = depth === source.length ? autoencoder.encoder.outputShape : autoencoder.encoder.shapes[depth - 1];
  const head = classificationHead(featureShape, classNames.length, options);
  const seed = options.seed ?? 0;
  const model = new Classifier({
    inputShape: autoencoder.inputShape,
    encoder,
    head,
    classNames,
    mode: options.mode,
    encoderLearningRateScale: options.encoderLearningRateScale,
    scaler: copyScaler(autoencoder.scaler),
    seed,
  });
  if ((options.weights ?? 'pretrained') === 'pretrained') {
    copyLayerTensors(autoencoder.encoder.layers.slice(0, depth), encoder);
  } else if (options.weights !== 'random') {
    throw invalid(`weights must be 'pretrained' or 'random', got '${String(options.weights)}'`);
  }
  return model;
}

/** The standard head: Flatten (when the features are not a vector), Dense+ReLU(+Dropout) per hidden width, then Dense to the logits. */
export function classificationHead(featureShape: Shape, classes: number, { hidden = [], dropout = 0 }: HeadOptions = {}): Layer[] {
  for (const h of hidden) if (!Number.isInteger(h) || h < 1) throw invalid(`head widths must be positive integers, got ${h}`);
  if (!(dropout >= 0 && dropout < 1)) throw invalid(`head dropout must be in [0, 1), got ${dropout}`);
  const layers: Layer[] = featureShape.length > 1 ? [new Flatten()] : [];
  let width = sizeOf(featureShape);
  for (const h of hidden) {
    layers.push(new Dense({ inFeatures: width, outFeatures: h, init: 'he' }), new Activation('relu'));
    if (dropout > 0) layers.push(new Dropout(dropout));
    width = h;
  }
  layers.push(new Dense({ inFeatures: width, outFeatures: classes, init: 'glorot' }));
  return layers;
}

/** The classifier gets its own copy of the fitted scaler, so fitting one model never changes the other. */
function copyScaler(scaler: Scaler | null): Scaler | null {
  if (!scaler) return null;
  if (!scaler.fitted) throw invalid("the autoencoder's input scaler is not fitted: train the autoencoder (fit) before building a classifier from it");
  return scalerFromJSON(scaler.toJSON());
}

function resolveClassNames({ classNames, classes }: { classNames?: readonly string[]; classes?: number }): string[] {
  if (classNames) {
    if (classes !== undefined && classes !== classNames.length)
      throw invalid(`${classNames.length} class names but classes = ${classes}; give one or make them agree`);
    return [...classNames];
  }
  if (classes === undefined) throw invalid('give the classes: classNames or a number of classes');
  if (!Number.isInteger(classes) || classes < 2) throw invalid(`a classifier needs at least 2 classes, got ${classes}`);
  return Array.from({ length: classes }, (_, i) => String(i));
}
