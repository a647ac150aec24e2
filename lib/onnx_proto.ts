// lib/onnx_proto.ts — a minimal protobuf writer for the ONNX messages torch.onnx.export (lib/onnx.ts)
// writes: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto (with
// TypeProto.Tensor and TensorShapeProto) and OperatorSetIdProto, with the field numbers of
// onnx/onnx.proto (proto2). Contract: encodeModel(model) returns the serialized ModelProto bytes.
// Encoding: varints for integers (int64 as two's complement, ten bytes when negative), length-delimited
// strings, bytes and submessages, fixed32 for the float attribute, repeated scalars unpacked (proto2's
// default; parsers accept both), tensor data as little-endian raw_data. Nothing here reads protobuf.

/** TensorProto.DataType codes. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float64: 11 } as const;
export type OnnxDType = keyof typeof ONNX_DTYPE;

export type AttrValue =
  | { kind: 'int'; v: number }
  | { kind: 'float'; v: number }
  | { kind: 'ints'; v: number[] }
  | { kind: 'floats'; v: number[] }
  | { kind: 'string'; v: string }
  | { kind: 'tensor'; v: TensorDef };

export interface TensorDef {
  name: string;
  dtype: OnnxDType;
  dims: number[];
  /** little-endian element bytes */
  raw: Uint8Array;
}

export interface NodeDef {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: [string, AttrValue][];
}

export interface ValueInfoDef {
  name: string;
  dtype: OnnxDType;
  /** a number is a fixed size, a string a symbolic one (dim_param) */
  dims: (number | string)[];
}

export interface ModelDef {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: NodeDef[];
  initializers: TensorDef[];
  inputs: ValueInfoDef[];
  outputs: ValueInfoDef[];
}

/**
 * Protobuf's wire encodings into a list of byte chunks: small writes go to a scratch buffer, large
 * byte arrays (tensor data) and submessages are kept by reference, so that nesting copies nothing;
 * bytes() joins them once.
 */
class Writer {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(1024);
  private n = 0;
  length = 0;
  private flush(): void {
    if (this.n) this.chunks.push(this.cur.slice(0, this.n));
    this.n = 0;
  }
  private ensure(k: number): void {
    if (this.n + k <= this.cur.length) return;
    this.flush();
    if (k > this.cur.length) this.cur = new Uint8Array(k);
  }
  parts(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.parts()) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
  /** an unsigned varint of a non-negative integer, or a negative one as 64-bit two's complement */
  varint(v: number | bigint): void {
    this.ensure(10);
    const start = this.n;
    if (typeof v === 'number' && v >= 0 && v < 2 ** 31) {
      let x = v;
      while (x >= 0x80) {
        this.cur[this.n++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      this.cur[this.n++] = x;
    } else {
      let x = BigInt.asUintN(64, BigInt(v));
      while (x >= 0x80n) {
        this.cur[this.n++] = Number(x & 0x7fn) | 0x80;
        x >>= 7n;
      }
      this.cur[this.n++] = Number(x);
    }
    this.length += this.n - start;
  }
  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  raw(b: Uint8Array): void {
    if (b.length > 4096) {
      this.flush();
      this.chunks.push(b);
    } else {
      this.ensure(b.length);
      this.cur.set(b, this.n);
      this.n += b.length;
    }
    this.length += b.length;
  }
  /** field = varint */
  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }
  /** field = length-delimited bytes */
  lenBytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.raw(b);
  }
  string(field: number, s: string): void {
    this.lenBytes(field, new TextEncoder().encode(s));
  }
  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.tag(field, 2);
    this.varint(w.length);
    this.flush();
    for (const c of w.parts()) this.chunks.push(c);
    this.length += w.length;
  }
  float32(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.raw(b);
  }
}

function writeTensor(w: Writer, t: TensorDef): void {
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, ONNX_DTYPE[t.dtype]); // data_type
  w.string(8, t.name); // name
  w.lenBytes(9, t.raw); // raw_data
}

function writeAttr(w: Writer, name: string, a: AttrValue): void {
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float32(2, a.v);
      w.int(20, 1);
      break;
    case 'int':
      w.int(3, a.v);
      w.int(20, 2);
      break;
    case 'string':
      w.string(4, a.v);
      w.int(20, 3);
      break;
    case 'tensor':
      w.message(5, (m) => writeTensor(m, a.v));
      w.int(20, 4);
      break;
    case 'floats':
      for (const f of a.v) w.float32(7, f);
      w.int(20, 6);
      break;
    case 'ints':
      for (const i of a.v) w.int(8, i);
      w.int(20, 7);
      break;
  }
}

function writeNode(w: Writer, n: NodeDef): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of n.attrs) w.message(5, (m) => writeAttr(m, k, a));
}

function writeValueInfo(w: Writer, v: ValueInfoDef): void {
  w.string(1, v.name);
  w.message(2, (type) => // TypeProto
    type.message(1, (tt) => { // TypeProto.Tensor
      tt.int(1, ONNX_DTYPE[v.dtype]); // elem_type
      tt.message(2, (shape) => { // TensorShapeProto
        for (const d of v.dims)
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }));
}

/** The serialized ModelProto. */
export function encodeModel(m: ModelDef): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion); // ir_version
  w.string(2, m.producerName); // producer_name
  w.string(3, m.producerVersion); // producer_version
  w.message(7, (g) => { // graph
    for (const n of m.nodes) g.message(1, (x) => writeNode(x, n));
    g.string(2, m.graphName);
    for (const t of m.initializers) g.message(5, (x) => writeTensor(x, t));
    for (const v of m.inputs) g.message(11, (x) => writeValueInfo(x, v));
    for (const v of m.outputs) g.message(12, (x) => writeValueInfo(x, v));
  });
  w.message(8, (o) => { // opset_import: the default domain
    o.string(1, '');
    o.int(2, m.opset);
  });
  return w.bytes();
}
