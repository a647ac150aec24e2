// Float64 central finite-difference gradient checks (eps 1e-6): the analytic gradient of
// sum(f(inputs) * g) for a random g is compared with (L(x + eps) - L(x - eps)) / (2 eps) for every
// element of every floating input. Covers conv2d, linear, matmul, max_pool2d, (log)softmax,
// cross-entropy, MSE, broadcasting elementwise ops, sum/mean, view chains and dropout.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { randnArray, randnT, rng, toNumbers } from '../helpers';

const F = torch.F;

import { gradcheck } from '../gradcheck';

/** A float64 tensor whose elements are all distinct and at least 0.05 apart (no max ties). */
function distinctT(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const vals = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 0.02 * r());
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [vals[i], vals[j]] = [vals[j], vals[i]];
  }
  return torch.fromBuffer(Float64Array.from(vals), shape);
}
/** Values bounded away from zero: sign * (0.5 .. 1.5). */
function awayFromZero(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const d = Float64Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (0.5 + r()));
  return torch.fromBuffer(d, shape);
}
function positive(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  return torch.fromBuffer(Float64Array.from({ length: n }, () => 0.5 + 1.5 * r()), shape);
}
function targets(n: number, c: number, seed: number): Tensor {
  const r = rng(seed);
  return torch.fromBuffer(BigInt64Array.from({ length: n }, () => BigInt(Math.floor(r() * c))), [n]);
}

describe('gradcheck (float64, central differences, eps 1e-6)', () => {
  describe('conv2d', () => {
    test('stride [2,1], padding [1,2], dilation [2,1], groups 2, bias', () => {
      gradcheck(
        ([x, w, b]) => F.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [2, 1], groups: 2 }),
        [randnT([2, 4, 6, 5], 1), randnT([6, 2, 3, 2], 2, 0.4), randnT([6], 3)],
      );
    });
    test('stride 2, padding 1, groups 1, no bias', () => {
      gradcheck(([x, w]) => F.conv2d(x, w, null, { stride: 2, padding: 1 }), [randnT([1, 3, 7, 6], 4), randnT([4, 3, 3, 3], 5, 0.3)]);
    });
    test('depthwise (groups = channels) with channel multiplier 2, dilation 2', () => {
      gradcheck(
        ([x, w, b]) => F.conv2d(x, w, b, { padding: 2, dilation: 2, groups: 3 }),
        [randnT([2, 3, 5, 5], 6), randnT([6, 1, 3, 3], 7, 0.4), randnT([6], 8)],
      );
    });
    test("padding 'same' with an even kernel (asymmetric zero padding)", () => {
      gradcheck(
        ([x, w, b]) => F.conv2d(x, w, b, { padding: 'same', dilation: [1, 2] }),
        [randnT([1, 2, 5, 6], 9), randnT([3, 2, 2, 4], 10, 0.4), randnT([3], 11)],
      );
    });
    test('unbatched [C, H, W] input', () => {
      gradcheck(([x, w, b]) => F.conv2d(x, w, b, { padding: 1 }), [randnT([2, 4, 4], 12), randnT([3, 2, 3, 3], 13, 0.4), randnT([3], 14)]);
    });
  });

  describe('linear / matmul', () => {
    test('linear with a 3-D input and bias', () => {
      gradcheck(([x, w, b]) => F.linear(x, w, b), [randnT([2, 3, 4], 20), randnT([5, 4], 21), randnT([5], 22)]);
    });
    test('linear with a non-contiguous input, no bias', () => {
      gradcheck(([x, w]) => F.linear(x.transpose(0, 1), w), [randnT([4, 3], 23), randnT([2, 4], 24)]);
    });
    test('matmul batched broadcast [2,1,3,4] @ [3,4,2]', () => {
      gradcheck(([a, b]) => torch.matmul(a, b), [randnT([2, 1, 3, 4], 25), randnT([3, 4, 2], 26)]);
    });
    test('matmul [3,4] @ [2,4,5] (2-D broadcast against 3-D)', () => {
      gradcheck(([a, b]) => torch.matmul(a, b), [randnT([3, 4], 27), randnT([2, 4, 5], 28)]);
    });
    test('matmul 1-D @ 3-D and 3-D @ 1-D', () => {
      gradcheck(([a, b]) => torch.matmul(a, b), [randnT([4], 29), randnT([2, 4, 3], 30)]);
      gradcheck(([a, b]) => torch.matmul(a, b), [randnT([2, 3, 4], 31), randnT([4], 32)]);
    });
  });

  describe('maxPool2d (distinct values, no ties)', () => {
    test('k3 s2 p1 ceilMode', () => {
      gradcheck(([x]) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [distinctT([2, 2, 7, 6], 40)]);
    });
    test('k2 s2 p1 ceilMode (last window would start in the padding)', () => {
      gradcheck(([x]) => F.maxPool2d(x, 2, { stride: 2, padding: 1, ceilMode: true }), [distinctT([1, 2, 5, 7], 41)]);
    });
    test('k [2,3] s [2,1] p [1,1] dilation [2,1]', () => {
      gradcheck(([x]) => F.maxPool2d(x, [2, 3], { stride: [2, 1], padding: [1, 1], dilation: [2, 1] }), [distinctT([1, 3, 6, 7], 42)]);
    });
    test('overlapping windows k3 s1 (an element can win several windows)', () => {
      gradcheck(([x]) => F.maxPool2d(x, 3, { stride: 1 }), [distinctT([1, 1, 5, 5], 43)]);
    });
  });

  describe('softmax / logSoftmax', () => {
    test.each([0, 1, -1])('softmax dim %d', (d) => {
      gradcheck(([x]) => F.softmax(x, d), [randnT([4, 5], 50 + d, 2)]);
    });
    test.each([0, 1, -1])('logSoftmax dim %d', (d) => {
      gradcheck(([x]) => F.logSoftmax(x, d), [randnT([4, 5], 60 + d, 2)]);
    });
    test('softmax over the middle dim of a 3-D tensor', () => {
      gradcheck(([x]) => F.softmax(x, 1), [randnT([2, 3, 4], 65)]);
    });
  });

  describe('losses', () => {
    test.each(['mean', 'sum', 'none'] as const)('crossEntropy reduction %s, labelSmoothing 0.1', (reduction) => {
      gradcheck(([x, t]) => F.crossEntropy(x, t, { reduction, labelSmoothing: 0.1 }), [randnT([5, 4], 70, 2), targets(5, 4, 71)]);
    });
    test('crossEntropy without smoothing', () => {
      gradcheck(([x, t]) => F.crossEntropy(x, t), [randnT([6, 3], 72, 2), targets(6, 3, 73)]);
    });
    test('nllLoss', () => {
      gradcheck(([x, t]) => F.nllLoss(x, t), [randnT([4, 5], 74), targets(4, 5, 75)]);
    });
    test.each(['mean', 'sum', 'none'] as const)('mseLoss reduction %s (both inputs)', (reduction) => {
      gradcheck(([x, y]) => F.mseLoss(x, y, { reduction }), [randnT([3, 4], 76), randnT([3, 4], 77)]);
    });
  });

  describe('elementwise with broadcasting', () => {
    const shapes: [number[], number[]][] = [
      [[2, 1, 4], [3, 1]],
      [[3, 4], [2, 3, 4]],
      [[2, 3], [1]],
    ];
    test.each(shapes)('add/sub/mul %j with %j', (sa, sb) => {
      gradcheck(([a, b]) => torch.add(a, b), [randnT(sa, 80), randnT(sb, 81)]);
      gradcheck(([a, b]) => torch.sub(a, b, { alpha: 1.5 }), [randnT(sa, 82), randnT(sb, 83)]);
      gradcheck(([a, b]) => torch.mul(a, b), [randnT(sa, 84), randnT(sb, 85)]);
    });
    test.each(shapes)('div/pow %j with %j', (sa, sb) => {
      gradcheck(([a, b]) => torch.div(a, b), [randnT(sa, 86), awayFromZero(sb, 87)]);
      gradcheck(([a, b]) => torch.pow(a, b), [positive(sa, 88), randnT(sb, 89)]);
    });
    test('scalar ops and unary math: exp, log, sqrt, tanh, sigmoid, relu, neg', () => {
      gradcheck(([x]) => torch.add(torch.mul(torch.pow(x, 3), 0.5), 2).div(3).sub(1), [randnT([3, 4], 90)]);
      gradcheck(([x]) => torch.log(x).add(torch.sqrt(x)).add(torch.exp(x)), [positive([3, 4], 91)]);
      gradcheck(([x]) => torch.tanh(x).mul(torch.sigmoid(x)).add(torch.neg(x)), [randnT([3, 4], 92)]);
      gradcheck(([x]) => torch.relu(x), [awayFromZero([3, 4], 93)]);
    });
    test('an input used twice (gradients accumulate)', () => {
      gradcheck(([a, b]) => torch.mul(a, a).add(torch.mul(a, b)), [randnT([2, 3], 94), randnT([3], 95)]);
    });
  });

  describe('reductions', () => {
    test.each([
      [null, false],
      [null, true],
      [0, false],
      [1, true],
      [-1, false],
      [[0, 2], false],
      [[0, 2], true],
    ] as [number | number[] | null, boolean][])('sum and mean dim %j keepdim %s', (dim, keepdim) => {
      gradcheck(([x]) => x.sum(dim, keepdim), [randnT([2, 3, 4], 100)]);
      gradcheck(([x]) => x.mean(dim, keepdim), [randnT([2, 3, 4], 101)]);
    });
    test('sum of a permuted (non-contiguous) input', () => {
      gradcheck(([x]) => x.permute(2, 0, 1).sum(1), [randnT([2, 3, 4], 102)]);
    });
  });

  describe('views', () => {
    test('permute -> narrow -> reshape -> unsqueeze -> expand -> transpose', () => {
      const w = randnT([2, 3, 4], 110);
      gradcheck(
        ([x]) => x.permute(2, 0, 1).narrow(0, 1, 2).reshape([4, 3]).unsqueeze(0).expand(2, 4, 3).transpose(1, 2).mul(w),
        [randnT([2, 3, 4], 111)],
      );
    });
    test('view -> narrow -> t -> select -> squeeze / flatten', () => {
      gradcheck(([x]) => x.view(6, 4).narrow(1, 1, 2).t().select(0, 1), [randnT([2, 3, 4], 112)]);
      gradcheck(([x]) => x.unsqueeze(1).flatten(0, 1).squeeze(), [randnT([3, 1, 4], 113)]);
    });
    test('expand with new leading dims, then matmul', () => {
      gradcheck(([x, y]) => torch.matmul(x.expand(2, 3, 4), y), [randnT([1, 3, 4], 114), randnT([4, 2], 115)]);
    });
    test('contiguous() / clone() of a transposed view', () => {
      gradcheck(([x]) => x.t().contiguous().mul(x.t().clone()), [randnT([3, 4], 116)]);
    });
  });

  describe('dropout (re-seeded before each evaluation, so the mask is identical)', () => {
    test.each([0.3, 0.5])('p = %p', (p) => {
      gradcheck(([x]) => F.dropout(x, { p }), [randnT([4, 6], 120)], { before: () => torch.manualSeed(77) });
    });
    test('dropout between two linears', () => {
      gradcheck(
        ([x, w1, w2]) => F.linear(F.relu(F.dropout(F.linear(x, w1), { p: 0.4 })), w2),
        [randnT([3, 4], 121), randnT([5, 4], 122), randnT([2, 5], 123)],
        { before: () => torch.manualSeed(99) },
      );
    });
    test('the mask really is random and scales kept elements by 1/(1-p)', () => {
      torch.manualSeed(1);
      const x = torch.ones([1000], { dtype: 'float64' });
      const y = toNumbers(F.dropout(x, { p: 0.25 }));
      const kept = y.filter((v) => v !== 0);
      expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-12)).toBe(true);
      expect(kept.length).toBeGreaterThan(700);
      expect(kept.length).toBeLessThan(800);
    });
  });

  test('the checker itself catches a wrong gradient (detach() hides half of d(x*x)/dx)', () => {
    expect(() => gradcheck(([x]) => x.detach().mul(x), [randnT([3], 140)])).toThrow(/analytic vs numeric/);
    expect(() => gradcheck(([x]) => x.detach().mul(x), [randnT([3], 140)], { before: () => undefined })).toThrow(/max abs error/);
  });

  test('a small CNN end to end: conv -> relu -> maxPool -> flatten -> linear -> crossEntropy', () => {
    const xs = randnArray(2 * 1 * 6 * 6, 130);
    const x = torch.fromBuffer(xs, [2, 1, 6, 6]);
    gradcheck(
      ([xx, w, b, lw, lb, t]) => {
        const h = F.maxPool2d(F.relu(F.conv2d(xx, w, b, { padding: 1 })), 2);
        return F.crossEntropy(F.linear(h.flatten(1), lw, lb), t);
      },
      [x, randnT([2, 1, 3, 3], 131, 0.5), randnT([2], 132, 0.1), randnT([3, 18], 133, 0.3), randnT([3], 134), targets(2, 3, 135)],
      { atol: 1e-5 },
    );
  });
});
