// test/ops/linear.test.ts — F.linear / nn.Linear on every device: against PyTorch
// (test/fixtures/linear.json, the linear cases: output and grads, float64 and float32), float64
// finite-difference gradchecks (3-D input, non-contiguous input), argument errors, and on CUDA
// agreement with the CPU (with and without bias, odd sizes, long K, empty reduction) and
// deterministic results.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { argErrorTests, casesOf, expectClose, fixtureCases, randnT, toNumbers, zerosOn, ArgErrorRow } from '../helpers';
import { bitsEqual, checkBothVsCpu } from './compare';
import { FloatDType } from './tolerances';

const F = torch.F;
const linearCases = casesOf('linear', ['linear']);

describeOp('linear', (run) => {
  const { device, on, dtypes, vsCpu } = run;
  fixtureCases(run, linearCases, (ins) => F.linear(ins.x!, ins.weight!, ins.bias), { min: 5 });

  dtypes(['float64'] as const, () => {
    describe('gradcheck (float64 central differences, eps 1e-6)', () => {
      test('linear with a 3-D input and bias', () => {
        gradcheck(([x, w, b]) => F.linear(x, w, b), [randnT([2, 3, 4], 20), randnT([5, 4], 21), randnT([5], 22)], { device });
      });
      test('linear with a non-contiguous input, no bias', () => {
        gradcheck(([x, w]) => F.linear(x.transpose(0, 1), w), [randnT([4, 3], 23), randnT([2, 4], 24)], { device });
      });
    });
  });

  describe('argument errors name the argument', () => {
    const { f64, f32, i64 } = zerosOn(on);
    const rows: ArgErrorRow[] = [
      ['linear: input last dim != inFeatures', () => F.linear(f64([2, 5]), f64([3, 4])), 'input'],
      ['linear: 1-D weight', () => F.linear(f64([2, 4]), f64([4])), 'weight'],
      ['linear: 0-D input', () => F.linear(f64([]), f64([3, 1])), 'input'],
      ['linear: bias of the wrong length', () => F.linear(f64([2, 4]), f64([3, 4]), f64([4])), 'bias'],
      ['linear: float32 weight with float64 input', () => F.linear(f64([2, 4]), f32([3, 4])), 'weight'],
      ['linear: int64 input', () => F.linear(i64([2, 4]), i64([3, 4])), 'input'],
      ['nn.Linear inFeatures -1', () => new torch.nn.Linear(-1, 3), 'inFeatures'],
      ['nn.Linear outFeatures 1.5', () => new torch.nn.Linear(3, 1.5), 'outFeatures'],
    ];
    argErrorTests(rows);
  });

  // The tiled CUDA GEMM sums in another order than the CPU: agreement within the 'linear' tolerance
  // for the reduction length K; results repeat bit for bit.
  vsCpu('CUDA vs CPU (output and all gradients)', () => {
    beforeAll(() => torch.manualSeed(20261201));

    /** f on CPU leaves and on device copies of them; compares the output and every input's gradient. */
    const checkBoth = (shapes: number[][], dtype: FloatDType, f: (ts: Tensor[]) => Tensor, K: number) => checkBothVsCpu(on, 'linear', shapes, dtype, f, K);

    dtypes(['float32', 'float64'] as const, (dtype) => {
      test('linear with bias, 3-D input', () => {
        checkBoth([[2, 7, 33], [45, 33], [45]], dtype, (ts) => F.linear(ts[0], ts[1], ts[2]), 33);
      });
      test('linear without bias, odd sizes and long K', () => {
        checkBoth([[3, 1000], [5, 1000]], dtype, (ts) => F.linear(ts[0], ts[1]), 1000);
        checkBoth([[129, 17], [130, 17], [130]], dtype, (ts) => F.linear(ts[0], ts[1], ts[2]), 17);
        checkBoth([[1, 1], [1, 1], [1]], dtype, (ts) => F.linear(ts[0], ts[1], ts[2]), 1);
      });
      test('empty reduction dimension gives the bias', () => {
        const a = on(torch.zeros([3, 0], { dtype }));
        const w = on(torch.zeros([4, 0], { dtype }));
        const bias = torch.randn([4], { dtype });
        const y = F.linear(a, w, on(bias));
        expect(y.shape).toEqual([3, 4]);
        const bv = toNumbers(bias);
        expectClose(y.cpu(), [...bv, ...bv, ...bv], { ignoreShape: true, atol: 0 });
      });
      test('results repeat bit for bit', () => {
        const x = on(torch.randn([300, 200], { dtype }));
        const w = on(torch.randn([150, 200], { dtype }));
        bitsEqual(F.linear(x, w), F.linear(x, w), 'linear');
      });
    });
  });
});
