import { invalid, shapeMismatch } from '../errors.js';
import type { Conv2dGeometry, Deconv2dGeometry, Pair, PoolKind } from '../types.js';
import { callNative } from './addon.js';
import { checkBoolean, checkDimension, checkFloat32Array, checkOneOf, checkOptionalFloat32Array, checkPair, checkPositive, checkUint8Array, dims } from './check.js';

/**
 * Typed wrappers over the native kernels of convolutional networks (native/src/{conv2d,
 * deconv2d,pool2d,batch_norm,upsample}.cc): convolution, transposed convolution, max and
 * average pooling, batch normalization and nearest upsampling, forward and backward, on
 * NCHW float32 arrays used in place. Semantics and weight layouts are PyTorch's. Every
 * wrapper checks its arguments here (check.ts: every array exactly the length its geometry
 * gives); the native side checks them again, so a wrong call throws and never crashes.
 */

export type { Conv2dGeometry, Deconv2dGeometry, Pair, PoolKind } from '../types.js';

export interface Pool2dGeometry {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
}

export interface BatchNorm2dGeometry {
  batch: number;
  channels: number;
  height: number;
  width: number;
  eps: number;
}

export interface Upsample2dGeometry {
  batch: number;
  channels: number;
  height: number;
  width: number;
  scale: Pair;
}

function checkConvCommon(fn: string, g: Conv2dGeometry): void {
  for (const key of ['batch', 'inChannels', 'height', 'width', 'outChannels'] as const) checkPositive(fn, key, g[key]);
  checkPair(fn, 'kernel', g.kernel, 1);
  checkPair(fn, 'stride', g.stride, 1);
  checkPair(fn, 'padding', g.padding, 0);
}

/** Output [height, width] of a convolution: floor((in + 2 pad - kernel) / stride) + 1. Throws when the kernel does not fit. */
export function conv2dOutputSize(g: Conv2dGeometry, fn = 'conv2dOutputSize'): [number, number] {
  checkConvCommon(fn, g);
  return slidingWindowOutputSize(fn, g);
}

/** Where a window (kernel, stride, padding) fits in a padded input: floor((in + 2 pad - kernel) / stride) + 1 per axis. */
function slidingWindowOutputSize(fn: string, g: { height: number; width: number; kernel: readonly number[]; stride: readonly number[]; padding: readonly number[] }): [number, number] {
  const size = (i: 0 | 1, input: number): number => {
    const padded = input + 2 * g.padding[i];
    if (padded < g.kernel[i])
      throw shapeMismatch(`${fn}: kernel ${g.kernel.join('x')} is larger than the padded input ${g.height + 2 * g.padding[0]}x${g.width + 2 * g.padding[1]}`);
    return Math.floor((padded - g.kernel[i]) / g.stride[i]) + 1;
  };
  return [size(0, g.height), size(1, g.width)];
}

/** Output [height, width] of a transposed convolution: (in - 1) stride - 2 pad + kernel + outputPadding. */
export function deconv2dOutputSize(g: Deconv2dGeometry, fn = 'deconv2dOutputSize'): [number, number] {
  checkConvCommon(fn, g);
  checkPair(fn, 'outputPadding', g.outputPadding, 0);
  if (g.outputPadding[0] >= g.stride[0] || g.outputPadding[1] >= g.stride[1])
    throw invalid(`${fn}: outputPadding ${g.outputPadding.join('x')} must be smaller than the stride ${g.stride.join('x')}`);
  const size = (i: 0 | 1, input: number): number =>
    (input - 1) * g.stride[i] - 2 * g.padding[i] + g.kernel[i] + g.outputPadding[i];
  const out: [number, number] = [size(0, g.height), size(1, g.width)];
  if (out[0] < 1 || out[1] < 1)
    throw shapeMismatch(`${fn}: padding ${g.padding.join('x')} leaves no output for a ${g.height}x${g.width} input (${out.join('x')})`);
  return out;
}

function convArgs(g: Conv2dGeometry): number[] {
  return [g.batch, g.inChannels, g.height, g.width, g.outChannels, g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.padding[0], g.padding[1]];
}

function deconvArgs(g: Deconv2dGeometry): number[] {
  return [...convArgs(g), g.outputPadding[0], g.outputPadding[1]];
}

interface ConvSizes {
  input: number;
  output: number;
  weight: number;
  inputShape: string;
  outputShape: string;
  weightShape: string;
}

function convSizes(g: Conv2dGeometry, out: [number, number], weightShape: number[]): ConvSizes {
  return {
    input: g.batch * g.inChannels * g.height * g.width,
    output: g.batch * g.outChannels * out[0] * out[1],
    weight: g.outChannels * g.inChannels * g.kernel[0] * g.kernel[1],
    inputShape: dims(g.batch, g.inChannels, g.height, g.width),
    outputShape: dims(g.batch, g.outChannels, out[0], out[1]),
    weightShape: dims(...weightShape),
  };
}

function conv2dSizes(g: Conv2dGeometry, fn: string): ConvSizes {
  return convSizes(g, conv2dOutputSize(g, fn), [g.outChannels, g.inChannels, g.kernel[0], g.kernel[1]]);
}

function deconv2dSizes(g: Deconv2dGeometry, fn: string): ConvSizes {
  return convSizes(g, deconv2dOutputSize(g, fn), [g.inChannels, g.outChannels, g.kernel[0], g.kernel[1]]);
}

/**
 * The validated kernels of one kind of convolution: `${prefix}Forward`,
 * `${prefix}BackwardData`, `${prefix}BackwardWeights` and both backward passes in one call,
 * `${prefix}Backward`, of the addon, each checking every
 * array against the geometry's shapes first. Both kinds take the same arguments and differ
 * in their sizes (weight layout, output size) and in the geometry numbers passed on.
 */
function convolutionKernels<G extends Conv2dGeometry>(prefix: 'conv2d' | 'deconv2d', sizes: (g: G, fn: string) => ConvSizes, args: (g: G) => number[]) {
  return {
    forward(g: G, x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array): void {
      const fn = `${prefix}Forward`;
      const s = sizes(g, fn);
      checkFloat32Array(fn, 'x', x, s.input, s.inputShape);
      checkFloat32Array(fn, 'weight', weight, s.weight, s.weightShape);
      checkOptionalFloat32Array(fn, 'bias', bias, g.outChannels, dims(g.outChannels));
      checkFloat32Array(fn, 'y', y, s.output, s.outputShape);
      callNative(fn, ...args(g), x, weight, bias, y);
    },
    backwardData(g: G, dy: Float32Array, weight: Float32Array, dx: Float32Array): void {
      const fn = `${prefix}BackwardData`;
      const s = sizes(g, fn);
      checkFloat32Array(fn, 'dy', dy, s.output, s.outputShape);
      checkFloat32Array(fn, 'weight', weight, s.weight, s.weightShape);
      checkFloat32Array(fn, 'dx', dx, s.input, s.inputShape);
      callNative(fn, ...args(g), dy, weight, dx);
    },
    /** backwardWeights and backwardData in one call, which stages dy once for both. */
    backward(g: G, x: Float32Array, dy: Float32Array, weight: Float32Array, dweight: Float32Array, dbias: Float32Array | null, dx: Float32Array): void {
      const fn = `${prefix}Backward`;
      const s = sizes(g, fn);
      checkFloat32Array(fn, 'x', x, s.input, s.inputShape);
      checkFloat32Array(fn, 'dy', dy, s.output, s.outputShape);
      checkFloat32Array(fn, 'weight', weight, s.weight, s.weightShape);
      checkFloat32Array(fn, 'dweight', dweight, s.weight, s.weightShape);
      checkOptionalFloat32Array(fn, 'dbias', dbias, g.outChannels, dims(g.outChannels));
      checkFloat32Array(fn, 'dx', dx, s.input, s.inputShape);
      callNative(fn, ...args(g), x, dy, weight, dweight, dbias, dx);
    },
    backwardWeights(g: G, x: Float32Array, dy: Float32Array, dweight: Float32Array, dbias: Float32Array | null): void {
      const fn = `${prefix}BackwardWeights`;
      const s = sizes(g, fn);
      checkFloat32Array(fn, 'x', x, s.input, s.inputShape);
      checkFloat32Array(fn, 'dy', dy, s.output, s.outputShape);
      checkFloat32Array(fn, 'dweight', dweight, s.weight, s.weightShape);
      checkOptionalFloat32Array(fn, 'dbias', dbias, g.outChannels, dims(g.outChannels));
      callNative(fn, ...args(g), x, dy, dweight, dbias);
    },
  };
}

/**
 * Convolution, weight [O, C, kh, kw]: forward y = conv(x, weight) + bias (x [N, C, H, W], bias
 * [O] or null, y [N, O, OH, OW]); backwardData dx from dy; backwardWeights dweight (and dbias
 * unless null) from x and dy. Outputs are overwritten, not accumulated.
 */
export const CONV2D_KERNELS = convolutionKernels('conv2d', conv2dSizes, convArgs);
/** Transposed convolution, weight [C, O, kh, kw] as PyTorch's ConvTranspose2d; the same three kernels. */
export const DECONV2D_KERNELS = convolutionKernels('deconv2d', deconv2dSizes, deconvArgs);

/**
 * Output [height, width] of a pooling (floor mode). Like PyTorch, padding may be at most half
 * the kernel, and the kernel must fit in the padded input.
 */
export function pool2dOutputSize(g: Pool2dGeometry, fn = 'pool2dOutputSize'): [number, number] {
  for (const key of ['batch', 'channels', 'height', 'width'] as const) checkPositive(fn, key, g[key]);
  checkPair(fn, 'kernel', g.kernel, 1);
  checkPair(fn, 'stride', g.stride, 1);
  checkPair(fn, 'padding', g.padding, 0);
  if (2 * g.padding[0] > g.kernel[0] || 2 * g.padding[1] > g.kernel[1])
    throw invalid(`${fn}: padding ${g.padding.join('x')} must be at most half the kernel ${g.kernel.join('x')}`);
  return slidingWindowOutputSize(fn, g);
}

function poolArgs(kind: PoolKind, g: Pool2dGeometry): unknown[] {
  return [kind === 'max', g.batch, g.channels, g.height, g.width, g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.padding[0], g.padding[1]];
}

const POOL_KINDS: readonly PoolKind[] = ['max', 'avg'];

function checkPoolKind(fn: string, kind: unknown): void {
  checkOneOf(fn, 'pooling kind', kind, POOL_KINDS);
}

function poolSizes(fn: string, kind: PoolKind, g: Pool2dGeometry): { input: number; output: number; inputShape: string; outputShape: string } {
  checkPoolKind(fn, kind);
  const [oh, ow] = pool2dOutputSize(g, fn);
  return {
    input: g.batch * g.channels * g.height * g.width,
    output: g.batch * g.channels * oh * ow,
    inputShape: dims(g.batch, g.channels, g.height, g.width),
    outputShape: dims(g.batch, g.channels, oh, ow),
  };
}

/** Bytes of the workspace a training forward of max pooling fills for its backward (0 for average pooling). */
export function pool2dWorkspaceBytes(kind: PoolKind, g: Pool2dGeometry): number {
  poolSizes('pool2dWorkspaceBytes', kind, g);
  return callNative<number>('pool2dWorkspaceBytes', ...poolArgs(kind, g));
}

function checkWorkspace(fn: string, kind: PoolKind, g: Pool2dGeometry, workspace: unknown): void {
  if (workspace === null) return;
  checkUint8Array(fn, 'workspace', workspace, pool2dWorkspaceBytes(kind, g), 'bytes, from pool2dWorkspaceBytes');
}

/**
 * Pooling forward, y overwritten. Max pooling in training passes a workspace (sized by
 * pool2dWorkspaceBytes) that records where each maximum came from, for backward; inference
 * and average pooling pass null.
 */
export function pool2dForward(kind: PoolKind, g: Pool2dGeometry, x: Float32Array, y: Float32Array, workspace: Uint8Array | null): void {
  const fn = 'pool2dForward';
  const s = poolSizes(fn, kind, g);
  checkFloat32Array(fn, 'x', x, s.input, s.inputShape);
  checkFloat32Array(fn, 'y', y, s.output, s.outputShape);
  if (kind === 'avg' && workspace !== null) throw invalid(`${fn}: average pooling takes no workspace: pass null`);
  checkWorkspace(fn, kind, g, workspace);
  callNative('pool2dForward', ...poolArgs(kind, g), x, y, workspace);
}

/** Pooling backward, dx overwritten. Max pooling needs the workspace of its training forward; average pooling passes null. */
export function pool2dBackward(kind: PoolKind, g: Pool2dGeometry, dy: Float32Array, dx: Float32Array, workspace: Uint8Array | null): void {
  const fn = 'pool2dBackward';
  const s = poolSizes(fn, kind, g);
  checkFloat32Array(fn, 'dy', dy, s.output, s.outputShape);
  checkFloat32Array(fn, 'dx', dx, s.input, s.inputShape);
  if (kind === 'max' && workspace === null) throw invalid(`${fn}: max pooling needs the workspace filled by its training forward`);
  if (kind === 'avg' && workspace !== null) throw invalid(`${fn}: average pooling takes no workspace: pass null`);
  checkWorkspace(fn, kind, g, workspace);
  callNative('pool2dBackward', ...poolArgs(kind, g), dy, dx, workspace);
}

function normSizes(fn: string, g: BatchNorm2dGeometry): { data: number; dataShape: string; channelShape: string } {
  for (const key of ['batch', 'channels', 'height', 'width'] as const) checkPositive(fn, key, g[key]);
  if (typeof g.eps !== 'number' || !(g.eps > 0) || g.eps > 1) throw invalid(`${fn}: eps must be a number in (0, 1], got ${String(g.eps)}`);
  return {
    data: g.batch * g.channels * g.height * g.width,
    dataShape: dims(g.batch, g.channels, g.height, g.width),
    channelShape: dims(g.channels),
  };
}

/**
 * Batch normalization forward, y overwritten. In training, mean and variance receive the
 * batch statistics (biased variance, as normalization uses); otherwise they are read (the
 * running statistics). weight and bias are the per-channel scale and shift.
 */
export function batchNorm2dForward(
  g: BatchNorm2dGeometry,
  training: boolean,
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const fn = 'batchNorm2dForward';
  const s = normSizes(fn, g);
  checkBoolean(fn, 'training', training);
  if (training && g.batch * g.height * g.width < 2)
    throw shapeMismatch(`${fn}: training needs more than one value per channel, got input ${s.dataShape}`);
  checkFloat32Array(fn, 'x', x, s.data, s.dataShape);
  checkFloat32Array(fn, 'weight', weight, g.channels, s.channelShape);
  checkFloat32Array(fn, 'bias', bias, g.channels, s.channelShape);
  checkFloat32Array(fn, 'y', y, s.data, s.dataShape);
  checkFloat32Array(fn, 'mean', mean, g.channels, s.channelShape);
  checkFloat32Array(fn, 'variance', variance, g.channels, s.channelShape);
  callNative('batchNorm2dForward', g.batch, g.channels, g.height, g.width, g.eps, training, x, weight, bias, y, mean, variance);
}

/** Batch normalization backward from the batch statistics of the training forward; dx, dweight, dbias overwritten. */
export function batchNorm2dBackward(
  g: BatchNorm2dGeometry,
  x: Float32Array,
  dy: Float32Array,
  weight: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  dx: Float32Array,
  dweight: Float32Array,
  dbias: Float32Array,
): void {
  const fn = 'batchNorm2dBackward';
  const s = normSizes(fn, g);
  checkFloat32Array(fn, 'x', x, s.data, s.dataShape);
  checkFloat32Array(fn, 'dy', dy, s.data, s.dataShape);
  checkFloat32Array(fn, 'weight', weight, g.channels, s.channelShape);
  checkFloat32Array(fn, 'mean', mean, g.channels, s.channelShape);
  checkFloat32Array(fn, 'variance', variance, g.channels, s.channelShape);
  checkFloat32Array(fn, 'dx', dx, s.data, s.dataShape);
  checkFloat32Array(fn, 'dweight', dweight, g.channels, s.channelShape);
  checkFloat32Array(fn, 'dbias', dbias, g.channels, s.channelShape);
  callNative('batchNorm2dBackward', g.batch, g.channels, g.height, g.width, g.eps, x, dy, weight, mean, variance, dx, dweight, dbias);
}

function upsampleSizes(fn: string, g: Upsample2dGeometry): { input: number; output: number; inputShape: string; outputShape: string } {
  for (const key of ['batch', 'channels', 'height', 'width'] as const) checkPositive(fn, key, g[key]);
  checkPair(fn, 'scale', g.scale, 1);
  const oh = g.height * g.scale[0];
  const ow = g.width * g.scale[1];
  return {
    input: g.batch * g.channels * g.height * g.width,
    output: g.batch * g.channels * oh * ow,
    inputShape: dims(g.batch, g.channels, g.height, g.width),
    outputShape: dims(g.batch, g.channels, oh, ow),
  };
}

function upsampleArgs(g: Upsample2dGeometry): number[] {
  return [g.batch, g.channels, g.height, g.width, g.scale[0], g.scale[1]];
}

/** Nearest upsampling by integer factors: y [N, C, H sh, W sw] (overwritten). */
export function upsampleNearest2dForward(g: Upsample2dGeometry, x: Float32Array, y: Float32Array): void {
  const fn = 'upsampleNearest2dForward';
  const s = upsampleSizes(fn, g);
  checkFloat32Array(fn, 'x', x, s.input, s.inputShape);
  checkFloat32Array(fn, 'y', y, s.output, s.outputShape);
  callNative('upsampleNearest2dForward', ...upsampleArgs(g), x, y);
}

/** dx of nearest upsampling: each input pixel gets the sum of dy over its block (overwritten). */
export function upsampleNearest2dBackward(g: Upsample2dGeometry, dy: Float32Array, dx: Float32Array): void {
  const fn = 'upsampleNearest2dBackward';
  const s = upsampleSizes(fn, g);
  checkFloat32Array(fn, 'dy', dy, s.output, s.outputShape);
  checkFloat32Array(fn, 'dx', dx, s.input, s.inputShape);
  callNative('upsampleNearest2dBackward', ...upsampleArgs(g), dy, dx);
}
