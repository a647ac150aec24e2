// test/ops/shape_more.test.ts — the torch.* shape, indexing and construction helpers of
// lib/ops/shape_more.ts on every device: values and gradients against PyTorch 1.13
// (test/fixtures/shape_more.json from gen_shape_more_fixtures.py: meshgrid ij / xy / 0-D, cartesianProd,
// broadcastTo / broadcastTensors, swapaxes / swapdims, atleast1d-3d, the stacks with dtype promotion,
// flipud / fliplr, rot90 for k = -1..6 and other dims, take with negative indices, takeAlongDim with
// and without dim and broadcasting, repeatInterleave in all its forms, blockDiag, triu / trilIndices,
// finfo / iinfo, Tensor.unfold (overlapping, gapped, whole, empty and 0-d windows, unfold of unfold), unflatten,
// narrowCopy, rsub, renorm for p 0.5 / 1 / 2 / 3 / inf, asStrided: overlapping windows, of transposed, narrowed and expanded
// views, empty), torch.device,
// float64 finite-difference gradients, which results are views, the small predicates, and the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError, thrown } from '../helpers';
import { gradcheck, gradgradcheck } from '../gradcheck';

interface FT {
  data: (number | boolean)[];
  shape: number[];
  dtype: DType;
}
type Arg = FT | { list: FT[] } | number;
interface Case {
  name: string;
  fn: string;
  args: Arg[];
  opts: Record<string, unknown>;
  outs: FT[];
  list: boolean;
  grads: (FT | null)[];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'shape_more.json'), 'utf8')) as {
  cases: Case[];
  finfo: Record<string, Record<string, number>>;
  iinfo: Record<string, Record<string, string>>;
};
const isFT = (a: unknown): a is FT => typeof a === 'object' && a !== null && 'data' in a;

function call(c: Case, args: unknown[], device: string): Tensor | Tensor[] {
  const o = c.opts;
  const t = (ft: unknown) => torch.tensor((ft as FT).data as number[], { dtype: (ft as FT).dtype, device }).reshape((ft as FT).shape);
  const x = args[0] as Tensor;
  const T = torch as unknown as Record<string, (...a: unknown[]) => Tensor | Tensor[]>;
  switch (c.fn) {
    case 'meshgrid':
      return torch.meshgrid(...(args as Tensor[]), o.indexing ? { indexing: o.indexing as 'xy' } : {});
    case 'broadcastTo':
      return torch.broadcastTo(x, o.shape as number[]);
    case 'swapaxes':
    case 'swapdims':
      return T[c.fn](x, o.a, o.b);
    case 'rot90':
      return o.k === undefined ? torch.rot90(x) : torch.rot90(x, o.k as number, o.dims as number[]);
    case 'take':
      return torch.take(x, t(o.index));
    case 'takeAlongDim':
      return o.dim === undefined ? torch.takeAlongDim(x, t(o.indices)) : torch.takeAlongDim(x, t(o.indices), o.dim as number);
    case 'repeatInterleave':
      if (o.repeats === undefined) return torch.repeatInterleave(x);
      return torch.repeatInterleave(x, isFT(o.repeats) ? t(o.repeats) : (o.repeats as number), o.dim as number | undefined);
    case 'unfold':
      return x.unfold(o.dimension as number, o.size as number, o.step as number);
    case 'unfold2':
      return x.unfold(1, 3, 1).unfold(0, 2, 1);
    case 'asStrided': {
      const pre = o.pre === 't' ? x.t() : o.pre === 'narrow' ? x.narrow(0, 1, x.shape[0] - 1) : o.pre === 'expand' ? x.expand([2, 3]) : x;
      return torch.asStrided(pre, o.size as number[], o.stride as number[], o.offset as number | null);
    }
    case 'unflatten':
      return torch.unflatten(x, o.dim as number, o.sizes as number[]);
    case 'narrowCopy':
      return torch.narrowCopy(o.t ? x.t() : x, o.dim as number, o.start as number, o.length as number);
    case 'rsub':
      return torch.rsub(x, o.other === undefined ? (args[1] as Tensor) : (o.other as number), o.alpha === undefined ? {} : { alpha: o.alpha as number });
    case 'renorm':
      return torch.renorm(x, o.p === 'inf' ? Infinity : (o.p as number), o.dim as number, o.maxnorm as number);
    case 'triuIndices':
    case 'trilIndices':
      return T[c.fn](...args, { device });
    default:
      return T[c.fn](...args);
  }
}

describeDevices('torch shape helpers against PyTorch', (device) => {
  for (const c of FIX.cases)
    it(c.name, () => {
      const leaves: Tensor[] = [];
      const build = (a: Arg): unknown => {
        if (typeof a === 'number') return a;
        if ('list' in a) return a.list.map(build);
        const x = torch.tensor(a.data as number[], { dtype: a.dtype, device }).reshape(a.shape);
        if (a.dtype === 'float32' || a.dtype === 'float64') {
          x.requiresGrad_(true);
          leaves.push(x);
        }
        return x;
      };
      const args = c.args.map(build);
      const out = call(c, args, device);
      const outs = Array.isArray(out) ? out : [out];
      expect(Array.isArray(out)).toBe(c.list);
      expect(outs).toHaveLength(c.outs.length);
      outs.forEach((o, k) => {
        expect(o.shape).toEqual(c.outs[k].shape);
        expect(o.dtype).toBe(c.outs[k].dtype);
        const got = Array.from(o.toArray() as ArrayLike<number | bigint>, Number);
        const want = c.outs[k].data.map(Number);
        if (o.dtype === 'float32') got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
        else expect(got).toEqual(want);
      });
      if (!leaves.length) return;
      const floats = outs.filter((o) => o.dtype === 'float32' || o.dtype === 'float64');
      const loss = floats
        .map((o) => o.mul(torch.arange(1, o.numel() + 1, 1, { dtype: o.dtype, device }).div(7).reshape(o.shape)).sum())
        .reduce((a, b) => a.add(b));
      const grads = torch.autograd.grad(loss, leaves, { allowUnused: true });
      grads.forEach((g, i) => {
        const want = c.grads[i];
        if (want === null) return expect(g).toBeNull();
        const got = Array.from((g as Tensor).toArray() as Float32Array);
        want.data.forEach((v, k) => expect(got[k]).toBeCloseTo(v as number, 5));
      });
    });

  it('finite-difference gradients in float64', () => {
    const opts = { dtype: 'float64' as const, device };
    const x = () => torch.randn([2, 3], opts).requiresGrad_(true);
    const ix = torch.tensor([[1, 0, 2], [2, 2, 0]], { dtype: 'int64', device });
    const checks: [string, (...a: Tensor[]) => Tensor, Tensor[]][] = [ // name: for reading
      ['rot90', (a) => torch.rot90(a, 3), [x()]],
      ['takeAlongDim', (a) => torch.takeAlongDim(a, ix, 1), [x()]],
      ['take', (a) => torch.take(a, torch.tensor([0, -1, 0], { dtype: 'int64', device })), [x()]],
      ['repeatInterleave', (a) => torch.repeatInterleave(a, torch.tensor([2, 0, 1], { dtype: 'int64', device }), 1), [x()]],
      ['blockDiag', (a, b) => torch.blockDiag(a, b), [x(), x()]],
      ['meshgrid', (a, b) => torch.meshgrid(a.flatten(), b.flatten(), { indexing: 'xy' }).reduce((p, q, i) => p.add(q.mul(i + 1))), [x(), x()]],
      ['columnStack', (a, b) => torch.columnStack([a.flatten(), b.reshape([6, 1])]), [x(), x()]],
      ['unfold overlapping', (a) => a.unfold(1, 2, 1), [x()]],
      ['unfold of a transpose, gapped', (a) => a.t().unfold(0, 1, 2), [x()]],
      ['unfold of unfold', (a) => a.unfold(1, 2, 1).unfold(0, 2, 1), [torch.randn([3, 3], opts).requiresGrad_(true)]],
      ['unflatten', (a) => torch.unflatten(a, 1, [3, 1]).mul(a.unsqueeze(-1)), [x()]],
      ['narrowCopy', (a) => torch.narrowCopy(a, 1, 1, 2), [x()]],
      ['rsub', (a, b) => torch.rsub(a, b, { alpha: 2 }), [x(), x()]],
      ['renorm p 2 (both branches)', (a) => torch.renorm(a.mul(torch.tensor([[0.1], [3]], opts)), 2, 0, 1), [x()]],
      ['renorm p 3 dim 1', (a) => torch.renorm(a, 3, 1, 0.5), [x()]],
      ['asStrided overlapping windows', (a) => torch.asStrided(a, [4, 2], [1, 1], 1), [x()]],
      ['asStrided of a transpose', (a) => torch.asStrided(a.t(), [2, 2], [1, 3], 1), [x()]],
    ];
    for (const [, f, inputs] of checks) gradcheck((xs) => f(...xs), inputs, { device });
    // unfold's gradient is itself differentiable (createGraph); asStrided's is first-order only (a coded refusal)
    gradgradcheck((xs) => xs[0].unfold(1, 2, 1).pow(2), [x()], { device });
    const a = x();
    const [h] = torch.autograd.grad(torch.asStrided(a, [2, 2], [1, 1]).pow(2).sum(), [a], { createGraph: true });
    expect(thrown(() => torch.autograd.grad(h!.sum(), [a])).code).toBe('ERR_TORCHLET_NOT_IMPLEMENTED');
  });
});

describe('torch shape helpers: views, predicates and refusals', () => {
  it('returns views where PyTorch does, copies where it copies', () => {
    const x = torch.arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]);
    const [g] = torch.meshgrid(torch.ones([3]), torch.ones([2]));
    expect(g.strides).toEqual([1, 0]);
    expect(torch.broadcastTo(torch.ones([3, 1]), [2, 3, 4]).strides).toEqual([0, 1, 0]);
    const s = torch.swapaxes(x, 0, 1);
    expect(s.strides).toEqual([1, 3]);
    expect((torch.atleast3d(x) as Tensor).strides).toEqual([3, 1, 1]);
    const r = torch.rot90(x, 4);
    r.fill_(0);
    expect(x.sum().item()).toBe(15);
  });
  it('Tensor.unfold is a view (strides, writes through the base show); in-place writes into overlapping windows are refused', () => {
    const x = torch.arange(0, 12, 1, { dtype: 'float32' }).reshape([3, 4]);
    const u = x.unfold(1, 2, 1);
    expect(u.shape).toEqual([3, 3, 2]);
    expect(u.strides).toEqual([4, 1, 1]);
    x.set(100, 0, 1);
    expect(u.index(0).tolist()).toEqual([[0, 100], [100, 2], [2, 3]]);
    const g = x.unfold(1, 2, 2);
    expect(g.strides).toEqual([4, 2, 1]);
    g.mul_(2); // windows that do not overlap: written once each
    expect(x.index(1).tolist()).toEqual([8, 10, 12, 14]);
    for (const write of [(v: Tensor) => v.mul_(2), (v: Tensor) => v.add_(1), (v: Tensor) => v.copy_(torch.zeros([3, 3, 2])), (v: Tensor) => v.relu_(), (v: Tensor) => v.set(1, 0)])
      expect(thrown(() => write(x.unfold(1, 2, 1))).message).toMatch(/more than one element of the written-to tensor refers to a single memory location/);
    expect(x.index(2).tolist()).toEqual([16, 18, 20, 22]); // nothing written
    x.unfold(1, 2, 1).fill_(1); // fill_ writes one value wherever it lands, as in PyTorch
    expect(x.sum().item()).toBe(12);
    expect(torch.unflatten(x, 1, [2, 2]).strides).toEqual([4, 2, 1]);
    const c = torch.narrowCopy(x.t(), 0, 1, 2);
    expect(c.strides).toEqual([3, 1]);
    c.fill_(5);
    expect(x.sum().item()).toBe(12);
  });
  it('unfold, unflatten, narrowCopy, rsub and renorm refuse what PyTorch refuses, naming the argument', () => {
    const x = torch.randn([2, 3]);
    expectArgError(() => x.unfold(1, 4, 1), 'size');
    expectArgError(() => x.unfold(1, 2, 0), 'step');
    expectArgError(() => x.unfold(2, 1, 1), 'dimension');
    expectArgError(() => x.unfold(1, -1, 1), 'size');
    expectArgError(() => torch.unflatten(x, 1, [2, 2]), 'sizes');
    expectArgError(() => torch.unflatten(x, 1, []), 'sizes');
    expectArgError(() => torch.unflatten(x, 1, [-1, -1, 3]), 'sizes');
    expectArgError(() => torch.narrowCopy(x, 1, 2, 2), 'length');
    expectArgError(() => torch.renorm(x, 0, 0, 1), 'p');
    expectArgError(() => torch.renorm(x, 2, 0, -1), 'maxnorm');
    expectArgError(() => torch.renorm(torch.randn([3]), 2, 0, 1), 'input');
    expectArgError(() => torch.renorm(x, 2, 2, 1), 'dim');
    expect(thrown(() => torch.renorm(torch.tensor([[1, 2]]), 2, 0, 1)).code).toBe('ERR_TORCHLET_DTYPE');
    expect(thrown(() => torch.rsub(torch.tensor([true]), 1)).code).toBe('ERR_TORCHLET_DTYPE');
    expectArgError(() => (torch.rsub as (...a: unknown[]) => Tensor)(x, 1, { alhpa: 2 }), 'opts.alhpa');
    expectArgError(() => (x.unfold as (...a: unknown[]) => Tensor)(1, 2, 1, 4), 'unfold');
    expectArgError(() => torch.asStrided(x, [3, 3], [2, 1]), 'size'); // past the storage's 6 elements
    expectArgError(() => torch.asStrided(x, [2, 2], [-1, 1]), 'stride');
    expectArgError(() => torch.asStrided(x, [2, 2], [1]), 'stride');
    expectArgError(() => torch.asStrided(x, [2, 2], [1, 1], -1), 'storageOffset');
    expect(thrown(() => torch.asStrided(x, [2, 2], [1, 1]).mul_(2)).message).toMatch(/refers to a single memory location/);
  });
  it('the Tensor methods are the functions', () => {
    const x = torch.randn([2, 3]);
    const i64 = (v: number[] | number[][]) => torch.tensor(v as number[], { dtype: 'int64' });
    const same = (a: Tensor, b: Tensor) => expect(Array.from(a.toArray() as Float32Array)).toEqual(Array.from(b.toArray() as Float32Array));
    same(x.rot90(), torch.rot90(x));
    same(x.rot90(-1, [1, 0]), torch.rot90(x, -1, [1, 0]));
    same(x.flipud(), torch.flipud(x));
    same(x.fliplr(), torch.fliplr(x));
    same(x.swapaxes(0, 1), x.t());
    same(x.swapdims(1, 0), x.t());
    same(x.take(i64([5, -6])), torch.take(x, i64([5, 0])));
    same(x.takeAlongDim(i64([[2], [0]]), 1), torch.takeAlongDim(x, i64([[2], [0]]), 1));
    same(x.repeatInterleave(2, 0), torch.repeatInterleave(x, 2, 0));
    same(x.broadcastTo([4, 2, 3]).sum(0), x.mul(4));
    same(x.unflatten(1, [3, 1]), torch.unflatten(x, 1, [3, 1]));
    same(x.narrowCopy(1, 1, 2), torch.narrowCopy(x, 1, 1, 2));
    same(x.renorm(1, 0, 0.5), torch.renorm(x, 1, 0, 0.5));
    same(x.asStrided([2, 2], [1, 2], 1), torch.asStrided(x, [2, 2], [1, 2], 1));
    expect(x.stride()).toEqual([3, 1]);
    expect(x.t().stride(-1)).toBe(3);
    expect(x.narrow(1, 1, 2).storageOffset()).toBe(1);
    expect([x.elementSize(), x.double().elementSize(), torch.tensor([true]).elementSize(), i64([1]).elementSize()]).toEqual([4, 8, 1, 8]);
    expect(x.nelement()).toBe(6);
    expect([x.isFloatingPoint(), i64([1]).isFloatingPoint(), x.isComplex()]).toEqual([true, false, false]);
    expect(torch.tensor([2]).isNonzero()).toBe(true);
    expectArgError(() => x.stride(2), 'dim');
    expectArgError(() => (x.repeatInterleave as (...a: unknown[]) => Tensor)(), 'repeats');
  });
  it("finfo and iinfo are PyTorch's", () => {
    for (const d of ['float32', 'float64'] as const) {
      const f = torch.finfo(d);
      const w = FIX.finfo[d];
      expect([f.bits, f.eps, f.max, f.min, f.tiny, f.smallestNormal, f.resolution, f.dtype]).toEqual([w.bits, w.eps, w.max, w.min, w.tiny, w.smallest_normal, w.resolution, d]);
    }
    expect(torch.finfo()).toEqual(torch.finfo('float32'));
    for (const d of ['int32', 'int64', 'uint8'] as const) {
      const f = torch.iinfo(d);
      const w = FIX.iinfo[d];
      expect([String(f.bits), String(f.max), String(f.min), f.dtype]).toEqual([w.bits, w.max, w.min, d]);
    }
    expect(typeof torch.iinfo('int64').max).toBe('bigint');
    expect(Math.fround(torch.finfo('float32').max)).toBe(torch.finfo('float32').max);
    expectArgError(() => torch.finfo('int32' as 'float32'), 'dtype');
    expectArgError(() => torch.iinfo('float32' as 'int32'), 'dtype');
    expectArgError(() => torch.iinfo('bool' as 'int32'), 'dtype');
    expectArgError(() => torch.finfo('half' as 'float32'), 'dtype');
  });
  it('torch.device names a device without requiring it', () => {
    expect(torch.device('cpu')).toBe('cpu');
    expect(torch.device('cuda')).toBe('cuda:0');
    expect(torch.device('cuda', 1)).toBe('cuda:1');
    expect(torch.device('cuda:2')).toBe('cuda:2');
    expect(torch.device('cpu', 0)).toBe('cpu');
    expect(thrown(() => torch.device('mps')).code).toBe('ERR_TORCHLET_DEVICE');
    expectArgError(() => torch.device('cuda:0', 1), 'index');
    expectArgError(() => torch.device('cuda', -1), 'index');
    expectArgError(() => torch.device(3 as unknown as string), 'type');
  });
  it('numel, clone, broadcastShapes and the predicates', () => {
    const x = torch.zeros([2, 3, 4]);
    expect(torch.numel(x)).toBe(24);
    const c = torch.clone(x);
    c.fill_(1);
    expect(x.sum().item()).toBe(0);
    expect(torch.broadcastShapes([2, 1], [3, 1, 4], 4)).toEqual([3, 2, 4]);
    expect(thrown(() => torch.broadcastShapes([2], [3])).code).toBe('ERR_TORCHLET_SHAPE');
    expect(torch.isFloatingPoint(x)).toBe(true);
    expect(torch.isFloatingPoint(torch.tensor([1], { dtype: 'int64' }))).toBe(false);
    expect(torch.isComplex(x)).toBe(false);
    expect(torch.isNonzero(torch.tensor([0.5]))).toBe(true);
    expect(torch.isNonzero(torch.tensor([[0]], { dtype: 'int64' }))).toBe(false);
    expect(torch.isNonzero(torch.tensor([false]))).toBe(false);
    expectArgError(() => torch.isNonzero(torch.tensor([1, 2])), 'input');
    expectArgError(() => torch.isNonzero(torch.tensor([])), 'input');
  });
  it('asTensor keeps a tensor that already fits and converts the rest', () => {
    const x = torch.tensor([1.5, 2]);
    expect(torch.asTensor(x)).toBe(x);
    expect(torch.asTensor(x, { dtype: 'float32' })).toBe(x);
    const d = torch.asTensor(x, { dtype: 'float64' });
    expect(d.dtype).toBe('float64');
    expect(d).not.toBe(x);
    const a = torch.asTensor([[1, 2], [3, 4]], { dtype: 'int64' });
    expect(a.shape).toEqual([2, 2]);
    expect(a.dtype).toBe('int64');
    expect(thrown(() => torch.asTensor(x, { dtyp: 'float64' } as never)).message).toMatch(/dtyp/);
  });
  it('refuses bad arguments, naming them', () => {
    const x = torch.randn([2, 3]);
    const i64 = (v: number[]) => torch.tensor(v, { dtype: 'int64' });
    expectArgError(() => torch.meshgrid(x, x), /tensors\[0\]/);
    expectArgError(() => torch.meshgrid(torch.ones([2]), torch.ones([2]), { indexing: 'ji' as 'ij' }), 'indexing');
    expectArgError(() => torch.meshgrid(torch.ones([2]), torch.tensor([1, 2], { dtype: 'int64' })), /tensors\[1\]/);
    expect(thrown(() => torch.meshgrid(torch.ones([2]), { index: 'ij' } as never)).message).toMatch(/index/);
    expectArgError(() => torch.meshgrid(), 'tensors');
    expectArgError(() => torch.cartesianProd(x), /tensors\[0\]/);
    expectArgError(() => torch.broadcastTo(x, [4, 3]), 'shape');
    expectArgError(() => torch.rot90(x, 1, [0, 0]), 'dims');
    expectArgError(() => torch.rot90(x, 1.5), 'k');
    expectArgError(() => torch.rot90(torch.ones([3])), 'input');
    expectArgError(() => torch.flipud(torch.tensor(1)), 'input');
    expectArgError(() => torch.fliplr(torch.ones([3])), 'input');
    expectArgError(() => torch.take(x, i64([6])), 'index');
    expectArgError(() => torch.take(x, i64([-7])), 'index');
    expectArgError(() => torch.take(x, torch.tensor([0], { dtype: 'int32' })), 'index');
    expectArgError(() => torch.takeAlongDim(x, i64([0, 1]), 1), 'indices');
    expectArgError(() => torch.repeatInterleave(x, -1), 'repeats');
    expectArgError(() => torch.repeatInterleave(x, i64([1, 2]), 1), 'repeats');
    expectArgError(() => torch.repeatInterleave(x, i64([1, -1, 1]), 1), 'repeats');
    expectArgError(() => torch.repeatInterleave(x, 2, 0, { outputSize: 5 }), 'outputSize');
    expectArgError(() => torch.blockDiag(torch.ones([1, 1, 1])), /tensors\[0\]/);
    expectArgError(() => torch.triuIndices(-1, 3), 'row');
    expectArgError(() => torch.trilIndices(3, 3, 0, { dtype: 'float32' }), 'dtype');
    expectArgError(() => torch.hstack([]), 'tensors');
    expectArgError(() => torch.swapaxes(x, 0, 2), 'axis1');
    expectArgError(() => torch.swapdims(x, 2, 0), 'dim0');
  });
});
