import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { HourglassError } from '../../core/errors.js';

/**
 * The ONNX file format, encoded and decoded by protobufjs from the official schema
 * (proto/onnx.proto at the package root, as published by the ONNX project with IR version 8,
 * the version opset 17 needs). Hand-writing protobuf would be one more thing to get wrong;
 * the schema is loaded once, on first use.
 */
const SCHEMA = fileURLToPath(new URL('../../../../proto/onnx.proto', import.meta.url));

export const ONNX_IR_VERSION = 8;

/** TensorProto.DataType values used by the exporter. */
export const OnnxDataType = { FLOAT: 1, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** One dimension of a value's shape: a size, or a named symbol ('batch') for a dynamic axis. */
export type OnnxDim = number | string;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian bytes of the values. */
  rawData: Uint8Array;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface OnnxNode {
  opType: string;
  name: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: OnnxDim[];
  docString?: string;
}

export interface OnnxModel {
  producerName: string;
  producerVersion: string;
  opsetVersion: number;
  graphName: string;
  docString: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata: Record<string, string>;
}

let modelType: protobuf.Type | null = null;

function schema(): protobuf.Type {
  if (!modelType) {
    try {
      modelType = protobuf.loadSync(SCHEMA).lookupType('onnx.ModelProto');
    } catch (e) {
      throw new HourglassError('BAD_FILE', `cannot load the ONNX schema ${SCHEMA}: ${(e as Error).message}; reinstall hourglass`);
    }
  }
  return modelType;
}

function valueInfo(v: OnnxValueInfo): object {
  return {
    name: v.name,
    docString: v.docString,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The bytes of an .onnx file. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const type = schema();
  const message = type.fromObject({
    irVersion: ONNX_IR_VERSION,
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    docString: m.docString,
    opsetImport: [{ domain: '', version: m.opsetVersion }],
    metadataProps: Object.entries(m.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: m.graphName,
      node: m.nodes,
      initializer: m.initializers,
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
    },
  });
  return type.encode(message).finish();
}

/** What an .onnx file holds, as plain objects (protobufjs's camelCase names); for tests and inspection. */
export function decodeOnnxModel(bytes: Uint8Array): Record<string, unknown> {
  const type = schema();
  try {
    return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
  } catch (e) {
    throw new HourglassError('BAD_FILE', `not an ONNX model: ${(e as Error).message}`);
  }
}
