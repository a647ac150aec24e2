// torch.getDefaultDtype / torch.setDefaultDtype (lib/default_dtype.ts) against PyTorch 1.13
// (test/fixtures/default_dtype.json from gen_default_dtype_fixtures.py): the dtype every case gives
// under the float32 default and under float64 (creation, promotion of integer tensors with
// non-integer numbers, integer division, float-only functions, layers' parameters, ToTensor, and
// DataLoader workers, which inherit the default as PyTorch's forked workers do), and the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../lib';
import { data, nn } from '../lib';
import type { Tensor } from '../lib';
import { expectArgError } from './helpers';

type Fixture = Record<string, Record<string, unknown>>;
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'default_dtype.json'), 'utf8')) as Fixture;

const I = () => torch.tensor([1, 2, 3]);
const B = () => torch.tensor([true, false]);
const CASES: Record<string, () => Tensor> = {
  tensor_floats: () => torch.tensor([0.1, 2.5]),
  tensor_ints: () => torch.tensor([1, 2]),
  tensor_bools: () => torch.tensor([true]),
  zeros: () => torch.zeros(2, 3),
  ones: () => torch.ones(2),
  empty: () => torch.empty(2),
  full_float: () => torch.full([2], 1.5),
  rand: () => torch.rand(3),
  randn: () => torch.randn(3),
  normal: () => torch.normal(0, 1, [3]),
  linspace: () => torch.linspace(0, 1, 5),
  logspace: () => torch.logspace(0, 1, 5),
  eye: () => torch.eye(3),
  arange_float: () => torch.arange(0, 1, 0.25),
  arange_int: () => torch.arange(4),
  int_mul_float: () => I().mul(2.5),
  int_add_int: () => I().add(2),
  int_div_int: () => I().div(I()),
  int_div_number: () => I().div(2),
  bool_add_float: () => B().add(1.5),
  int_sqrt: () => torch.sqrt(I()),
  int_exp: () => torch.exp(I()),
  int_clamp_float: () => torch.clamp(I(), 0.5, 2.5),
  where_numbers: () => torch.where(B(), 1.5, 2) as Tensor,
  where_int_float: () => torch.where(torch.tensor([true, false, true]), I(), 0.5) as Tensor,
  pow_number_base: () => torch.pow(2.5, I()),
  logsumexp_int: () => torch.logsumexp(I(), 0),
  float32_mul_float: () => torch.zeros(2, { dtype: 'float32' }).mul(2.5),
  float32_add_int: () => torch.ones(2, { dtype: 'float32' }).add(torch.tensor([1, 2])),
  linear_weight: () => new nn.Linear(2, 3).weight,
  linear_bias: () => new nn.Linear(2, 3).bias!,
  conv_weight: () => new nn.Conv2d(1, 2, 3).weight,
  batchnorm_running_mean: () => new nn.BatchNorm1d(3).runningMean!,
  layernorm_weight: () => new nn.LayerNorm(3).weight!,
  embedding_weight: () => new nn.Embedding(4, 2).weight,
  lstm_weight: () => (new nn.LSTM(2, 3) as unknown as Record<string, Tensor>).weightIhL0,
  square_subsequent_mask: () => nn.Transformer.generateSquareSubsequentMask(3),
  to_tensor: () => new data.transforms.ToTensor().forward(torch.zeros([2, 2, 3], { dtype: 'uint8' })),
};

afterEach(() => torch.setDefaultDtype('float32'));

test('the fixture and this file name the same cases', () => {
  expect(Object.keys(CASES).sort()).toEqual(Object.keys(FX.float32).sort());
});

for (const dflt of ['float32', 'float64'] as const) {
  describe(`default dtype ${dflt}`, () => {
    beforeEach(() => torch.setDefaultDtype(dflt));
    test.each(Object.keys(FX[dflt]))('%s has PyTorch dtype', (name) => {
      expect(torch.getDefaultDtype()).toBe(dflt);
      expect(CASES[name]().dtype).toBe(FX[dflt][name]);
    });
    test('values keep the default precision', () => {
      const want = FX[`${dflt}_values`] as Record<string, number[]>;
      expect(Array.from(torch.tensor([0.1, 1 / 3]).toArray() as Float64Array)).toEqual(want.tensor_floats);
      // float32: PyTorch's kernel rounds step * i and the subtraction apart (vectorised by 8 on long
      // tensors), torchlet once: within one float32 ulp (6e-8 here)
      const lin = Array.from(torch.linspace(0, 1, 7).toArray() as Float64Array);
      if (dflt === 'float64') expect(lin).toEqual(want.linspace);
      else lin.forEach((v, i) => expect(Math.abs(v - want.linspace[i])).toBeLessThanOrEqual(6e-8));
      expect(Array.from(torch.tensor([1, 2]).div(torch.tensor([3, 3])).toArray() as Float64Array)).toEqual(want.int_div_int);
    });
  });
}

test('a model built under float64 trains in float64 and the default does not change tensors already made', () => {
  const before = torch.ones(2);
  torch.setDefaultDtype('float64');
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 1));
  const x = torch.randn(5, 3);
  const loss = (m.forward(x) as Tensor).pow(2).mean();
  loss.backward();
  expect(loss.dtype).toBe('float64');
  for (const p of m.parameters()) expect(p.grad!.dtype).toBe('float64');
  expect(before.dtype).toBe('float32');
  torch.setDefaultDtype('float32');
  expect(torch.ones(2).dtype).toBe('float32');
});

test('DataLoader workers make tensors of the default dtype the loader started under', () => {
  // worker_dataset.ts's item x is torch.tensor([i, i + 0.5]), made in the worker thread
  const FIXTURE = path.join(__dirname, 'data', 'fixtures', 'worker_dataset.ts');
  torch.setDefaultDtype('float64');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const local = (require(FIXTURE) as { createDataset(n: number): data.Dataset<unknown> }).createDataset(4);
  const loader = new data.DataLoader(local, { batchSize: 2, numWorkers: 1, workerDataset: { module: FIXTURE, args: [4] } });
  const got = [...loader].map((b) => (b as unknown as { x: Tensor }).x);
  expect(got.map((x) => x.dtype)).toEqual(['float64', 'float64']);
  expect(Array.from(got[1].toArray() as Float64Array)).toEqual([2, 2.5, 3, 3.5]);
});

test('only a floating-point dtype can be the default', () => {
  expectArgError(() => torch.setDefaultDtype('int64' as never), 'd');
  expectArgError(() => torch.setDefaultDtype('float16' as never), 'd');
  expectArgError(() => torch.setDefaultDtype(64 as never), 'd');
  expectArgError(() => (torch.setDefaultDtype as (...a: unknown[]) => void)('float64', 1), 'setDefaultDtype');
  expect(torch.getDefaultDtype()).toBe('float32');
});
