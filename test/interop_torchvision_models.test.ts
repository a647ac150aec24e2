// test/interop_torchvision_models.test.ts — torchvision 0.14's models beyond ResNet-18 in torchlet
// (torch.models.torchvision*): test/fixtures/torchvision_models_check.py builds each in PyTorch and
// writes its state_dict (random weights and BatchNorm statistics), an input and its eval logits.
// torchlet's model must have the same stateDict() keys in the same order with the same shapes, the
// same parameter count and PyTorch's repr, take the state_dict with a strict loadStateDict (no
// renaming) and give the same eval logits on 2x3x64x64 (max |diff| / max |logit| < 1e-4): ResNet-34,
// ResNet-50, ResNeXt-50 32x4d, a ResNet with groups + widthPerGroup + replaceStrideWithDilation + a
// GroupNorm normLayer, MobileNetV2 and VGG-11-BN. ResNet-50 and MobileNetV2 also take a train-mode
// step in float64 on 1x3x48x48 against PyTorch's float64 numbers (logits, cross-entropy and updated
// BatchNorm buffers within 1e-10, a few gradients within 1e-9, relative). The big ones (ResNet-101/152,
// ResNeXt-101, Wide ResNets, the other VGGs, a dilated zero-init ResNet-50, MobileNetV2 x0.75) are
// compared by keys, shapes, parameter counts and repr only. Models are built with the init functions
// stubbed (fast: the weights are loaded); torchvision's initialisation, the options and their
// refusals are checked at the end without PyTorch. The PyTorch comparisons are skipped without
// Debian's python3-torch + python3-torchvision (scripts/setup.sh installs both).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';
import * as initMod from '../lib/nn/init';

const PY = '/usr/bin/python3';
const hasTorchvision =
  fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, torchvision, numpy'], { stdio: 'ignore' }).status === 0;
const script = path.join(__dirname, 'fixtures', 'torchvision_models_check.py');
const M = torch.models;

type Meta = Record<string, { keys: string[]; shapes: number[][]; params: number; repr: string }>;
let dir = '';
let meta: Meta = {};
beforeAll(() => {
  if (!hasTorchvision) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-tv-models-'));
  const r = spawnSync(PY, [script, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torchvision_models_check.py failed: ${r.stderr}`);
  meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
}, 120000);
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** max |a - e| / max(max |e|, 1e-3) */
function relErr(a: torch.Tensor, e: torch.Tensor): number {
  expect(a.shape).toEqual(e.shape);
  expect(a.dtype).toBe(e.dtype);
  const av = a.toArray() as Float32Array | Float64Array;
  const ev = e.toArray() as Float32Array | Float64Array;
  let scale = 1e-3;
  let err = 0;
  for (let i = 0; i < ev.length; i++) {
    scale = Math.max(scale, Math.abs(ev[i]));
    err = Math.max(err, Math.abs(av[i] - ev[i]));
  }
  return err / scale;
}

const FACTORIES: Record<string, () => torch.nn.Module> = {
  resnet34: () => M.torchvisionResnet34({ numClasses: 10 }),
  resnet50: () => M.torchvisionResnet50({ numClasses: 10 }),
  resnext50_32x4d: () => M.torchvisionResnext50_32x4d({ numClasses: 10 }),
  resnet_custom: () =>
    new M.TorchvisionResNet(M.Bottleneck, [1, 1, 1, 1], {
      numClasses: 7, groups: 4, widthPerGroup: 16, replaceStrideWithDilation: [false, true, true],
      normLayer: (c: number) => new torch.nn.GroupNorm(8, c),
    }),
  resnet50_dilated_zero: () => M.torchvisionResnet50({ numClasses: 7, replaceStrideWithDilation: [false, true, true], zeroInitResidual: true }),
  resnet101: () => M.torchvisionResnet101(),
  resnet152: () => M.torchvisionResnet152(),
  resnext101_32x8d: () => M.torchvisionResnext101_32x8d(),
  resnext101_64x4d: () => M.torchvisionResnext101_64x4d(),
  wide_resnet50_2: () => M.torchvisionWideResnet50_2(),
  wide_resnet101_2: () => M.torchvisionWideResnet101_2(),
  mobilenet_v2: () => M.torchvisionMobilenetV2({ numClasses: 10, dropout: 0 }),
  mobilenet_v2_w075: () => M.torchvisionMobilenetV2({ widthMult: 0.75, roundNearest: 4 }),
  vgg11_bn: () => M.torchvisionVgg11Bn({ numClasses: 10 }),
  vgg11: () => M.torchvisionVgg11(),
  vgg13: () => M.torchvisionVgg13(),
  vgg16: () => M.torchvisionVgg16(),
  vgg19: () => M.torchvisionVgg19(),
  vgg13_bn: () => M.torchvisionVgg13Bn(),
  vgg16_bn: () => M.torchvisionVgg16Bn(),
  vgg19_bn: () => M.torchvisionVgg19Bn(),
};
const NUMERIC = ['resnet34', 'resnet50', 'resnext50_32x4d', 'resnet_custom', 'mobilenet_v2', 'vgg11_bn'];
const SHAPES_ONLY = Object.keys(FACTORIES).filter((k) => !NUMERIC.includes(k));
const maybe = hasTorchvision ? test : test.skip;

function checkKeysAndShapes(name: string, m: torch.nn.Module): void {
  const ref = meta[name];
  const sd = m.stateDict();
  expect(Object.keys(sd)).toEqual(ref.keys);
  expect(Object.values(sd).map((t) => t.shape)).toEqual(ref.shapes);
  expect(m.parameters().reduce((a, p) => a + p.numel(), 0)).toBe(ref.params);
  // PyTorch's print(model); torchlet's ResNet is TorchvisionResNet and its ReLUs are not in-place, and
  // JavaScript has one number type (PyTorch's Dropout(p=0.0) prints as Dropout(p=0))
  let py = ref.repr.split('Dropout(p=0.0,').join('Dropout(p=0,');
  if (/^(res|wide)/.test(name)) py = py.replace(/^ResNet\(/, 'TorchvisionResNet(').split('ReLU(inplace=True)').join('ReLU()');
  expect(m.toString()).toBe(py);
}

const INITS = ['kaimingNormal_', 'kaimingUniform_', 'normal_', 'uniform_', 'constant_', 'zeros_', 'ones_'] as const;
/** f() with the init functions stubbed (recording their calls): where the weights are loaded, or only names and shapes count */
function stubInit<T>(f: () => T, calls: [string, torch.Tensor, unknown[]][] = []): T {
  const spies = INITS.map((n) => jest.spyOn(initMod, n).mockImplementation(((t: torch.Tensor, ...a: unknown[]) => (calls.push([n, t, a]), t)) as never));
  try {
    return f();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}
const build = (name: string): torch.nn.Module => stubInit(FACTORIES[name]);

describe.each(NUMERIC)('%s', (name) => {
  maybe('same keys, shapes and repr, strict load of the torchvision state_dict, same eval logits', () => {
    const m = build(name);
    try {
      check(m);
    } finally {
      for (const t of [...m.parameters(), ...m.buffers()]) t.dispose(); // up to 500 MB, not left to the GC
    }
  }, 60000);
  const check = (m: torch.nn.Module): void => {
    checkKeysAndShapes(name, m);
    const ref = torch.load(path.join(dir, `${name}.safetensors`)) as Record<string, torch.Tensor>;
    const state: Record<string, torch.Tensor> = {};
    const own = m.stateDict();
    for (const [k, t] of Object.entries(ref)) {
      if (k.startsWith('__tile__.')) {
        // VGG's big Linear weights: the tile repeated, written straight into the parameter (a 400 MB
        // temporary costs seconds here), which the strict load then takes as its own value
        const key = k.slice('__tile__.'.length);
        const [o, i] = own[key].shape;
        const [ro, ri] = t.shape;
        torch.noGrad(() => own[key].view([o / ro, ro, i / ri, ri]).copy_(t.view([1, ro, 1, ri]).expand([o / ro, ro, i / ri, ri])));
        state[key] = own[key];
      } else if (!k.startsWith('__') && !k.startsWith('grad.') && !k.startsWith('after.')) state[k] = t;
    }
    const r = m.loadStateDict(state, { strict: true });
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    m.eval();
    const y = torch.noGrad(() => m.forward(ref.__input__) as torch.Tensor);
    expect(relErr(y, ref.__output__)).toBeLessThan(1e-4);

    if (!ref.__train_input__) return;
    // the train step in float64 on both sides (float32 train-mode BatchNorm over a few values per
    // channel is ill-conditioned: PyTorch's own float32 gradients are ~1% off its float64 ones)
    m.double().train();
    const yh = m.forward(ref.__train_input__) as torch.Tensor;
    const loss = torch.F.crossEntropy(yh, ref.__train_target__);
    loss.backward();
    expect(relErr(yh, ref.__train_output__)).toBeLessThan(1e-10);
    expect(Math.abs(loss.item() - ref.__loss__.item())).toBeLessThan(1e-10 * Math.max(1, Math.abs(ref.__loss__.item())));
    const params = Object.fromEntries(m.namedParameters());
    const grads = Object.keys(ref).filter((k) => k.startsWith('grad.'));
    expect(grads.length).toBeGreaterThan(4);
    for (const k of grads) expect([k, relErr(params[k.slice(5)].grad!, ref[k]) < 1e-9]).toEqual([k, true]);
    const after = m.stateDict();
    const bufs = Object.keys(ref).filter((k) => k.startsWith('after.'));
    expect(bufs.length).toBeGreaterThan(4);
    for (const k of bufs) {
      if (k.endsWith('num_batches_tracked')) expect([k, after[k.slice(6)].item()]).toEqual([k, ref[k].item()]);
      else expect([k, relErr(after[k.slice(6)], ref[k]) < 1e-10]).toEqual([k, true]);
    }
  };
});

describe('the big models: keys, shapes and parameter counts', () => {
  maybe.each(SHAPES_ONLY)('%s', (name) => {
    const m = build(name);
    checkKeysAndShapes(name, m);
    for (const t of [...m.parameters(), ...m.buffers()]) t.dispose(); // up to 500 MB each, not left to the GC
  }, 60000);
});

describe('torchvision initialisation and options', () => {
  const allValues = (t: torch.Tensor): number[] => Array.from(t.toArray() as Float32Array);
  const std = (t: torch.Tensor): number => Math.sqrt(t.pow(2).mean().item());

  test('ResNet: kaiming_normal_(fan_out) convs, norm weight 1 / bias 0, zeroInitResidual zeroes the last norm of each block', () => {
    torch.manualSeed(0);
    const sd = new M.TorchvisionResNet(M.Bottleneck, [1, 1, 1, 1], { numClasses: 5, zeroInitResidual: true }).stateDict();
    // layer3.0.conv2: 256 x 256 x 3 x 3, fan_out 2304: std sqrt(2 / 2304)
    expect(Math.abs(std(sd['layer3.0.conv2.weight']) / Math.sqrt(2 / 2304) - 1)).toBeLessThan(0.02);
    expect(new Set(allValues(sd['layer1.0.bn1.weight']))).toEqual(new Set([1]));
    expect(new Set(allValues(sd['layer1.0.bn1.bias']))).toEqual(new Set([0]));
    expect(new Set(allValues(sd['layer1.0.bn3.weight']))).toEqual(new Set([0]));
    expect(new Set(allValues(sd['layer4.0.bn3.weight']))).toEqual(new Set([0]));
    expect(new Set(allValues(sd['layer4.0.downsample.1.weight']))).toEqual(new Set([1]));
    const r18 = new M.TorchvisionResNet([1, 1, 1, 1], { zeroInitResidual: true }).stateDict();
    expect(new Set(allValues(r18['layer2.0.bn2.weight']))).toEqual(new Set([0]));
    expect(new Set(allValues(r18['layer2.0.bn1.weight']))).toEqual(new Set([1]));
  });

  test('MobileNetV2 and VGG: Linear normal(0, 0.01) with bias 0, conv biases 0', () => {
    torch.manualSeed(0);
    const mb = M.torchvisionMobilenetV2({ numClasses: 100 }).stateDict();
    expect(Math.abs(std(mb['classifier.1.weight']) / 0.01 - 1)).toBeLessThan(0.02);
    expect(new Set(allValues(mb['classifier.1.bias']))).toEqual(new Set([0]));
    expect(new Set(allValues(mb['features.18.1.weight']))).toEqual(new Set([1]));
    // depthwise 3x3 of features.1 (32 x 1 x 3 x 3): fan_out 288
    expect(Math.abs(std(mb['features.1.conv.0.0.weight']) / Math.sqrt(2 / 288) - 1)).toBeLessThan(0.15);
    // VGG (a 100M-parameter classifier): the init calls, recorded
    const calls: [string, torch.Tensor, unknown[]][] = [];
    const vgg = stubInit(() => M.torchvisionVgg11Bn({ numClasses: 10 }), calls);
    const sd = Object.fromEntries(vgg.namedParameters());
    const last = (t: torch.Tensor): string =>
      calls.filter(([, u]) => u === t).map(([n, , a]) => `${n}(${JSON.stringify(a)})`).pop() ?? 'none';
    expect(last(sd['features.0.weight'])).toBe('kaimingNormal_([{"mode":"fan_out","nonlinearity":"relu"}])');
    expect(last(sd['features.0.bias'])).toBe('constant_([0])');
    expect(last(sd['features.1.weight'])).toBe('constant_([1])');
    expect(last(sd['features.1.bias'])).toBe('constant_([0])');
    for (const k of ['classifier.0', 'classifier.3', 'classifier.6']) {
      expect(last(sd[`${k}.weight`])).toBe('normal_([0,0.01])');
      expect(last(sd[`${k}.bias`])).toBe('constant_([0])');
    }
    calls.length = 0;
    const raw = Object.fromEntries(stubInit(() => M.torchvisionVgg11({ initWeights: false }), calls).namedParameters());
    expect(last(raw['features.0.weight'])).toBe('kaimingUniform_([{"a":2.23606797749979}])');
    expect(last(raw['classifier.0.weight'])).toBe('kaimingUniform_([{"a":2.23606797749979}])');
  });

  test('the generic constructors; normLayer as a class or a function; inChannels', () => {
    const a = stubInit(() => new M.TorchvisionResNet([1, 1, 1, 1], { numClasses: 3 }));
    expect(a.layer1.at(0)).toBeInstanceOf(M.BasicBlock);
    expect(Object.keys(a.stateDict())).toEqual(Object.keys(stubInit(() => new M.TorchvisionResNet(M.BasicBlock, [1, 1, 1, 1], { numClasses: 3 })).stateDict()));
    const g = stubInit(() => new M.TorchvisionResNet(M.Bottleneck, [1, 1, 1, 1], { normLayer: torch.nn.BatchNorm2d, numClasses: 3 }));
    expect(g.layer1.at(0)).toBeInstanceOf(M.Bottleneck);
    expect(g.bn1).toBeInstanceOf(torch.nn.BatchNorm2d);
    const gn = new M.TorchvisionResNet([1, 1, 1, 1], { normLayer: (c: number) => new torch.nn.GroupNorm(4, c), numClasses: 3 });
    expect(gn.bn1).toBeInstanceOf(torch.nn.GroupNorm);
    expect(Object.keys(gn.stateDict()).filter((k) => k.includes('running'))).toEqual([]);
    expect(new Set(allValues(gn.stateDict()['layer1.0.bn2.weight']))).toEqual(new Set([1]));
    const y = torch.noGrad(() => gn.eval().forward(torch.randn([1, 3, 32, 32])));
    expect(y.shape).toEqual([1, 3]);
    expect(stubInit(() => M.torchvisionResnet18({ inChannels: 1 })).conv1.weight.shape).toEqual([64, 1, 7, 7]);
    expect(stubInit(() => M.torchvisionResnext50_32x4d({ groups: 32 })).layer1.at(0)).toBeInstanceOf(M.Bottleneck);
    const mb = stubInit(() => M.torchvisionMobilenetV2({ widthMult: 0.5, numClasses: 4, inChannels: 1 }));
    expect(mb.features.at(0).toString()).toContain('Conv2d(1, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)');
    expect(mb.lastChannel).toBe(1280);
  });

  test('bad options: coded errors naming the option; unknown keys refused', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => M.torchvisionResnet50({ numClasses: 0 }), /opts\.numClasses/],
      [() => M.torchvisionResnet50({ bogus: 1 } as never), /bogus/],
      [() => M.torchvisionResnet50({ groups: 1.5 }), /opts\.groups/],
      [() => M.torchvisionResnet50({ widthPerGroup: 0 }), /opts\.widthPerGroup/],
      [() => M.torchvisionResnet50({ replaceStrideWithDilation: [true, false] }), /opts\.replaceStrideWithDilation/],
      [() => M.torchvisionResnet50({ zeroInitResidual: 1 as never }), /opts\.zeroInitResidual/],
      [() => M.torchvisionResnet50({ normLayer: 3 as never }), /opts\.normLayer/],
      [() => M.torchvisionResnet18({ normLayer: (() => 7) as never }), /opts\.normLayer/],
      [() => M.torchvisionResnet18({ groups: 2 }), /opts\.groups/],
      [() => M.torchvisionResnet34({ replaceStrideWithDilation: [false, false, true] }), /opts\.dilation/],
      [() => M.torchvisionResnext50_32x4d({ groups: 8 }), /opts\.groups/],
      [() => M.torchvisionWideResnet50_2({ widthPerGroup: 64 }), /opts\.widthPerGroup/],
      [() => new M.TorchvisionResNet(torch.nn.Linear as never, [1, 1, 1, 1]), /block/],
      [() => new M.TorchvisionResNet(M.Bottleneck, [1, 1, 1]), /layers/],
      [() => new M.TorchvisionResNet([1, 1, 1, 0]), /layers\[3\]/],
      [() => new M.Bottleneck(64, 64, { stride: 0 }), /opts\.stride/],
      [() => M.torchvisionMobilenetV2({ widthMult: 0 }), /opts\.widthMult/],
      [() => M.torchvisionMobilenetV2({ roundNearest: 0 }), /opts\.roundNearest/],
      [() => M.torchvisionMobilenetV2({ dropout: 2 }), /opts\.dropout/],
      [() => M.torchvisionMobilenetV2({ invertedResidualSetting: [[1, 16, 1]] }), /opts\.invertedResidualSetting/],
      [() => M.torchvisionMobilenetV2({ invertedResidualSetting: [[1, 16, 1, 3]] }), /opts\.invertedResidualSetting\[0\]\[3\]/],
      [() => M.torchvisionMobilenetV2({ width_mult: 1 } as never), /width_mult/],
      [() => new M.InvertedResidual(16, 16, 3, 6), /stride/],
      [() => M.torchvisionVgg16({ dropout: -1 }), /opts\.dropout/],
      [() => M.torchvisionVgg16({ numClasses: 2.5 }), /opts\.numClasses/],
      [() => M.torchvisionVgg16({ batchNorm: true } as never), /batchNorm/],
      [() => M.torchvisionVgg16({ initWeights: 'yes' as never }), /opts\.initWeights/],
      [() => M.vggMakeLayers([64, 'N' as never]), /cfg\[1\]/],
      [() => new M.VGG({} as never), /features/],
      [() => M.torchvisionVgg16({ inChannels: null as never }), /opts\.inChannels/],
      [() => M.torchvisionMobilenetV2({ numClasses: null as never }), /opts\.numClasses/],
      [() => M.torchvisionResnet50({ inChannels: null as never }), /opts\.inChannels/],
      [() => new M.Bottleneck(64, 16, { dilation: null as never }), /opts\.dilation/],
    ];
    for (const [f, re] of bad) {
      let err: unknown = null;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect([String(f), err instanceof Error && typeof (err as { code?: unknown }).code === 'string']).toEqual([String(f), true]);
      expect(String((err as Error).message)).toMatch(re);
    }
  });
});
