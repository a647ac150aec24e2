// test/onnx.test.ts — torch.onnx.export (lib/onnx.ts): models exported, then run by onnxruntime-node
// (bench/ort; the comparisons are skipped with a note when it is not installed) on the same random
// input as model.forward, at the traced batch size and another one (dynamic axes); the refusals
// (unmapped ops, bad options, non-Module models, bad paths) and the atomic write.
import * as torch from '../lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describeDevices } from './devices';

const ORT_PATH = path.join(__dirname, '..', 'bench', 'ort', 'node_modules', 'onnxruntime-node');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let ort: any = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ort = require(ORT_PATH);
} catch {
  ort = null;
}
if (!ort) console.log(`test/onnx.test.ts: onnxruntime-node is not installed at ${ORT_PATH}: the onnxruntime comparisons are skipped`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-onnx-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What onnxruntime printed on stderr (its warnings: e.g. an output shape that the model's value info contradicts). */
const ortWarnings: string[] = [];
/** The input and output shapes onnxruntime read from each model's value infos, by file. */
const ortShapes = new Map<string, Record<string, (number | string)[]>>();
interface OrtOut {
  data: Float32Array;
  dims: number[];
}
/**
 * Runs onnxruntime on each job ([file, {inputName: tensor}]) in one child node process (onnxruntime's
 * native outputs are typed arrays of node's realm, which jest's sandbox does not recognise); returns
 * each job's outputs, in the session's output order.
 */
function runOrt(jobs: [string, Record<string, torch.Tensor>][]): OrtOut[][] {
  const req = jobs.map(([file, feeds]) => ({
    file,
    feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { dims: t.shape, dtype: t.dtype, data: Buffer.from((t.contiguous().toArray() as Float32Array | BigInt64Array).buffer).toString('base64') }])),
  }));
  const reqFile = path.join(tmp, 'jobs.json');
  fs.writeFileSync(reqFile, JSON.stringify(req));
  const script = `
    const ort = require(${JSON.stringify(ORT_PATH)});
    const fs = require('fs');
    (async () => {
      const jobs = JSON.parse(fs.readFileSync(${JSON.stringify(reqFile)}, 'utf8'));
      const res = [];
      const sessions = new Map();
      for (const j of jobs) {
        if (!sessions.has(j.file)) sessions.set(j.file, await ort.InferenceSession.create(j.file));
        const s = sessions.get(j.file);
        const feeds = {};
        for (const [k, v] of Object.entries(j.feeds)) {
          const b = Buffer.from(v.data, 'base64');
          const c = Buffer.from(b); // a fresh, aligned copy
          feeds[k] = v.dtype === 'int64' ? new ort.Tensor('int64', new BigInt64Array(c.buffer, c.byteOffset, c.length / 8), v.dims)
            : new ort.Tensor('float32', new Float32Array(c.buffer, c.byteOffset, c.length / 4), v.dims);
        }
        const r = await s.run(feeds);
        res.push(s.outputNames.map((n) => ({ dims: [...r[n].dims].map(Number), data: Buffer.from(r[n].data.buffer, r[n].data.byteOffset, r[n].data.byteLength).toString('base64') })));
      }
      const meta = {};
      for (const [f, s] of sessions) meta[f] = [...s.inputMetadata, ...s.outputMetadata].map((m) => [m.name, [...m.shape]]);
      process.stdout.write(JSON.stringify({ res, meta }));
    })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60000 });
  if (r.status !== 0) throw new Error(`onnxruntime failed: ${r.stderr}`);
  ortWarnings.push(r.stderr);
  const out = JSON.parse(r.stdout) as { res: { dims: number[]; data: string }[][]; meta: Record<string, [string, (number | string)[]][]> };
  for (const [f, m] of Object.entries(out.meta)) ortShapes.set(f, Object.fromEntries(m));
  return out.res.map((outs) => outs.map((o) => {
    const b = Buffer.from(o.data, 'base64');
    return { dims: o.dims, data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)) };
  }));
}

function expectClose(got: OrtOut, want: torch.Tensor, tol = 1e-5): void {
  expect(got.dims).toEqual(want.shape);
  const w = want.contiguous().toArray() as Float32Array;
  let scale = 0;
  for (const v of w) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < w.length; i++) err = Math.max(err, Math.abs(got.data[i] - w[i]));
  expect(err / Math.max(scale, 1e-3)).toBeLessThan(tol);
}

/** The distinct op_type of a ModelProto's nodes (graph = field 7, node = 1, op_type = 4), by a minimal protobuf reader. */
function opTypes(bytes: Uint8Array): string[] {
  const fields = (b: Uint8Array): [number, Uint8Array | number][] => {
    const out: [number, Uint8Array | number][] = [];
    let i = 0;
    const varint = () => {
      let v = 0;
      let m = 1;
      for (;;) {
        const c = b[i++];
        v += (c & 0x7f) * m;
        m *= 128;
        if (c < 0x80) return v;
      }
    };
    while (i < b.length) {
      const key = varint();
      const w = key & 7;
      if (w === 0) out.push([key >>> 3, varint()]);
      else if (w === 2) {
        const n = varint();
        out.push([key >>> 3, b.subarray(i, i + n)]);
        i += n;
      } else if (w === 5) i += 4;
      else if (w === 1) i += 8;
      else throw new Error(`wire type ${w}`);
    }
    return out;
  };
  const graph = fields(bytes).find(([f]) => f === 7)![1] as Uint8Array;
  const ops = new Set<string>();
  for (const [f, node] of fields(graph)) if (f === 1) ops.add(Buffer.from(fields(node as Uint8Array).find(([g]) => g === 4)![1] as Uint8Array).toString());
  return [...ops].sort();
}
const pyOps = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'onnx.json'), 'utf8')) as { opTypes: Record<string, string[]> }).opTypes;

/** A small functional model: residual add, torch.cat, torch.flatten, F activations, softmax. */
class Functional extends torch.nn.Module {
  conv1 = new torch.nn.Conv2d(3, 8, 3, { padding: 1 });
  conv2 = new torch.nn.Conv2d(8, 8, 3, { padding: 1, groups: 2, bias: false });
  conv3 = new torch.nn.Conv2d(8, 4, 3, { dilation: 2, padding: 2 });
  bn = new torch.nn.BatchNorm2d(8);
  fc = new torch.nn.Linear(12 * 2 * 2, 5);
  forward(x: torch.Tensor): torch.Tensor {
    const h = torch.F.relu(this.bn.forward(this.conv1.forward(x)));
    const r = torch.F.leakyRelu(torch.add(h, this.conv2.forward(h)), { negativeSlope: 0.1 }); // residual
    const c = torch.cat([torch.sigmoid(r), torch.F.gelu(this.conv3.forward(r))], 1); // 12 channels
    const p = torch.F.avgPool2d(torch.tanh(c), 3, { stride: 2, ceilMode: true, countIncludePad: false, padding: 1 });
    const q = torch.F.adaptiveAvgPool2d(torch.F.maxPool2d(p, 2, { stride: 2, ceilMode: true }), [2, 2]);
    const f = torch.flatten(q, 1);
    const y = this.fc.forward(torch.mul(torch.sub(f, 0.5), 2));
    return torch.softmax(torch.div(y, torch.add(y.abs().mean(1, { keepdim: true }), 1)), 1);
  }
}
/** AlexNet's layer kinds (conv stride 4, overlapping max pools, dropout, three linears), at 63x63 input. */
function smallAlexnet(): torch.nn.Sequential {
  const nn = torch.nn;
  return new nn.Sequential(
    new nn.Conv2d(3, 16, 11, { stride: 4, padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Conv2d(16, 32, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(3, { stride: 2 }),
    new nn.Conv2d(32, 24, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(),
    new nn.Dropout(0.5), new nn.Linear(24 * 3 * 3, 64), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(64, 10),
  );
}

/** A hard-swish / ReLU6 / ELU / SiLU block, and two outputs (one a transposed view). */
class TwoHeads extends torch.nn.Module {
  conv = new torch.nn.Conv2d(2, 4, 3, { stride: 2, padding: 1 });
  fc = new torch.nn.Linear(4, 3);
  forward(x: torch.Tensor): torch.Tensor[] {
    const h = torch.F.hardswish(this.conv.forward(x));
    const g = torch.F.relu6(torch.F.elu(h, { alpha: 0.5 }));
    const v = torch.F.silu(torch.F.adaptiveAvgPool2d(g, 1)).flatten(1); // [N, 4]
    const y = this.fc.forward(v);
    return [torch.F.logSoftmax(y, 1), y.t()];
  }
}
/** Weights preprocessed in forward (an op on parameters only: folded by doConstantFolding). */
class Scaled extends torch.nn.Module {
  fc = new torch.nn.Linear(6, 4);
  forward(x: torch.Tensor): torch.Tensor {
    return torch.F.linear(x, torch.mul(this.fc.weight, 3), this.fc.bias);
  }
}

/** A module of a function of its input (the tests' functional models), with the modules it calls as submodules. */
class Fn extends torch.nn.Module {
  constructor(private readonly f: (x: torch.Tensor) => torch.Tensor | torch.Tensor[], parts: Record<string, torch.nn.Module> = {}) {
    super();
    Object.assign(this, parts);
  }
  forward(x: torch.Tensor): torch.Tensor | torch.Tensor[] {
    return this.f(x);
  }
}
/** Every interpolate mode the exporter maps to Resize, at scale factors and at sizes (several outputs). */
const resizes = () => new Fn((x) => [
  torch.F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }),
  torch.F.interpolate(x, { size: [7, 5], mode: 'nearest' }),
  torch.F.interpolate(x, { size: [7, 3], mode: 'nearest-exact' }),
  torch.F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' }),
  torch.F.interpolate(x, { size: [7, 9], mode: 'bilinear', alignCorners: true }),
  torch.F.interpolate(x, { size: [7, 9], mode: 'bicubic' }),
  torch.F.interpolate(x, { scaleFactor: 1.5, mode: 'bicubic', alignCorners: true }),
  torch.F.interpolate(x.flatten(2), { scaleFactor: 1.5, mode: 'linear' }),
  torch.F.interpolate(x.unsqueeze(2).expand([-1, -1, 2, -1, -1]), { scaleFactor: 2, mode: 'trilinear' }),
]);
/** Comparisons (bool values in ONNX), logical ops, torch.where, maskedFill by a computed and a constant mask, a bool cast to float; cumsum, and a reversed one. */
const masks = () => {
  const fixed = torch.tensor([[false, true, false, false]], { dtype: 'bool' });
  return new Fn((x) => {
    const inner = torch.logicalAnd(torch.ge(x, -1), torch.le(x, 1)).logicalOr(torch.eq(x, 0));
    const a = torch.where(inner, x, torch.mul(x, 0.1));
    const b = torch.maskedFill(a, torch.ne(torch.gt(x, 0.5), torch.lt(x, 2)), -1);
    return [torch.maskedFill(b, fixed, 7), torch.mul(torch.gt(x, 0).float(), x), torch.cumsum(x, 1), torch.cumsum(x.flip([2]), 2).flip([2])];
  });
};
/** The padding modes: zeros, a constant, a negative (cropping) pad, reflect and replicate. */
const pads = () => {
  const nn = torch.nn;
  const conv = new nn.Conv2d(3, 3, 3);
  const zero = new nn.ZeroPad2d(1);
  const reflect = new nn.ReflectionPad2d([1, 2, 2, 1]);
  const replicate = new nn.ReplicationPad1d(2);
  return new Fn((x) => [
    conv.forward(zero.forward(x)),
    torch.F.pad(x, [1, 2, 0, 3], { value: 0.5 }),
    torch.F.pad(x, [-1, 2]),
    reflect.forward(x),
    replicate.forward(x.flatten(2)),
  ], { conv, zero, reflect, replicate });
};

/** name, model, input shape without the batch, export options, relative tolerance (default 1e-5), traced batch (default 1) */
type Case = [string, () => torch.nn.Module, number[], torch.onnx.ExportOptions?, number?, number?];
const CASES: Case[] = [
  ['lenet5', () => torch.models.lenet5(), [1, 28, 28]],
  ['fashionCnn', () => torch.models.fashionCnn(), [1, 28, 28]],
  ['AlexNet-style (small)', smallAlexnet, [3, 63, 63]],
  ['torchvision resnet18', () => torch.models.torchvisionResnet18({ numClasses: 10 }), [3, 32, 32], {}, 2e-5],
  ['googlenet', () => torch.models.googlenet({ numClasses: 10 }), [3, 32, 32]],
  // (float32 rounding over 52 layers, depthwise convs summed in another order: a few 1e-5)
  ['torchvision mobilenetV2', () => torch.models.torchvisionMobilenetV2({ numClasses: 10 }), [3, 32, 32], {}, 1e-4],
  ['functional (residual add, cat, flatten, F activations)', () => new Functional(), [3, 13, 13]],
  ['two outputs, hardswish/relu6/elu/silu, opset 13', () => new TwoHeads(), [2, 6, 6], { opsetVersion: 13 }],
  ['two outputs, hardswish/relu6/elu/silu, opset 17', () => new TwoHeads(), [2, 6, 6], { opsetVersion: 17 }],
  ['parameters as graph inputs (exportParams false)', () => new Scaled(), [6], { exportParams: false }],
  ['an op on parameters, doConstantFolding false', () => new Scaled(), [6], { doConstantFolding: false }],
  ['an op on parameters, folded', () => new Scaled(), [6]],
  ['LayerNorm MLP with GELU', () => new torch.nn.Sequential(new torch.nn.Linear(8, 16), new torch.nn.LayerNorm(16), new torch.nn.GELU(), new torch.nn.Linear(16, 3)), [8]],
  ['LayerNorm over two dims without affine', () => new torch.nn.LayerNorm([4, 5], { elementwiseAffine: false }), [3, 4, 5]],
  ['GroupNorm, InstanceNorm2d (affine), InstanceNorm1d', () => {
    const nn = torch.nn;
    const body = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.GroupNorm(2, 8), new nn.ReLU(), new nn.InstanceNorm2d(8, { affine: true }));
    const norm1d = new nn.InstanceNorm1d(8);
    return new Fn((x) => norm1d.forward((body.forward(x) as torch.Tensor).flatten(2)), { body, norm1d });
  }, [3, 8, 8]],
  ['interpolate: nearest, nearest-exact, bilinear, bicubic, linear, trilinear (Resize)', resizes, [3, 4, 5]],
  ['ConvTranspose2d (stride, outputPadding, groups), ConvTranspose1d (dilation)', () => {
    const nn = torch.nn;
    const a = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    const b = new nn.ConvTranspose1d(6, 2, 4, { stride: 3, dilation: 2, bias: false });
    return new Fn((x) => b.forward(a.forward(x).flatten(2)), { a, b });
  }, [4, 3, 3]],
  ['pads: zeros, a constant, negative, reflect, replicate', pads, [3, 4, 4]],
  // traced at batch 2: at batch 1 the attention's [N, L, E] -> [L, N, E] transpose is contiguous and not copied
  ['TransformerEncoderLayer (batchFirst): attention, LayerNorm', () => new torch.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), [5, 8], {}, 1e-5, 2],
  ['comparisons, logical ops, where, maskedFill (Equal, Less, And, Not, Where); cumsum', masks, [3, 4]],
  ['TransformerEncoderLayer with a causal mask and a key padding mask computed from the input', () => {
    const layer = new torch.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const causal = torch.nn.Transformer.generateSquareSubsequentMask(5);
    // keys 1-4 padded where their first feature is below -0.5 (key 0 never: with the causal mask
    // query 0 sees key 0 alone, and a row with every key masked is NaN in PyTorch too)
    const later = torch.tensor([[false, true, true, true, true]], { dtype: 'bool' });
    return new Fn((x) => layer.forward(x, { srcMask: causal, srcKeyPaddingMask: torch.logicalAnd(torch.lt(x.select(2, 0), -0.5), later) }), { layer });
  }, [5, 8], {}, 1e-5, 2],
];

/** The cases also run with the model on CUDA (the exporter reads the weights back from the device). */
const ON_CUDA = new Set(['lenet5', 'functional (residual add, cat, flatten, F activations)', 'two outputs, hardswish/relu6/elu/silu, opset 17']);

describeDevices('torch.onnx.export: onnxruntime runs the exported models with the same outputs', (device) => {
  const cases = CASES.filter((c) => device === 'cpu' || ON_CUDA.has(c[0]));
  /** Every case exported, its reference outputs computed, and onnxruntime run once on all of them. */
  const results = new Map<string, { want: torch.Tensor[]; got: OrtOut[] }[]>();
  const tols = new Map(cases.map((c) => [c[0], c[4] ?? 1e-5]));
  const files = new Map<string, string>();
  beforeAll(() => {
    if (!ort) return;
    const jobs: [string, Record<string, torch.Tensor>][] = [];
    const wants: [string, torch.Tensor[]][] = [];
    for (const [name, make, shape, opts, , traceBatch] of cases) {
      torch.manualSeed(0);
      const m = make().eval();
      // BatchNorm running statistics of real activations (one training-mode batch with momentum 1),
      // so that they matter and the activations keep their scale
      for (const b of m.modules()) if (b instanceof torch.nn.BatchNorm2d) (b as { momentum: number }).momentum = 1;
      torch.noGrad(() => m.train().forward(torch.randn([4, ...shape])));
      m.eval();
      m.to(device);
      const file = path.join(tmp, `${device}_${name.replace(/\W+/g, '_')}.onnx`);
      files.set(name, file);
      const outs = torch.noGrad(() => m.forward(torch.zeros([1, ...shape], { device })));
      const n = Array.isArray(outs) ? outs.length : 1;
      const outputNames = Array.from({ length: n }, (_, k) => `y${k}`);
      const dynamicAxes: Record<string, Record<number, string>> = { x: { 0: 'batch' } };
      outputNames.forEach((o, k) => (dynamicAxes[o] = { [k === 1 && name.startsWith('two') ? 1 : 0]: 'batch' }));
      const x1 = torch.randn([traceBatch ?? 1, ...shape]);
      torch.onnx.export(m, x1.to(device), file, { inputNames: ['x'], outputNames, dynamicAxes, ...opts });
      for (const x of [x1, torch.randn([3, ...shape])]) {
        const feeds: Record<string, torch.Tensor> = { x };
        if (opts?.exportParams === false) for (const [k, p] of m.namedParameters()) feeds[k] = p.detach().cpu();
        jobs.push([file, feeds]);
        const y = torch.noGrad(() => m.forward(x.to(device)));
        wants.push([name, (Array.isArray(y) ? (y as torch.Tensor[]) : [y as torch.Tensor]).map((t) => t.cpu())]);
      }
    }
    const got = runOrt(jobs);
    wants.forEach(([name, want], k) => {
      const list = results.get(name) ?? [];
      list.push({ want, got: got[k] });
      results.set(name, list);
    });
  }, 60000);

  const testOrt = ort ? test : test.skip;
  testOrt.each(cases.map((c) => c[0]))('%s, at the traced batch and 3 (dynamic batch axis)', (name) => {
    const r = results.get(name)!;
    expect(r).toHaveLength(2);
    for (const { want, got } of r) {
      expect(got).toHaveLength(want.length);
      want.forEach((w, k) => expectClose(got[k], w, tols.get(name)));
    }
  });
  testOrt('the value infos: symbolic batch axes, fixed sizes elsewhere; onnxruntime warned of nothing', () => {
    expect(ortShapes.get(files.get('lenet5')!)).toEqual({ x: ['batch', 1, 28, 28], y0: ['batch', 10] });
    expect(ortShapes.get(files.get('two outputs, hardswish/relu6/elu/silu, opset 17')!)).toEqual({ x: ['batch', 2, 6, 6], y0: ['batch', 3], y1: [3, 'batch'] });
    expect(ortWarnings.join('')).toBe('');
  });
  if (device === 'cpu') {
    testOrt.each(Object.keys(pyOps))("%s: the op types of PyTorch 1.13's export (test/fixtures/onnx.json)", (name) => {
      // PyTorch folds eval BatchNorms into the convs, writes torch.flatten as Flatten (a Reshape here),
      // and adds Constant / Identity / Pad nodes of its own
      const norm = (ops: string[]) => [...new Set(ops.filter((o) => !['Constant', 'Identity', 'Pad', 'BatchNormalization'].includes(o))
        .map((o) => (o === 'Flatten' ? 'Reshape' : o)))].sort();
      expect(norm(opTypes(fs.readFileSync(files.get(name)!)))).toEqual(norm(pyOps[name]));
    });
    testOrt('an int64 input: Embedding (Gather, the index range check pruned), torch.gather (GatherElements), indexSelect by a constant', () => {
      class Lookup extends torch.nn.Module {
        emb = new torch.nn.Embedding(10, 4);
        pick = torch.tensor([3, 0, 3, 9], { dtype: 'int64' });
        forward(ids: torch.Tensor, x: torch.Tensor): torch.Tensor[] {
          return [this.emb.forward(ids).mean(1), torch.gather(x, 1, ids), torch.indexSelect(x, 1, this.pick)];
        }
      }
      torch.manualSeed(2);
      const m = new Lookup();
      const f = path.join(tmp, 'lookup.onnx');
      const ids = (n: number) => torch.randint(0, 10, [n, 3]);
      torch.onnx.export(m, [ids(2), torch.randn([2, 10])], f, {
        inputNames: ['ids', 'x'], outputNames: ['e', 'g', 's'], dynamicAxes: { ids: [0], x: [0], e: [0], g: [0], s: [0] },
      });
      const ops = opTypes(fs.readFileSync(f));
      expect(ops).toEqual(expect.arrayContaining(['Gather', 'GatherElements']));
      expect(ops.filter((o) => o === 'ReduceMin' || o === 'ReduceMax')).toEqual([]);
      const feeds = [1, 5].map((n) => ({ ids: ids(n), x: torch.randn([n, 10]) }));
      const got = runOrt(feeds.map((x) => [f, x]));
      feeds.forEach((x, k) => torch.noGrad(() => m.forward(x.ids, x.x)).forEach((w, j) => expectClose(got[k][j], w)));
    });
    testOrt('two inputs, Linear on 3-D input, batched matmul, softmax, transpose + cat, mean; default output names', () => {
      class Multi extends torch.nn.Module {
        fc = new torch.nn.Linear(4, 4);
        forward(a: torch.Tensor, b: torch.Tensor): torch.Tensor[] {
          const h = this.fc.forward(a); // [N, 3, 4]
          const s = torch.softmax(torch.matmul(h, b), -1); // [N, 3, 3]
          return [torch.cat([s, s.transpose(1, 2)], 2), h.mean(1)];
        }
      }
      torch.manualSeed(1);
      const m = new Multi();
      const f = path.join(tmp, 'multi.onnx');
      torch.onnx.export(m, [torch.randn([2, 3, 4]), torch.randn([2, 4, 3])], f, {
        inputNames: ['a', 'b'], dynamicAxes: { a: [0], b: [0], output_0: { 0: 'n' }, output_1: { 0: 'n' } },
      });
      const feeds = [1, 5].map((n) => ({ a: torch.randn([n, 3, 4]), b: torch.randn([n, 4, 3]) }));
      const got = runOrt(feeds.map((x) => [f, x]));
      feeds.forEach((x, k) => {
        const want = torch.noGrad(() => m.forward(x.a, x.b));
        want.forEach((w, j) => expectClose(got[k][j], w));
      });
      expect(ortShapes.get(f)).toEqual({ a: ['a_dynamic_axes_1', 3, 4], b: ['b_dynamic_axes_1', 4, 3], output_0: ['n', 3, 6], output_1: ['n', 4] });
    });
    testOrt('doConstantFolding: the op on parameters is an initializer when folded, a Mul node when not', () => {
      const has = (name: string, s: string) => fs.readFileSync(files.get(name)!).includes(Buffer.from(s));
      expect(has('an op on parameters, doConstantFolding false', 'Mul')).toBe(true);
      expect(has('an op on parameters, folded', 'Mul')).toBe(false);
      // the parameters, by their state-dict names: initializers, or graph inputs with exportParams false
      expect(has('an op on parameters, doConstantFolding false', 'fc.weight')).toBe(true);
      expect(has('parameters as graph inputs (exportParams false)', 'fc.bias')).toBe(true);
    });
  }
});

describe('torch.onnx.export: refusals, options and the file', () => {
  const lin = () => new torch.nn.Sequential(new torch.nn.Linear(4, 3), new torch.nn.ReLU());
  const x = () => torch.randn([2, 4]);
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return undefined;
  };
  const files = () => fs.readdirSync(dir);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(tmp, 'refuse-'));
  });

  test('a forward whose ops change with the dynamic axis is refused with a hint (attention traced at batch 1)', () => {
    const m = new torch.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const f = path.join(dir, 'm.onnx');
    expect(() => torch.onnx.export(m, torch.randn([1, 5, 8]), f, { dynamicAxes: { input_0: [0] } })).toThrow(/trace with an example of size 2 or more/);
    expect(files()).toEqual([]);
  });

  test('a native op without an ONNX mapping is ERR_TORCHLET_NOT_IMPLEMENTED naming it, and leaves no file', () => {
    class Padded extends torch.nn.Module {
      forward(t: torch.Tensor): torch.Tensor {
        return torch.F.pad(t, [1, 1], { mode: 'circular' });
      }
    }
    const f = path.join(dir, 'm.onnx');
    expect(() => torch.onnx.export(new Padded(), torch.randn([1, 2, 5]), f)).toThrow(/pad mode 'circular' has no ONNX mapping/);
    expect(code(() => torch.onnx.export(new Padded(), torch.randn([1, 2, 5]), f))).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    class Sorted extends torch.nn.Module {
      forward(t: torch.Tensor): torch.Tensor {
        return torch.sort(t, 1).values;
      }
    }
    expect(() => torch.onnx.export(new Sorted(), x(), f)).toThrow(/sort/);
    expect(files()).toEqual([]);
  });

  test('an existing file is replaced only by a complete export (a temporary file renamed; none left behind)', () => {
    const f = path.join(dir, 'm.onnx');
    fs.writeFileSync(f, 'old');
    class Bad extends torch.nn.Module {
      forward(t: torch.Tensor): torch.Tensor {
        return torch.sort(t, 1).values;
      }
    }
    expect(code(() => torch.onnx.export(new Bad(), x(), f))).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    expect(fs.readFileSync(f, 'utf8')).toBe('old');
    torch.onnx.export(lin(), x(), f);
    expect(files()).toEqual(['m.onnx']);
    const bytes = fs.readFileSync(f);
    expect(bytes.length).toBeGreaterThan(4 * 15);
    expect(bytes.includes(Buffer.from('Gemm'))).toBe(true);
    expect(bytes.includes(Buffer.from('Relu'))).toBe(true);
  });

  test('bad paths: ERR_TORCHLET_IO, nothing written', () => {
    expect(code(() => torch.onnx.export(lin(), x(), path.join(dir, 'no', 'such', 'dir', 'm.onnx')))).toBe('ERR_TORCHLET_IO');
    expect(code(() => torch.onnx.export(lin(), x(), dir))).toBe('ERR_TORCHLET_IO');
    expect(code(() => torch.onnx.export(lin(), x(), '' as string))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(code(() => torch.onnx.export(lin(), x(), 3 as unknown as string))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(files()).toEqual([]);
  });

  test('the model must be an nn.Module returning tensors; args Tensors', () => {
    const f = path.join(dir, 'm.onnx');
    expect(code(() => torch.onnx.export(((t: torch.Tensor) => t) as unknown as torch.nn.Module, x(), f))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(code(() => torch.onnx.export(lin(), [1, 2] as unknown as torch.Tensor, f))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(code(() => torch.onnx.export(lin(), [], f))).toBe('ERR_TORCHLET_INVALID_ARG');
    class Scalar extends torch.nn.Module {
      forward(t: torch.Tensor): number {
        return t.sum().item();
      }
    }
    expect(code(() => torch.onnx.export(new Scalar(), x(), f))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    class Ident extends torch.nn.Module {
      forward(t: torch.Tensor): torch.Tensor {
        return t;
      }
    }
    torch.onnx.export(new Ident(), x(), f); // an Identity node
    expect(fs.readFileSync(f).includes(Buffer.from('Identity'))).toBe(true);
    fs.unlinkSync(f);
    class Weight extends torch.nn.Module {
      w = new torch.nn.Parameter(torch.ones([2]));
      forward(): torch.Tensor {
        return this.w;
      }
    }
    expect(() => torch.onnx.export(new Weight(), x(), f)).toThrow(/did not compute/);
    expect(files()).toEqual([]);
  });

  test('options: unknown keys and bad values are refused', () => {
    const f = path.join(dir, 'm.onnx');
    const bad: [unknown, string][] = [
      [{ opset_version: 13 }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ verbose: true }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ opsetVersion: 12 }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ opsetVersion: 18 }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ opsetVersion: 13.5 }, 'ERR_TORCHLET_INVALID_ARG_TYPE'],
      [{ exportParams: 1 }, 'ERR_TORCHLET_INVALID_ARG_TYPE'],
      [{ doConstantFolding: 'yes' }, 'ERR_TORCHLET_INVALID_ARG_TYPE'],
      [{ training: 'training' }, 'ERR_TORCHLET_NOT_IMPLEMENTED'],
      [{ training: true }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ inputNames: ['a', 'b'] }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ inputNames: 'a' }, 'ERR_TORCHLET_INVALID_ARG_TYPE'],
      [{ outputNames: ['a', 'b'] }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ outputNames: ['a', 'a'] }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ dynamicAxes: { nope: [0] } }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ dynamicAxes: { input_0: [2] } }, 'ERR_TORCHLET_INVALID_ARG'],
      [{ dynamicAxes: { input_0: { 0: 3 } } }, 'ERR_TORCHLET_INVALID_ARG_TYPE'],
      [{ dynamicAxes: [0] }, 'ERR_TORCHLET_INVALID_ARG_TYPE'],
      // the feature axis of a Linear cannot change size
      [{ dynamicAxes: { input_0: [1] } }, 'ERR_TORCHLET_INVALID_ARG'],
    ];
    for (const [o, c] of bad) expect([o, code(() => torch.onnx.export(lin(), x(), f, o as torch.onnx.ExportOptions))]).toEqual([o, c]);
    expect(code(() => (torch.onnx.export as (...a: unknown[]) => void)(lin(), x(), f, {}, 1))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(files()).toEqual([]);
  });

  test("training-mode ops are refused with training: 'preserve'; the model's mode is restored", () => {
    const f = path.join(dir, 'm.onnx');
    const m = new torch.nn.Sequential(new torch.nn.Conv2d(1, 2, 3), new torch.nn.BatchNorm2d(2), new torch.nn.Dropout(0.5));
    m.train();
    expect(() => torch.onnx.export(m, torch.randn([2, 1, 5, 5]), f, { training: 'preserve' })).toThrow(/batchNorm in training mode/);
    expect(m.training).toBe(true);
    const d = new torch.nn.Sequential(new torch.nn.Linear(4, 4), new torch.nn.Dropout(0.5)).train();
    expect(code(() => torch.onnx.export(d, x(), f, { training: 'preserve' }))).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
    torch.onnx.export(m, torch.randn([2, 1, 5, 5]), f); // eval by default
    expect(m.training).toBe(true);
    expect(m[1].training).toBe(true);
    expect(files()).toEqual(['m.onnx']);
  });

  test('frozen (pre-packed) modules and sizes that follow a dynamic axis in a constant are refused', () => {
    const f = path.join(dir, 'm.onnx');
    const conv = new torch.nn.Sequential(new torch.nn.Conv2d(1, 2, 3), new torch.nn.ReLU()).eval();
    const frozen = torch.jit.freeze(conv, torch.randn([1, 1, 6, 6]));
    expect(() => torch.onnx.export(frozen, torch.randn([1, 1, 6, 6]), f)).toThrow(/torch.jit.freeze'd module/);
    class Zeros extends torch.nn.Module {
      forward(t: torch.Tensor): torch.Tensor {
        return torch.add(t, torch.ones(t.shape));
      }
    }
    expect(() => torch.onnx.export(new Zeros(), x(), f, { dynamicAxes: { input_0: [0] } })).toThrow(/dynamicAxes/);
    torch.onnx.export(new Zeros(), x(), f); // static: the ones are an initializer
    expect(files()).toEqual(['m.onnx']);
  });
});

test('initializers are named by the state-dict keys (PyTorch names: running_mean, not runningMean)', () => {
  const f = path.join(tmp, 'names.onnx');
  const m = new torch.nn.Sequential(new torch.nn.Conv2d(1, 2, 3), new torch.nn.BatchNorm2d(2)).eval();
  torch.onnx.export(m, torch.randn([1, 1, 5, 5]), f);
  const bytes = fs.readFileSync(f);
  for (const k of ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var']) expect([k, bytes.includes(Buffer.from(k))]).toEqual([k, true]);
  expect(bytes.includes(Buffer.from('runningMean'))).toBe(false);
  expect(bytes.includes(Buffer.from('BatchNormalization'))).toBe(true);
});
