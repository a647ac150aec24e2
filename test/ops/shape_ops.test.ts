// test/ops/shape_ops.test.ts — the shape ops and creation functions of issue 14 on every device,
// against PyTorch (test/fixtures/shape_ops.json from gen_shape_ops_fixtures.py: flip, roll, repeat,
// tile, chunk, split, unbind, movedim, T / mT, diagonal, tril / triu, einsum, eye, linspace,
// logspace; float32 / float64 / int64, negative dims, size-1 and empty dims; the float64 gradients of
// sum(out * w)), each also on a non-contiguous input; float64 gradchecks; which results are views;
// the function and method forms; argument errors.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor, DType } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { expectArgError, expectClose, randnT, toNumbers } from '../helpers';

interface FT {
  shape: number[];
  dtype: string;
  data: number[];
}
interface Case {
  name: string;
  op: string;
  inputs: FT[];
  args: Record<string, unknown>;
  outs: FT[];
  ws?: FT[];
  grads?: FT[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'shape_ops.json'), 'utf8')) as { cases: Case[] };

function mk(t: FT): Tensor {
  if (t.dtype === 'int64') return torch.fromBuffer(BigInt64Array.from(t.data, (v) => BigInt(v)), t.shape.slice());
  if (t.dtype === 'float32') return torch.fromBuffer(Float32Array.from(t.data), t.shape.slice());
  return torch.fromBuffer(Float64Array.from(t.data), t.shape.slice());
}
function nonContiguous(t: Tensor): Tensor {
  if (t.ndim < 2) return t;
  return t.transpose(0, t.ndim - 1).contiguous().transpose(0, t.ndim - 1);
}
function run(c: Case, ins: Tensor[], device: string): Tensor[] {
  const a = c.args as Record<string, never>;
  const x = ins[0];
  switch (c.op) {
    case 'flip':
      return [torch.flip(x, a.dims)];
    case 'roll':
      return [x.roll(a.shifts, a.dims ?? undefined)];
    case 'repeat':
      return [x.repeat(...(a.sizes as number[]))];
    case 'tile':
      return [torch.tile(x, a.dims)];
    case 'chunk':
      return torch.chunk(x, a.chunks, a.dim);
    case 'split':
      return x.split(a.split, a.dim);
    case 'unbind':
      return torch.unbind(x, a.dim);
    case 'movedim':
      return [x.movedim(a.source, a.destination)];
    case 'T':
      return [x.T];
    case 'mT':
      return [x.mT];
    case 'diagonal':
      return [torch.diagonal(x, a.offset, a.dim1, a.dim2)];
    case 'tril':
      return [torch.tril(x, a.diagonal)];
    case 'triu':
      return [x.triu(a.diagonal)];
    case 'einsum':
      return [torch.einsum(a.equation, ...ins)];
    case 'eye':
      return [a.m === null ? torch.eye(a.n, { device }) : torch.eye(a.n, a.m, { device })];
    case 'linspace':
      return [torch.linspace(a.start, a.end, a.steps, { dtype: a.dtype as DType, device })];
    case 'logspace':
      return [torch.logspace(a.start, a.end, a.steps, a.base, { dtype: a.dtype as DType, device })];
  }
  throw new Error(`unknown op ${c.op}`);
}
function check(actual: Tensor, expected: FT, label: string): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  if (expected.dtype === 'int64') expect(toNumbers(actual)).toEqual(expected.data);
  else {
    const mag = Math.max(1, ...expected.data.map(Math.abs));
    const tol = expected.dtype === 'float32' ? { atol: 2e-6 * mag, rtol: 2e-6 } : { atol: 1e-12 * mag, rtol: 1e-12 };
    expectClose(actual, expected.data, { ...tol, label, ignoreShape: true });
  }
}

describeOp('shape_ops', ({ device, on }) => {
  const cases = fixture.cases.map((c) => [c.name, c] as [string, Case]);
  test('the fixture covers every op', () => {
    const ops = new Set(fixture.cases.map((c) => c.op));
    for (const op of ['flip', 'roll', 'repeat', 'tile', 'chunk', 'split', 'unbind', 'movedim', 'T', 'mT', 'diagonal', 'tril', 'triu',
      'einsum', 'eye', 'linspace', 'logspace'])
      expect(ops).toContain(op);
  });
  describe.each([['contiguous', false], ['non-contiguous', true]] as [string, boolean][])('vs PyTorch (%s input)', (_l, nc) => {
    test.each(cases)('%s', (_n, c) => {
      const ins = c.inputs.map((t) => (nc ? nonContiguous(on(mk(t))) : on(mk(t))));
      const outs = run(c, ins, device);
      expect(outs.length).toBe(c.outs.length);
      outs.forEach((o, k) => {
        expect(o.device).toBe(on(torch.zeros([1])).device);
        check(o, c.outs[k], `${c.name} output ${k}`);
      });
    });
  });
  test.each(cases.filter(([, c]) => c.grads))('gradient %s', (_n, c) => {
    const ins = c.inputs.map((t) => on(mk(t)).requiresGrad_());
    const outs = run(c, ins, device);
    let loss: Tensor | null = null;
    outs.forEach((o, k) => {
      const l = o.mul(on(mk(c.ws![k]))).sum();
      loss = loss ? loss.add(l) : l;
    });
    loss!.backward();
    ins.forEach((x, k) => expectClose(x.grad!, c.grads![k].data, { atol: 1e-12, rtol: 1e-12, ignoreShape: true, label: `grad ${k}` }));
  });

  describe('gradcheck (float64 central differences)', () => {
    test('flip, roll, repeat, tile, tril, diagonal', () => {
      gradcheck(([x]) => torch.flip(x, [0, 2]), [randnT([2, 3, 2], 60)], { device });
      gradcheck(([x]) => torch.roll(x, [1, -1], [0, 1]), [randnT([3, 4], 61)], { device });
      gradcheck(([x]) => x.repeat(2, 1, 2), [randnT([3, 2], 62)], { device });
      gradcheck(([x]) => torch.tile(x, [2]), [randnT([2, 3], 63)], { device });
      gradcheck(([x]) => torch.tril(x, -1).add(torch.triu(x, 1).mul(2)), [randnT([3, 4], 64)], { device });
      gradcheck(([x]) => x.diagonal(1, 0, 1), [randnT([3, 4], 65)], { device });
    });
    test('einsum: batch matmul, trace, outer product, three operands', () => {
      gradcheck(([a, b]) => torch.einsum('bij,bjk->bik', a, b), [randnT([2, 2, 3], 66), randnT([2, 3, 2], 67)], { device });
      gradcheck(([a]) => torch.einsum('ii', a), [randnT([3, 3], 68)], { device });
      gradcheck(([a, b]) => torch.einsum('i,j->ij', a, b), [randnT([3], 69), randnT([2], 70)], { device });
      gradcheck(([a, b, c]) => torch.einsum('ij,jk,k->i', a, b, c), [randnT([2, 3], 71), randnT([3, 2], 72), randnT([2], 73)], { device });
    });
  });

  test('views: chunk, split, unbind, movedim, T, mT, diagonal share storage; flip, roll, repeat copy', () => {
    const x = on(torch.arange(0, 12, 1, { dtype: 'float32' }).reshape([3, 4]));
    const [a] = x.chunk(2, 1);
    const [b] = torch.split(x, [1, 2]);
    const [c] = x.unbind(1);
    const views = [a, b, c, x.movedim(0, 1), x.T, x.mT, x.diagonal()];
    const copies = [x.flip(0), x.roll(1), x.repeat(1, 1), torch.tile(x, [1])];
    x.set(-1, 0, 0);
    for (const v of views) expect(toNumbers(v)).toContain(-1);
    for (const v of copies) expect(toNumbers(v)).not.toContain(-1);
  });
  test('function and method forms', () => {
    const x = on(torch.tensor([[1, 5, 2], [7, 0, 3]], { dtype: 'float32' }));
    expect(torch.argmax(x).item()).toBe(3);
    expect(torch.argmax(x, 1).tolist()).toEqual([1, 0]);
    expect(torch.argmin(x, 0, true).tolist()).toEqual([[0, 1, 0]]);
    expect(torch.flatten(x).shape).toEqual([6]);
    expect(torch.transpose(x, 0, 1).shape).toEqual([3, 2]);
    expect(torch.permute(x, [1, 0]).tolist()).toEqual(x.t().tolist());
    expect(torch.reshape(x, [3, 2]).shape).toEqual([3, 2]);
    expect(torch.squeeze(torch.unsqueeze(x, 0)).shape).toEqual([2, 3]);
    expect(torch.narrow(x, 1, 1, 2).tolist()).toEqual([[5, 2], [0, 3]]);
    expect(torch.select(x, 1, -1).tolist()).toEqual([2, 3]);
    expect(torch.t(x).shape).toEqual([3, 2]);
    expect(torch.moveaxis(x, 0, 1).shape).toEqual([3, 2]);
    expectClose(x.softmax(1), torch.softmax(x, 1), { atol: 0 });
    expectClose(x.logSoftmax(0), torch.logSoftmax(x, 0), { atol: 0 });
    expect(x.viewAs(torch.zeros([3, 2])).shape).toEqual([3, 2]);
    expect(x.reshapeAs(torch.zeros([6])).shape).toEqual([6]);
    expect(on(torch.ones([1, 3])).expandAs(x).shape).toEqual([2, 3]);
    expect(torch.fullLike(x, 7).tolist()).toEqual([[7, 7, 7], [7, 7, 7]]);
    expect(torch.emptyLike(x, { dtype: 'int64' }).dtype).toBe('int64');
    expect(torch.emptyLike(x).device).toBe(x.device);
  });

  describe('argument errors', () => {
    const x = torch.zeros([2, 3]);
    test.each([
      ['flip repeated dims', () => torch.flip(x, [0, 0]), 'dims'],
      ['roll shifts and dims differ', () => torch.roll(x, [1, 2], 0), 'dims'],
      ['roll several shifts without dims', () => torch.roll(x, [1, 2]), 'shifts'],
      ['repeat too few sizes', () => x.repeat(2), 'sizes'],
      ['chunk zero', () => torch.chunk(x, 0), 'chunks'],
      ['split sections do not sum', () => torch.split(x, [1, 1], 1), 'splitSizeOrSections'],
      ['movedim mismatch', () => torch.movedim(x, [0, 1], [0]), 'destination'],
      ['mT of a vector', () => torch.zeros([3]).mT, 'input'],
      ['tril of a vector', () => torch.tril(torch.zeros([3])), 'input'],
      ['diagonal same dims', () => torch.diagonal(x, 0, 1, 1), 'dim2'],
      ['einsum wrong operand count', () => torch.einsum('ij,jk->ik', x), 'equation'],
      ['einsum rank', () => torch.einsum('ijk->i', x), /operands\[0\]/],
      ['einsum size mismatch', () => torch.einsum('ij,jk->ik', x, torch.zeros([2, 2])), /operands\[1\]/],
      ['einsum unknown output letter', () => torch.einsum('ij->k', x), 'equation'],
      ['einsum bad characters', () => torch.einsum('i1->i', torch.zeros([2, 2])), 'equation'],
      ['eye negative', () => torch.eye(-1), 'n'],
      ['eye unknown option', () => torch.eye(2, { dtyp: 'float64' } as never), 'opts.dtyp'],
      ['linspace steps negative', () => torch.linspace(0, 1, -1), 'steps'],
      ['logspace base', () => torch.logspace(0, 1, 3, NaN), 'base'],
      ['argmax keepdim not a boolean', () => torch.argmax(x, 0, 1 as never), 'keepdim'],
      ['flatten extra argument', () => (torch.flatten as (...a: unknown[]) => unknown)(x, 0, 1, 2), /flatten\(\)/],
    ] as [string, () => unknown, string | RegExp][])('%s', (_t, fn, name) => {
      expectArgError(fn, name);
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(torch.TorchletError);
      }
    });
  });
});

// The CPU's transposing copies (native/cpu/elementwise.cc copy_typed): when the source's unit-stride
// dim is not the output's last, 32 x 32 tiles through a buffer. Every permutation of a 4-D shape with
// sizes off the tile size, a [256, 4096]-like power-of-two stride, several dtypes and a dtype
// conversion, against plain JS.
describe('contiguous() of permuted tensors (CPU tiles) equals a plain JS copy', () => {
  const perms = (n: number): number[][] => (n === 1 ? [[0]] : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)])));
  const jsPermute = (data: ArrayLike<number | bigint>, shape: number[], perm: number[]) => {
    const st = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
    const os = perm.map((p) => shape[p]);
    const ost = os.map((_, k) => os.slice(k + 1).reduce((a, b) => a * b, 1));
    const n = shape.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => {
      let src = 0;
      for (let k = 0; k < os.length; k++) src += (Math.floor(i / ost[k]) % os[k]) * st[perm[k]];
      return data[src];
    });
  };
  test('every permutation of [3, 35, 33, 5] in float32', () => {
    const shape = [3, 35, 33, 5];
    const x = torch.arange(0, 3 * 35 * 33 * 5).to('float32').reshape(shape);
    const xs = Array.from(x.toArray() as Float32Array);
    for (const p of perms(4)) expect(Array.from(x.permute(p).contiguous().toArray() as Float32Array)).toEqual(jsPermute(xs, shape, p));
  });
  test('a power-of-two stride ([64, 4096] transposed), float64, int64, uint8, and float32 -> float64 through a transpose', () => {
    const a = torch.arange(0, 64 * 4096).to('float64').reshape([64, 4096]);
    expect(Array.from(a.t().contiguous().toArray() as Float64Array)).toEqual(jsPermute(a.toArray() as Float64Array, [64, 4096], [1, 0]));
    const i = torch.arange(0, 40 * 70).reshape([40, 70]);
    expect(Array.from(i.t().contiguous().toArray() as BigInt64Array)).toEqual(jsPermute(i.toArray() as BigInt64Array, [40, 70], [1, 0]));
    const u = torch.arange(0, 33 * 65).remainder(251).to('uint8').reshape([33, 65]);
    expect(Array.from(u.t().contiguous().toArray() as Uint8Array)).toEqual(jsPermute(u.toArray() as Uint8Array, [33, 65], [1, 0]));
    const f = torch.randn([37, 130]);
    const want = jsPermute(f.toArray() as Float32Array, [37, 130], [1, 0]);
    expect(Array.from(f.t().to('float64').toArray() as Float64Array)).toEqual(want);
  });
});
