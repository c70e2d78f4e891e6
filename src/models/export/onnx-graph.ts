import { OnnxAttributeType, OnnxDataType, type OnnxAttribute, type OnnxDim, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from '../../io/onnx/onnx-proto.js';

/** The operator set every export targets: ONNX Runtime 1.13+ and onnxruntime-web run it. */
export const ONNX_OPSET = 17;

/** The symbolic name of the batch axis of every input and output. */
export const BATCH_AXIS = 'batch';

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

/**
 * An ONNX graph under construction: nodes appended in execution order, weights as
 * initializers, every intermediate value named uniquely from a readable prefix
 * ('encoder.0.conv'), so a graph viewer shows where each node came from.
 */
export class OnnxGraph {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly used = new Set<string>();

  /** A name not used yet, from `prefix`. */
  fresh(prefix: string): string {
    let name = prefix;
    for (let k = 1; this.used.has(name); k++) name = `${prefix}_${k}`;
    this.used.add(name);
    return name;
  }

  /** A float input [batch, ...shape]. */
  input(name: string, shape: readonly number[], docString?: string): string {
    const id = this.claim(name);
    this.inputs.push({ name: id, elemType: OnnxDataType.FLOAT, dims: [BATCH_AXIS, ...shape], docString });
    return id;
  }

  /** Marks `value` as a graph output named `name` (an Identity node renames it when needed). */
  output(value: string, name: string, shape: readonly OnnxDim[], elemType: number = OnnxDataType.FLOAT, docString?: string): void {
    const id = value === name ? value : this.node('Identity', [value], {}, name, true);
    this.outputs.push({ name: id, elemType, dims: [BATCH_AXIS, ...shape], docString });
  }

  /** A float32 constant (weights, scaler factors). */
  constant(prefix: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const data = Float32Array.from(values);
    const name = this.fresh(prefix);
    this.initializers.push({ name, dims: [...dims], dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A float64 constant, for the parts computed in double as hourglass computes them (SSIM). */
  doubles(prefix: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const data = Float64Array.from(values);
    const name = this.fresh(prefix);
    this.initializers.push({ name, dims: [...dims], dataType: OnnxDataType.DOUBLE, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** An int64 constant (shapes for Reshape). */
  int64s(prefix: string, values: readonly number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    const name = this.fresh(prefix);
    this.initializers.push({ name, dims: [values.length], dataType: OnnxDataType.INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /**
   * Appends a node and returns the name of its (first) output. `name` is the output's prefix;
   * `exact` keeps it as given (graph outputs).
   */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, name = opType.toLowerCase(), exact = false): string {
    const output = exact ? this.claim(name) : this.fresh(name);
    this.nodes.push({ opType, name: output, input: [...inputs], output: [output], attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)) });
    return output;
  }

  toModel(header: Omit<OnnxModel, 'nodes' | 'initializers' | 'inputs' | 'outputs' | 'opsetVersion'>): OnnxModel {
    return { ...header, opsetVersion: ONNX_OPSET, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs };
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is taken`);
    this.used.add(name);
    return name;
  }
}

function attribute(name: string, v: AttributeValue): OnnxAttribute {
  if (typeof v === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: OnnxAttributeType.INT, i: v };
  if (Array.isArray(v)) return { name, type: OnnxAttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: OnnxAttributeType.FLOAT, f: v.float };
  return { name, type: OnnxAttributeType.FLOATS, floats: v.floats };
}
