// test/interop.test.ts — weights trained in PyTorch load into torchlet through safetensors and give
// PyTorch's outputs (fixtures written by test/fixtures/gen_interop_fixtures.py with PyTorch 1.13).
import * as path from 'path';
import * as torch from '../lib';

test.each([
  ['fashion_cnn', () => torch.models.fashionCnn()],
  ['lenet5', () => torch.models.lenet5()],
] as [string, () => torch.nn.Module][])('%s: PyTorch weights give PyTorch outputs', (name, make) => {
  const all = torch.load(path.join(__dirname, 'fixtures', 'interop', `${name}.safetensors`));
  const { __input__: x, __output__: expected, ...weights } = all;
  const m = make().eval();
  m.loadStateDict(weights);
  const y = torch.noGrad(() => m.forward(x) as torch.Tensor);
  expect(y.shape).toEqual(expected.shape);
  const a = y.toArray() as Float32Array;
  const e = expected.toArray() as Float32Array;
  const maxErr = Math.max(...Array.from(a, (v, i) => Math.abs(v - e[i])));
  expect(maxErr).toBeLessThan(1e-4);
  // and the predictions agree
  expect(y.argmax(1).tolist()).toEqual(expected.argmax(1).tolist());
});
