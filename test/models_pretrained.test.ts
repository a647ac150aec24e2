// test/models_pretrained.test.ts — torch.models.pretrained / getWeights / listPretrained
// (lib/models/pretrained.ts): a torchvision resnet18 and mobilenet_v2 state dict written by
// PyTorch (random weights, torch.save) placed in modelDir under the published file name is what
// pretrained() loads, with no network, and the model gives PyTorch's outputs on the same input
// (skipped without python3-torchvision); getWeights resolves DEFAULT / a version / the enum's full
// name as torchvision; the table covers every torch.models torchvision factory; bad names and
// options are coded errors. (The download itself is torch.hub's, tested in test/hub.test.ts.)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';
import type { Tensor } from '../lib';

const PY = '/usr/bin/python3';
const hasTorchvision = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;

describe('torch.models.pretrained', () => {
  test('getWeights resolves DEFAULT, a version and the full enum name as torchvision 0.14', () => {
    const w = torch.models.getWeights('resnet50');
    expect(w.name).toBe('ResNet50_Weights.IMAGENET1K_V2');
    expect(w.url).toMatch(/^https:\/\/download\.pytorch\.org\/models\/resnet50-11ad3fa6\.pth$/);
    expect([w.resizeSize, w.cropSize]).toEqual([232, 224]);
    expect(torch.models.getWeights('resnet50', 'IMAGENET1K_V1').resizeSize).toBe(256);
    expect(torch.models.getWeights('resnet50', 'ResNet50_Weights.IMAGENET1K_V1').url).toMatch(/resnet50-0676ba61/);
    expect(w.categories.length).toBe(1000);
    expect([w.categories[0], w.categories[999]]).toEqual(['tench', 'toilet tissue']);
    const tf = w.transforms();
    const img = new torch.data.Image(new Uint8Array(300 * 260 * 3).fill(128), 260, 300, 'RGB');
    expect((tf.forward(img) as Tensor).shape).toEqual([3, 224, 224]);
  });

  test('every torchvision factory of torch.models has an entry, and the entries build', () => {
    const factories = Object.keys(torch.models).filter((k) => /^torchvision[A-Z]/.test(k));
    const named = torch.models.listPretrained().map((n) => {
      const camel = n.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase());
      return `torchvision${camel}`;
    });
    // wide_resnet50_2 -> WideResnet50_2, resnext50_32x4d -> Resnext50_32x4d, mobilenet_v2 -> MobilenetV2, vgg11_bn -> Vgg11Bn
    const normal = (s: string) => s.toLowerCase().replace(/_/g, '');
    expect(factories.map(normal).sort()).toEqual(named.map(normal).sort());
  });

  test('bad names, weights and options are coded errors; weights null gives the initialised model', async () => {
    await expect(torch.models.pretrained('resnet9000')).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/name/) });
    await expect(torch.models.pretrained('resnet18', { weights: 'IMAGENET22K' })).rejects.toMatchObject({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/weights/) });
    await expect(torch.models.pretrained('resnet18', { pretrained: true } as never)).rejects.toMatchObject({ message: expect.stringMatching(/pretrained/) });
    expect(() => torch.models.getWeights(5 as never)).toThrow(/name/);
    const m = await torch.models.pretrained('mobilenet_v2', { weights: null });
    expect(m.training).toBe(true);
  });

  (hasTorchvision ? test : test.skip)('PyTorch-saved weights in the cache load (no download) and give torchvision outputs: resnet18, mobilenet_v2', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-pre-'));
    try {
      const r = spawnSync(PY, ['-c', `import sys, torch, torchvision
torch.manual_seed(0)
d = sys.argv[1]
x = torch.rand(2, 3, 64, 64)
out = {'x': x}
for name, file in [('resnet18', 'resnet18-f37072fd.pth'), ('mobilenet_v2', 'mobilenet_v2-7ebf99e0.pth')]:
    m = getattr(torchvision.models, name)()
    m.train(); m(torch.randn(4, 3, 64, 64))  # BatchNorm statistics away from 0 / 1
    m.eval()
    torch.save(m.state_dict(), d + '/' + file)
    out[name] = m(x).detach()
torch.save(out, d + '/io.pt')`, dir], { encoding: 'utf8' });
      expect(r.stderr + (r.status === 0 ? '' : `exit ${r.status}`)).toBe('');
      const io = torch.load<Record<string, Tensor>>(path.join(dir, 'io.pt'));
      for (const name of ['resnet18', 'mobilenet_v2']) {
        const m = await torch.models.pretrained(name, { modelDir: dir, progress: false, timeoutMs: 1 });
        expect(m.training).toBe(false);
        const y = torch.noGrad(() => m.forward(io.x) as Tensor);
        const err = torch.sub(y, io[name]).abs().max().item();
        expect({ name, ok: err <= 1e-4 * Math.max(1, io[name].abs().max().item()) }).toEqual({ name, ok: true });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});
