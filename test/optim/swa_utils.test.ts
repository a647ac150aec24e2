// test/optim/swa_utils.test.ts — torch.optim.swaUtils (lib/optim/swa_utils.ts) against PyTorch 1.13
// (test/fixtures/functional_utils.json, gen_functional_utils_fixtures.py): SWALR's lr sequences ('cos',
// 'linear', annealEpochs 0, per-group swaLr), AveragedModel's state dict after each update (default and
// EMA avgFn, useBuffers true and false; PyTorch's keys) and its eval forward, updateBn's running statistics
// over a fixed list of batches (momenta and train/eval mode restored), on every device; the refusals.
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { describeDevices } from '../devices';
import { expectArgError, expectClose, fromFixture, thrown, type T } from '../helpers';

const { nn } = torch;
const S = torch.optim.swaUtils;
const FX = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'functional_utils.json'), 'utf8')) as {
  swalr: { name: string; lrs: number[]; swaLr: number | number[]; annealEpochs: number; annealStrategy: 'cos' | 'linear'; sequence: number[][] }[];
  averagedModel: { states: Record<string, T>[]; x: T; cases: { name: string; avgFn: string; useBuffers: boolean; keys: string[]; after: Record<string, T>[]; evalOutput: T }[] };
  updateBn: { stateDict: Record<string, T>; batches: T[]; after: Record<string, T>; training: boolean; momenta: number[]; bn2Batches: T[]; bn2After: Record<string, T> };
};
const leaf = () => torch.zeros([1], { requiresGrad: true });

describe('SWALR', () => {
  test.each(FX.swalr.map((c) => [c.name, c] as [string, (typeof FX.swalr)[number]]))('%s: the lr sequence of PyTorch', (_n, c) => {
    const opt = new torch.optim.SGD(c.lrs.map((lr) => ({ params: [leaf()], lr })), { lr: c.lrs[0] });
    const s = new S.SWALR(opt, { swaLr: c.swaLr, annealEpochs: c.annealEpochs, annealStrategy: c.annealStrategy });
    const seq = [opt.paramGroups.map((g) => g.lr)];
    for (let i = 1; i < c.sequence.length; i++) {
      opt.step();
      s.step();
      seq.push(opt.paramGroups.map((g) => g.lr));
    }
    seq.forEach((lrs, i) => lrs.forEach((lr, j) => expect(lr).toBeCloseTo(c.sequence[i][j], 14)));
    expect(s.getLastLr()).toEqual(seq[seq.length - 1]);
    expect((opt.paramGroups[0] as unknown as { swaLr: number }).swaLr).toBe(Array.isArray(c.swaLr) ? c.swaLr[0] : c.swaLr);
  });
  test('stateDict round trip continues the same sequence', () => {
    const mk = () => new torch.optim.SGD([leaf()], { lr: 0.5 });
    const o1 = mk();
    const s1 = new S.SWALR(o1, { swaLr: 0.05, annealEpochs: 3, annealStrategy: 'linear' });
    s1.step();
    const sd = s1.stateDict();
    expect(sd.annealEpochs).toBe(3);
    expect(sd.annealStrategy).toBe('linear');
    const o2 = mk();
    const s2 = new S.SWALR(o2, { swaLr: 0.05 });
    s2.loadStateDict(sd);
    o2.paramGroups[0].lr = o1.paramGroups[0].lr;
    s1.step();
    s2.step();
    expect(o2.paramGroups[0].lr).toBe(o1.paramGroups[0].lr);
  });
  test('refusals', () => {
    const o = new torch.optim.SGD([leaf()], { lr: 0.1 });
    const loose = S.SWALR as unknown as new (...a: unknown[]) => unknown;
    expectArgError(() => new loose(o), 'opts.swaLr');
    expectArgError(() => new loose(o, {}), 'opts.swaLr');
    expectArgError(() => new loose(o, { swaLr: 'x' }), 'opts.swaLr');
    expectArgError(() => new loose(o, { swaLr: [0.1, 0.2] }), 'opts.swaLr');
    expectArgError(() => new loose(o, { swaLr: 0.1, annealStrategy: 'exp' }), 'opts.annealStrategy');
    expectArgError(() => new loose(o, { swaLr: 0.1, annealEpochs: -1 }), 'opts.annealEpochs');
    expectArgError(() => new loose(o, { swaLr: 0.1, annealEpochs: 1.5 }), 'opts.annealEpochs');
    expectArgError(() => new loose(o, { swaLr: 0.1, anneal_epochs: 3 }), /did you mean 'annealEpochs'/);
    expectArgError(() => new loose({}, { swaLr: 0.1 }), 'optimizer');
    expectArgError(() => new S.SWALR(o, { swaLr: 0.1 }).loadStateDict({ annealStrategy: 'exp' }), 'stateDict.annealStrategy');
  });
});

describeDevices('AveragedModel', (device) => {
  const AM = FX.averagedModel;
  const load = (m: InstanceType<typeof nn.Module>, st: Record<string, T>) =>
    m.loadStateDict(Object.fromEntries(Object.entries(st).map(([k, v]) => [k, fromFixture(v)])));
  const ema = (a: Tensor, m: Tensor) => a.mul(0.1).add(m.mul(0.9));
  test.each(AM.cases.map((c) => [c.name, c] as [string, (typeof AM.cases)[number]]))('%s: state dict after each update, eval forward', (_n, c) => {
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2)).double().to(device);
    load(model, AM.states[0]);
    const swa = new S.AveragedModel(model, { avgFn: c.avgFn === 'ema' ? ema : undefined, useBuffers: c.useBuffers });
    expect(Object.keys(swa.stateDict())).toEqual(c.keys);
    AM.states.forEach((st, k) => {
      load(model, st);
      swa.updateParameters(model);
      const sd = swa.stateDict();
      for (const key of c.keys) {
        const e = c.after[k][key];
        if (e.dtype === 'int64') expect(Number(sd[key].item())).toBe(e.data[0]);
        else expectClose(sd[key], e, { atol: 1e-12, rtol: 1e-12, label: `update ${k} ${key}` });
        // n_averaged is made on opts.device (the CPU when none is given, as PyTorch's), the copy stays on the model's
        expect(sd[key].device).toMatch(device === 'cpu' || key === 'n_averaged' ? /^cpu$/ : /^cuda/);
      }
    });
    expect(swa.numAveraged).toBe(3);
    swa.eval();
    expectClose(swa.forward(fromFixture(AM.x).to(device)) as Tensor, c.evalOutput, { atol: 1e-12, rtol: 1e-12 });
    // a deep copy: the model's own parameters are untouched by the averaging
    expectClose(model.stateDict()['0.weight'], AM.states[2]['0.weight'], { atol: 0 });
    expect(swa.module.parameters()[0]).not.toBe(model.parameters()[0]);
  });
  test('the copy is independent, on opts.device, and the repr names the module', () => {
    const model = new nn.Linear(2, 2);
    const swa = new S.AveragedModel(model, { device });
    expect(swa.module).toBeInstanceOf(nn.Linear);
    expect(swa.module.parameters()[0].device).toMatch(device === 'cpu' ? /^cpu$/ : /^cuda/);
    torch.noGrad(() => model.weight.fill_(3));
    expect(Array.from(swa.module.parameters()[0].toArray() as Float32Array)).not.toContain(3);
    expect(swa.toString()).toMatch(/^AveragedModel\(\n {2}\(module\): Linear\(in_features=2, out_features=2, bias=True\)\n\)$/);
    expect(swa.module.parameters()[0].requiresGrad).toBe(true);
  });
  test('refusals', () => {
    const loose = S.AveragedModel as unknown as new (...a: unknown[]) => InstanceType<typeof S.AveragedModel>;
    expectArgError(() => new loose({}), 'model');
    expectArgError(() => new loose(new nn.Linear(2, 2), { avgFn: 3 }), 'opts.avgFn');
    expectArgError(() => new loose(new nn.Linear(2, 2), { useBuffers: 1 }), 'opts.useBuffers');
    expectArgError(() => new loose(new nn.Linear(2, 2), { device: 'tpu' }), 'opts.device');
    expectArgError(() => new loose(new nn.Linear(2, 2), { use_buffers: true }), /did you mean 'useBuffers'/);
    const swa = new S.AveragedModel(new nn.Linear(2, 2));
    expectArgError(() => swa.updateParameters(new nn.Linear(2, 3)), /model's parameters\[0\]/);
    expectArgError(() => swa.updateParameters(new nn.Linear(2, 2, { bias: false })), 'model');
    expectArgError(() => (swa.updateParameters as (a: unknown) => void)('m'), 'model');
    const bad = new S.AveragedModel(new nn.Linear(2, 2), { avgFn: () => torch.zeros([3]) });
    bad.updateParameters(new nn.Linear(2, 2));
    expectArgError(() => bad.updateParameters(new nn.Linear(2, 2)), 'the result of avgFn');
  });
});

describeDevices('updateBn', (device) => {
  const U = FX.updateBn;
  test('the running statistics of PyTorch (cumulative average), momenta and eval mode restored', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 3), new nn.BatchNorm1d(3, { momentum: 0.3 })).double();
    model.loadStateDict(Object.fromEntries(Object.entries(U.stateDict).map(([k, v]) => [k, fromFixture(v)])));
    model.to(device);
    model.eval();
    const loader = U.batches.map((b) => [fromFixture(b), torch.zeros([b.shape[0]], { dtype: 'int64' })]);
    S.updateBn(loader, model, device);
    const sd = model.stateDict();
    for (const [k, e] of Object.entries(U.after)) {
      if (e.dtype === 'int64') expect(Number(sd[k].item())).toBe(e.data[0]);
      else expectClose(sd[k], e, { atol: 1e-12, rtol: 1e-12, label: k });
    }
    expect(model.training).toBe(U.training);
    expect(model.modules().every((m) => !m.training)).toBe(true);
    const bns = model.modules().filter((m) => m instanceof nn.BatchNorm1d) as InstanceType<typeof nn.BatchNorm1d>[];
    expect(bns.map((m) => m.momentum)).toEqual(U.momenta);
    expect(Object.getOwnPropertyDescriptor(bns[0], 'momentum')).toHaveProperty('value', 0.1);
    // BatchNorm2d, bare tensors as batches
    const bn2 = new nn.Sequential(new nn.BatchNorm2d(2)).double().to(device);
    S.updateBn(U.bn2Batches.map((b) => fromFixture(b).to(device)), bn2);
    for (const [k, e] of Object.entries(U.bn2After)) {
      if (e.dtype === 'int64') expect(Number(bn2.stateDict()[k].item())).toBe(e.data[0]);
      else expectClose(bn2.stateDict()[k], e, { atol: 1e-12, rtol: 1e-12, label: k });
    }
    expect(bn2.training).toBe(true);
  });
  test('a failing forward still restores the momenta and the mode', () => {
    const model = new nn.Sequential(new nn.BatchNorm1d(2));
    model.eval();
    const bad = [torch.randn([3, 2]), torch.randn([3, 5])];
    expect(thrown(() => S.updateBn(bad, model)).code).toBe('ERR_TORCHLET_SHAPE');
    expect(model.training).toBe(false);
    expect((model.modules()[1] as InstanceType<typeof nn.BatchNorm1d>).momentum).toBe(0.1);
  });
  test('refusals', () => {
    const model = new nn.Sequential(new nn.BatchNorm1d(2));
    const loose = S.updateBn as unknown as (...a: unknown[]) => void;
    expectArgError(() => loose(3, model), 'loader');
    expectArgError(() => loose([torch.randn([3, 2])], {}), 'model');
    expectArgError(() => loose(['x'], model), "loader's batch 0");
    expectArgError(() => loose([torch.randn([3, 2])], model, 'tpu'), 'device');
    expect(thrown(() => loose([], model, null, 7)).code).toBe('ERR_TORCHLET_INVALID_ARG');
    // no BatchNorm: nothing to do, the loader is not even read
    expect(() => S.updateBn([], new nn.Linear(2, 2))).not.toThrow();
  });
});
