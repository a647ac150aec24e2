// The fused conv2dReluMaxPool2d (conv -> ReLU -> non-overlapping max pooling in one native pass,
// the conv output and its gradient rebuilt image by image in scratch memory) against the unfused
// maxPool2d(relu(conv2d(...))) — itself checked against PyTorch in conv2d/pool2d tests — on awkward
// sizes, both kernel paths (stride 1 grid, strided im2col), groups, padding, dilation, batches smaller
// than the thread count, float32 and float64: outputs and all gradients must be identical.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { gradcheck } from '../gradcheck';
import { randnT } from '../helpers';

const F = torch.F;
type ConvOpts = NonNullable<Parameters<typeof F.conv2d>[3]>;

function same(a: Tensor, b: Tensor, what: string) {
  expect(a.shape).toEqual(b.shape);
  const x = a.toArray() as Float64Array;
  const y = b.toArray() as Float64Array;
  for (let i = 0; i < x.length; i++)
    if (!Object.is(x[i] === 0 ? 0 : x[i], y[i] === 0 ? 0 : y[i])) throw new Error(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

function check(xs: number[], ws: number[], opts: ConvOpts, k: number | number[], dtype: 'float32' | 'float64', bias = true, inputGrad = true) {
  const x0 = torch.randn(xs, { dtype });
  const w0 = torch.randn(ws, { dtype }).mul(0.3);
  const b0 = bias ? torch.randn([ws[0]], { dtype }).mul(0.1) : null;
  const mk = () => {
    const x = inputGrad ? x0.detach().requiresGrad_() : x0;
    const w = w0.detach().requiresGrad_();
    const b = b0 ? b0.detach().requiresGrad_() : null;
    return { x, w, b };
  };
  const a = mk();
  const r = mk();
  const ya = F.conv2dReluMaxPool2d(a.x, a.w, a.b, opts, k);
  const yr = F.maxPool2d(F.relu(F.conv2d(r.x, r.w, r.b, opts)), k, { returnIndices: true })[0]; // the unfused kernels
  same(ya, yr, 'output');
  const g = torch.randn(ya.shape, { dtype });
  ya.backward(g);
  yr.backward(g);
  if (inputGrad) same(a.x.grad!, r.x.grad!, 'input grad');
  else expect(a.x.grad).toBeNull();
  same(a.w.grad!, r.w.grad!, 'weight grad');
  if (bias) same(a.b!.grad!, r.b!.grad!, 'bias grad');
}

describe('conv2dReluMaxPool2d equals maxPool2d(relu(conv2d(...)))', () => {
  beforeAll(() => torch.manualSeed(11));
  describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
    test('the seed CNN blocks (1->32 and 32->64, 3x3 pad 1, pool 2)', () => {
      check([5, 1, 28, 28], [32, 1, 3, 3], { padding: 1 }, 2, dtype, true, false);
      check([3, 32, 14, 14], [64, 32, 3, 3], { padding: 1 }, 2, dtype);
    });
    test('odd sizes (pooling drops the last row/column), no bias', () => check([3, 3, 11, 9], [5, 3, 3, 3], { padding: 1 }, 2, dtype, false));
    test('conv output narrower than 4 pooled columns', () => check([2, 2, 6, 5], [3, 2, 3, 3], {}, 2, dtype));
    test('one image (threads inside the GEMMs)', () => check([1, 4, 12, 12], [6, 4, 3, 3], { padding: 1 }, 2, dtype));
    test('pool 3x3 and 2x3 windows', () => {
      check([2, 3, 13, 13], [4, 3, 3, 3], { padding: 1 }, 3, dtype);
      check([2, 3, 10, 13], [4, 3, 3, 3], { padding: 1 }, [2, 3], dtype);
    });
    test('strided conv (im2col path), dilation, groups', () => {
      check([2, 4, 15, 15], [6, 4, 3, 3], { stride: 2, padding: 1 }, 2, dtype);
      check([2, 4, 12, 12], [6, 4, 3, 3], { dilation: 2, padding: 2 }, 2, dtype);
      check([3, 6, 10, 10], [9, 2, 3, 3], { groups: 3, padding: 1 }, 2, dtype);
      check([2, 3, 9, 9], [4, 3, 2, 2], { padding: 'same' }, 2, dtype);
    });
    test('3-D (unbatched) input runs unfused', () => {
      const x = torch.randn([3, 8, 8], { dtype });
      const w = torch.randn([4, 3, 3, 3], { dtype });
      same(F.conv2dReluMaxPool2d(x, w, null, { padding: 1 }, 2), F.maxPool2d(F.relu(F.conv2d(x, w, null, { padding: 1 })), 2, { returnIndices: true })[0], 'output');
    });
  });
  test('bad arguments name the argument', () => {
    const x = torch.randn([2, 3, 8, 8]);
    const w = torch.randn([4, 3, 3, 3]);
    expect(() => F.conv2dReluMaxPool2d(x, w, null, {}, 0)).toThrow(/kernelSize/);
    expect(() => F.conv2dReluMaxPool2d(x, torch.randn([4, 2, 3, 3]), null, {}, 2)).toThrow(/input|weight/);
    expect(() => F.conv2dReluMaxPool2d(x, w, torch.randn([3]), {}, 2)).toThrow(/bias/);
    expect(() => F.conv2dReluMaxPool2d(x, w, null, { stride: 0 }, 2)).toThrow(/stride/);
  });
  test('FashionCNN uses it and gives the unfused forward and gradients', () => {
    torch.manualSeed(3);
    const m = torch.models.fashionCnn();
    m.eval();
    const x = torch.randn([4, 1, 28, 28]);
    const y = m.forward(x);
    const ref = (() => {
      let h = F.maxPool2d(F.relu(m.conv1.forward(x)), 2, { returnIndices: true })[0];
      h = F.maxPool2d(F.relu(m.conv2.forward(h)), 2, { returnIndices: true })[0];
      h = h.view(h.shape[0], -1);
      return m.fc2.forward(F.relu(m.fc1.forward(h)));
    })();
    same(y, ref, 'logits');
  });
});

test('float64 finite-difference gradients of conv2dReluMaxPool2d (input, weight, bias; grid and im2col paths)', () => {
  gradcheck(([x, w, b]) => F.conv2dReluMaxPool2d(x, w, b, { padding: 1 }, 2), [randnT([2, 2, 6, 6], 41), randnT([3, 2, 3, 3], 42), randnT([3], 43)]);
  gradcheck(([x, w, b]) => F.conv2dReluMaxPool2d(x, w, b, { stride: 2, padding: 1 }, 2), [randnT([1, 2, 9, 9], 44), randnT([3, 2, 3, 3], 45), randnT([3], 46)]);
});
