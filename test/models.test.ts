// test/models.test.ts — the seeds' models (torch.models): layer-by-layer output shapes and
// parameter counts and names equal those of the seeds' PyTorch definitions
// (test/fixtures/models.json from gen_model_fixtures.py).
import * as torch from '../lib';
import * as fs from 'fs';
import * as path from 'path';

interface ModelFixture {
  input: number[];
  params: number;
  stateDictKeys: string[];
  layers: { layer: string; shape: number[] }[];
}
const fx = (JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'models.json'), 'utf8')) as { models: Record<string, ModelFixture> }).models;
const factories: Record<string, () => torch.nn.Sequential> = {
  lenet5: () => torch.models.lenet5(),
  alexnet: () => torch.models.alexnet(),
  vgg16: () => torch.models.vgg16(),
  googlenet: () => torch.models.googlenet(),
  resnet18: () => torch.models.resnet18(),
};

test.each(Object.keys(factories))('%s: shapes per layer, parameter count and names as PyTorch', (name) => {
  const f = fx[name];
  torch.manualSeed(0);
  const m = factories[name]().eval();
  expect(m.parameters().reduce((a, p) => a + p.numel(), 0)).toBe(f.params);
  const pyParams = f.stateDictKeys.filter((k) => !/running_(mean|var)|num_batches_tracked/.test(k));
  expect(m.namedParameters().map(([n]) => n)).toEqual(pyParams);
  torch.noGrad(() => {
    let x = torch.rand(f.input);
    [...m].forEach((layer, i) => {
      const y = torch.tidy(() => layer.forward(x) as torch.Tensor);
      if (y !== x) x.dispose(); // Dropout in eval mode returns its input
      x = y;
      expect([layer.constructor.name, x.shape]).toEqual([f.layers[i].layer, f.layers[i].shape]);
    });
  });
}, 120000);

test('model factories take numClasses and inChannels', () => {
  const m = torch.models.lenet5({ numClasses: 3 });
  expect((m.forward(torch.rand([2, 1, 28, 28])) as torch.Tensor).shape).toEqual([2, 3]);
  const r = torch.models.resnet18({ numClasses: 7, inChannels: 1 });
  expect((r.eval().forward(torch.rand([1, 1, 64, 64])) as torch.Tensor).shape).toEqual([1, 7]);
});
