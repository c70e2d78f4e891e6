import { shapeToString, type Shape, type Tensor } from '../core/tensor.js';
import { invalid, shapeMismatch } from '../core/errors.js';

/**
 * Option parsing and shape checks shared by the image layers (convolution, pooling,
 * upsampling, batch normalization), so they accept and reject the same things with the
 * same words.
 */

/** A size given once for both dimensions, or as [height, width]. */
export type PairOption = number | readonly [number, number];

/** Reads a PairOption as [height, width], checking each entry is an integer >= min. */
export function toPair(layer: string, name: string, value: unknown, min: number): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isSafeInteger(v) && v >= min))
    throw invalid(
      `${layer}: ${name} must be an integer >= ${min} or a [height, width] pair of them, got ${JSON.stringify(value)}`,
    );
  return [pair[0] as number, pair[1] as number];
}

export function positiveInteger(layer: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw invalid(`${layer}: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Checks that a per-sample input shape is an image [channels, height, width] (with the
 * given channel count, when there is one) and returns it.
 */
export function expectImage(layer: string, input: Shape, channels?: number): [number, number, number] {
  const fits = input.length === 3 && input.every((d) => Number.isSafeInteger(d) && d >= 1);
  if (!fits)
    throw shapeMismatch(
      `${layer} expects images shaped [channels, height, width] per sample, got ${shapeToString(input)}` +
        (input.length === 1 ? ' (add a reshape layer before it)' : ''),
    );
  if (channels !== undefined && input[0] !== channels)
    throw shapeMismatch(`${layer} expects ${channels} input channels, got input ${shapeToString(input)}`);
  return [input[0], input[1], input[2]];
}

/** Checks a batch tensor is [N, ...perSample] for the shape the layer accepts; returns N. */
export function expectBatch(layer: string, x: Tensor, check: (perSample: Shape) => unknown): number {
  if (x.shape.length < 1 || !(x.shape[0] >= 1))
    throw shapeMismatch(`${layer}: expected a batch [N, channels, height, width], got ${shapeToString(x.shape)}`);
  check(x.shape.slice(1));
  return x.shape[0];
}

/** The gradient handed to backward() must have the shape forward() produced. */
export function expectGradient(layer: string, dy: Tensor, output: Shape): void {
  if (dy.shape.length !== output.length || dy.shape.some((d, i) => d !== output[i]))
    throw shapeMismatch(`${layer}: backward() got a gradient shaped ${shapeToString(dy.shape)}, expected ${shapeToString(output)} (the shape of the forward output)`);
}

/** Output size of a sliding window (convolution, pooling) along one dimension, or < 1 when the window does not fit. */
export function windowOutput(input: number, kernel: number, stride: number, padding: number): number {
  const padded = input + 2 * padding;
  return padded < kernel ? 0 : Math.floor((padded - kernel) / stride) + 1;
}
