// test/serialize_pytorch.test.ts — torch.load / torch.loadAsync of PyTorch's own torch.save files
// (lib/serialize_pytorch.ts, weights only; the zip format and the legacy one): the files in test/fixtures/pytorch_files were written by
// PyTorch 1.13 (test/fixtures/gen_pytorch_files.py) and expected.json holds what PyTorch's torch.load
// gives back for each; a state dict loads into a torchlet model with a strict loadStateDict; hostile
// and damaged archives (a global outside the allow-list, code in REDUCE, a storage too short for its
// view, a truncated file, a cycle, compressed entries) are ERR_TORCHLET_BAD_FILE and never run
// anything; mapLocation and the option checks.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';
import type { Tensor } from '../lib';

const DIR = path.join(__dirname, 'fixtures', 'pytorch_files');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as {
  files: Record<string, unknown>;
  refused_by_pytorch: Record<string, string>;
};

const num = (v: unknown): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

/** Compares a loaded value with the fixture's encoding of PyTorch's. */
function expectLike(got: unknown, want: unknown, where: string): void {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    const w = want as Record<string, unknown>;
    if ('$tensor' in w) {
      const t = w.$tensor as { dtype: string; shape: number[]; values: unknown[]; requires_grad: boolean };
      const g = got as Tensor;
      expect({ where, isTensor: g instanceof torch.Tensor }).toEqual({ where, isTensor: true });
      expect({ where, dtype: g.dtype, shape: g.shape, rg: g.requiresGrad }).toEqual({ where, dtype: t.dtype, shape: t.shape, rg: t.requires_grad });
      const vals = Array.from(g.toArray() as ArrayLike<number | bigint>);
      const wantVals = t.dtype === 'int64' ? t.values.map((x) => BigInt(x as string)) : t.values.map(num);
      expect({ where, vals }).toEqual({ where, vals: wantVals });
      return;
    }
    if ('$dict' in w) {
      const entries = w.$dict as [string, unknown][];
      const g = got as Record<string, unknown>;
      expect({ where, keys: Object.keys(g) }).toEqual({ where, keys: entries.map(([k]) => k) });
      for (const [k, v] of entries) expectLike(g[k], v, `${where}.${k}`);
      return;
    }
    if ('$num' in w) return expect({ where, v: got }).toEqual({ where, v: num(w.$num) });
    if ('$bytes' in w) return expect({ where, v: Array.from(got as Uint8Array) }).toEqual({ where, v: w.$bytes });
    if ('$bigint' in w) return expect({ where, v: got }).toEqual({ where, v: BigInt(w.$bigint as string) });
  }
  if (Array.isArray(want)) {
    expect({ where, n: (got as unknown[]).length }).toEqual({ where, n: want.length });
    want.forEach((v, i) => expectLike((got as unknown[])[i], v, `${where}[${i}]`));
    return;
  }
  expect({ where, v: got }).toEqual({ where, v: want });
}

function errOf(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('PyTorch torch.save files load as PyTorch loads them', () => {
  test('the fixture lists every file', () => expect(Object.keys(expected.files).sort()).toEqual(['bytes.pt', 'checkpoint.pt', 'dtypes_views.pt', 'legacy.pt', 'legacy_checkpoint.pt', 'protocol4.pt', 'state_dict.pt']));
  test.each(Object.keys(expected.files))('%s (torch.load)', (name) => {
    expectLike(torch.load(path.join(DIR, name)), expected.files[name], name);
  });
  test.each(Object.keys(expected.files))('%s (torch.loadAsync)', async (name) => {
    expectLike(await torch.loadAsync(path.join(DIR, name)), expected.files[name], name);
  });

  test('a PyTorch state dict loads into the same torchlet model (strict); its stateDict() gives the values back', () => {
    const m = new torch.nn.Sequential(new torch.nn.Conv2d(2, 3, 3), new torch.nn.BatchNorm2d(3), new torch.nn.Flatten(), new torch.nn.Linear(12, 4));
    const sd = torch.load(path.join(DIR, 'state_dict.pt'));
    m.loadStateDict(sd);
    const back = m.stateDict();
    expect(Object.keys(back)).toEqual(Object.keys(sd));
    for (const k of Object.keys(sd)) expect(Array.from(back[k].toArray() as ArrayLike<number>)).toEqual(Array.from(sd[k].toArray() as ArrayLike<number>));
  });

  test('views of one storage get their own copies; a Parameter keeps requiresGrad', () => {
    const o = torch.load<Record<string, Tensor>>(path.join(DIR, 'dtypes_views.pt'));
    o.same_storage_a.add_(100);
    expect(Array.from(o.same_storage_b.toArray() as Float32Array)).toEqual([18, 19, 20, 21, 22, 23]);
    expect(o.param.requiresGrad).toBe(true);
    expect(o.transposed.isContiguous()).toBe(true);
  });

  test('mapLocation and weightsOnly; bad options are coded errors naming them', () => {
    const o = torch.load<Record<string, Tensor>>(path.join(DIR, 'state_dict.pt'), { mapLocation: 'cpu', weightsOnly: true });
    expect(o['0.weight'].device).toBe('cpu');
    expect(Object.keys(torch.load(path.join(DIR, 'state_dict.pt'), { weightsOnly: false }))).toContain('1.running_mean');
    const e1 = errOf(() => torch.load(path.join(DIR, 'state_dict.pt'), { mapLocation: 'tpu' }));
    expect(e1.message).toMatch(/mapLocation/);
    const e2 = errOf(() => torch.load(path.join(DIR, 'state_dict.pt'), { map_location: 'cpu' } as never));
    expect(e2.message).toMatch(/map_location/);
    const e3 = errOf(() => torch.load(path.join(DIR, 'state_dict.pt'), { weightsOnly: 'yes' } as never));
    expect(e3.message).toMatch(/weightsOnly/);
    if (!torch.cuda.isAvailable()) expect(errOf(() => torch.load(path.join(DIR, 'state_dict.pt'), { mapLocation: 'cuda' })).message).toMatch(/cuda/i);
  });

  test('files PyTorch 1.13 weights_only refuses (a pickled module, a set) are refused, naming the global', () => {
    expect(expected.refused_by_pytorch).toEqual({ 'whole_module.pt': 'UnpicklingError', 'set_of_ints.pt': 'UnpicklingError' });
    const e = errOf(() => torch.load(path.join(DIR, 'whole_module.pt')));
    expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
    expect(e.message).toMatch(/torch\.nn\.modules\.linear\.Linear|weights-only/);
    const s = errOf(() => torch.load(path.join(DIR, 'set_of_ints.pt')));
    expect(s.code).toBe('ERR_TORCHLET_BAD_FILE');
    expect(s.message).toMatch(/builtins\.set|__builtin__\.set/);
  });

  const PY = '/usr/bin/python3';
  const hasTorchvision = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, torchvision'], { stdio: 'ignore' }).status === 0;
  (hasTorchvision ? test : test.skip)('torchvision resnet18 weights saved by torch.save run in torchvisionResnet18 with its outputs (skipped without python3-torchvision)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-pt-resnet-'));
    try {
      const r = spawnSync(PY, ['-c', `import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18(num_classes=10)
m.train(); m(torch.randn(4, 3, 32, 32))  # BatchNorm running stats away from 0 / 1
m.eval(); x = torch.rand(2, 3, 32, 32)
torch.save(m.state_dict(), sys.argv[1] + '/resnet18.pth')
torch.save({'x': x, 'y': m(x).detach()}, sys.argv[1] + '/io.pt')`, dir], { encoding: 'utf8' });
      expect(r.stderr + (r.status === 0 ? '' : `exit ${r.status}`)).toBe('');
      const m = torch.models.torchvisionResnet18({ numClasses: 10 });
      m.loadStateDict(torch.load(path.join(dir, 'resnet18.pth')));
      m.eval();
      const io = torch.load<Record<string, Tensor>>(path.join(dir, 'io.pt'));
      const y = torch.noGrad(() => m.forward(io.x));
      const err = torch.sub(y, io.y).abs().max().item();
      const scale = io.y.abs().max().item();
      expect(err).toBeLessThanOrEqual(1e-4 * Math.max(1, scale));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  test('the legacy (pre-1.6) format: a pickle that is not torch.save\'s, or cut short, is refused', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-legacy-'));
    try {
      const notTorch = path.join(tmp, 'int.pkl');
      fs.writeFileSync(notTorch, Buffer.from([0x80, 0x02, 0x4b, 0x05, 0x2e])); // pickle.dumps(5, 2)
      expect(errOf(() => torch.load(notTorch))).toMatchObject({ code: 'ERR_TORCHLET_BAD_FILE', message: expect.stringMatching(/magic number/) });
      const full = fs.readFileSync(path.join(DIR, 'legacy.pt'));
      for (const n of [20, 200, full.length - 1]) {
        const cut = path.join(tmp, 'cut.pt');
        fs.writeFileSync(cut, full.subarray(0, n));
        expect({ n, code: errOf(() => torch.load(cut)).code }).toEqual({ n, code: 'ERR_TORCHLET_BAD_FILE' });
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// ---- hostile archives, built here: a stored zip around a hand-written pickle -----------------------
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { zip, pkl, uni, tensorOp } = require('./fixtures/zip_stored.js') as {
  zip: (files: [string, Buffer][], opts?: { method?: number }) => Buffer;
  pkl: (...parts: (string | number[] | Buffer)[]) => Buffer;
  uni: (s: string) => Buffer;
  tensorOp: (key: string, numel: number, offset: number, size: number[], stride: number[]) => Buffer;
};
const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);

describe('hostile and damaged PyTorch archives are ERR_TORCHLET_BAD_FILE, and nothing runs', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-ptload-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, b: Buffer) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, b);
    return f;
  };

  test('a hand-built archive in the same layout loads (the builder is right)', () => {
    const f = write('ok.pt', zip([['a/data.pkl', pkl('}', uni('w'), tensorOp('0', 4, 1, [3], [1]), 's')], ['a/data/0', f32(1, 2, 3, 4)]]));
    const o = torch.load<Record<string, Tensor>>(f);
    expect(Array.from(o.w.toArray() as Float32Array)).toEqual([2, 3, 4]);
  });

  const marker = path.join(os.tmpdir(), `torchlet-ptload-pwned-${process.pid}`);
  const cases: [string, Buffer, RegExp][] = [
    ['os.system through REDUCE', zip([['a/data.pkl', pkl(`cos\nsystem\n(X${String.fromCharCode(('touch ' + marker).length)}\0\0\0touch ${marker}tR`)]]), /os\.system/],
    ['builtins.eval through STACK_GLOBAL', zip([['a/data.pkl', pkl(uni('builtins'), uni('eval'), [0x93], '(', uni('1+1'), 'tR')]]), /builtins\.eval/],
    ['a class instance through NEWOBJ', zip([['a/data.pkl', pkl('ccollections\nOrderedDict\n)', [0x81])]]), /opcode 0x81/],
    ['a view past its storage', zip([['a/data.pkl', pkl('}', uni('w'), tensorOp('0', 4, 2, [3], [1]), 's')], ['a/data/0', f32(1, 2, 3, 4)]]), /reaching element 4 of a storage of 4/],
    ['a storage shorter than declared', zip([['a/data.pkl', pkl('}', uni('w'), tensorOp('0', 4, 0, [4], [1]), 's')], ['a/data/0', f32(1, 2)]]), /holds 8 bytes/],
    ['a missing storage', zip([['a/data.pkl', pkl('}', uni('w'), tensorOp('7', 4, 0, [4], [1]), 's')]]), /storage 7 is missing/],
    ['a list containing itself', zip([['a/data.pkl', pkl(']q\x00h\x00a')]]), /cycle/],
    ['a memo slot never written', zip([['a/data.pkl', pkl('h\x05')]]), /memo slot 5/],
    ['a truncated pickle', zip([['a/data.pkl', pkl('X\xff\xff\x00\x00ab')]]), /truncated/],
    ['a compressed entry', zip([['a/data.pkl', pkl('}')]], { method: 8 }), /compressed/],
    ['a zip without data.pkl', zip([['a/other', Buffer.from('x')]]), /no <name>\/data\.pkl/],
  ];
  test.each(cases)('%s', (name, bytes, re) => {
    const f = write(`${name.replace(/\W+/g, '_')}.pt`, bytes);
    for (const e of [errOf(() => torch.load(f))]) {
      expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
      expect(e.message).toMatch(re);
    }
    expect(fs.existsSync(marker)).toBe(false);
  });
  test.each(cases)('%s (loadAsync)', async (name, bytes, re) => {
    const f = write(`${name.replace(/\W+/g, '_')}_async.pt`, bytes);
    await expect(torch.loadAsync(f)).rejects.toMatchObject({ code: 'ERR_TORCHLET_BAD_FILE', message: expect.stringMatching(re) });
  });
  test('a truncated real checkpoint (every cut of its last 200 bytes and its first 100)', () => {
    const full = fs.readFileSync(path.join(DIR, 'state_dict.pt'));
    const cuts = [...Array.from({ length: 100 }, (_, i) => i + 4), ...Array.from({ length: 200 }, (_, i) => full.length - 1 - i)];
    for (const n of cuts) {
      const f = write('cut.pt', full.subarray(0, n));
      const e = errOf(() => torch.load(f));
      expect({ n, code: e.code }).toEqual({ n, code: 'ERR_TORCHLET_BAD_FILE' });
    }
  });
});
