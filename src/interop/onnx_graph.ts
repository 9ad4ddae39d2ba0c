// A small ONNX graph builder on onnx-proto (the ONNX protobuf schema compiled for protobufjs):
// nodes with typed attributes, f32 / i64 initializers stored as raw little-endian bytes, graph
// inputs and outputs with symbolic dimensions, and the model's metadata_props. Only what the Llama
// export needs; every op comes from the default domain at one opset.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type IModelProto = onnxProto.onnx.IModelProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;

export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
export const ONNX_BOOL = 9;

/** An attribute value: a number is an INT when `Number.isInteger` unless wrapped with `float()`. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: ITensorProto };

export const float = (x: number): { float: number } => ({ float: x });

function attribute(name: string, v: AttrValue): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; wrap floats with float()`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.TENSOR, t: v.tensor };
}

/** A dimension: a fixed size, or a name shared by every tensor with that dimension. */
export type Dim = number | string;

export class GraphBuilder {
  private readonly nodes: INodeProto[] = [];
  private readonly inits: ITensorProto[] = [];
  private readonly inputs: IValueInfoProto[] = [];
  private readonly outputs: IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;
  private readonly consts = new Map<string, string>();

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let n = hint;
    while (this.names.has(n)) n = `${hint}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  /** Adds a node; returns its output names (fresh names from `outputs` hints). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs: string[] | number = 1, name?: string): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : outputs.map((o) => this.fresh(o));
    this.nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: name ?? this.fresh(`${opType}_node`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** One-output node. */
  op1(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.op(opType, inputs, attrs, [output ?? opType.toLowerCase()])[0];
  }

  /** A float initializer (row-major data of the given shape); returns its name. */
  f32(name: string, shape: number[], data: Float32Array): string {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`initializer ${name}: shape [${shape.join(', ')}] needs ${n} floats, got ${data.length}`);
    const id = this.fresh(name);
    // A copy: the caller's array may be a view into a larger buffer.
    const raw = new Uint8Array(data.byteLength);
    raw.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.inits.push({ name: id, dims: shape, dataType: ONNX_FLOAT, rawData: raw });
    return id;
  }

  /** An int64 initializer (values must be safe integers). */
  i64(name: string, shape: number[], values: number[]): string {
    const id = this.fresh(name);
    const raw = new Uint8Array(values.length * 8);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
    this.inits.push({ name: id, dims: shape, dataType: ONNX_INT64, rawData: raw });
    return id;
  }

  /** A shared 1-D int64 constant (e.g. axes, shapes), created once per distinct value. */
  ints(values: number[]): string {
    const key = `i:${values.join(',')}`;
    let n = this.consts.get(key);
    if (!n) this.consts.set(key, (n = this.i64(`const_i64_${values.join('_').replace(/-/g, 'm')}`, [values.length], values)));
    return n;
  }

  /** A shared int64 scalar. */
  intScalar(v: number): string {
    const key = `is:${v}`;
    let n = this.consts.get(key);
    if (!n) this.consts.set(key, (n = this.i64(`const_i64_scalar_${String(v).replace(/-/g, 'm')}`, [], [v])));
    return n;
  }

  /** A shared float scalar. */
  floatScalar(v: number): string {
    const key = `fs:${v}`;
    let n = this.consts.get(key);
    if (!n) this.consts.set(key, (n = this.f32('const_f32', [], Float32Array.of(v))));
    return n;
  }

  input(name: string, elemType: number, dims: Dim[]): string {
    if (this.names.has(name)) throw new Error(`graph input ${name} is already defined`);
    this.names.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares `value` (a node output) as a graph output, renamed to `name` with an Identity. */
  output(name: string, value: string, elemType: number, dims: Dim[]): void {
    if (value !== name) this.op('Identity', [value], {}, [name]);
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** The encoded model. */
  encode(o: { graphName: string; opset: number; producer: string; producerVersion?: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    const model: IModelProto = {
      // IR version 8 goes with opsets 17 and 18 (onnx 1.12–1.13).
      irVersion: 8,
      producerName: o.producer,
      producerVersion: o.producerVersion ?? '',
      docString: o.docString ?? '',
      opsetImport: [{ domain: '', version: o.opset }],
      metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: { name: o.graphName, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    const err = onnx.ModelProto.verify(model);
    if (err) throw new Error(`ONNX model does not verify: ${err}`);
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}

function valueInfo(name: string, elemType: number, dims: Dim[]): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** metadata_props of an encoded model (decodes the protobuf; the initializers' bytes are not copied). */
export function onnxMetadata(bytes: Uint8Array): { metadata: Record<string, string>; opset: number; inputs: string[]; outputs: string[]; producer: string } {
  let m: onnxProto.onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`not an ONNX model (${(e as Error).message})`);
  }
  const metadata: Record<string, string> = {};
  for (const p of m.metadataProps) if (p.key) metadata[p.key] = p.value ?? '';
  const opset = m.opsetImport.find((o) => !o.domain)?.version;
  return {
    metadata,
    opset: typeof opset === 'number' ? opset : Number(opset ?? 0),
    inputs: (m.graph?.input ?? []).map((i) => i.name ?? ''),
    outputs: (m.graph?.output ?? []).map((i) => i.name ?? ''),
    producer: m.producerName,
  };
}
