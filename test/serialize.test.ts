// test/serialize.test.ts — torch.save / torch.load (safetensors): round trips of every dtype,
// the on-disk layout, atomic replacement, clear errors for damaged files, half-precision files
// read as float32, and state dicts under PyTorch's names (BatchNorm's running_mean,
// running_var, int64 num_batches_tracked) that loadStateDict also accepts under torchlet's
// attribute names (runningMean ...).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../lib';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-save-'));

test('round trip of several dtypes and a model', () => {
  const dir = tmp();
  const f = path.join(dir, 'w.safetensors');
  const dict = {
    a: torch.randn([3, 4]),
    b: torch.tensor([1, 2, 3]),
    c: torch.fromBuffer(new Float64Array([0.1, 0.2]), [2]),
    d: torch.fromBuffer(new Uint8Array([7, 8, 9]), [3]),
  };
  torch.save(dict, f);
  const back = torch.load(f);
  for (const [k, t] of Object.entries(dict)) {
    expect(back[k].dtype).toBe(t.dtype);
    expect(back[k].shape).toEqual(t.shape);
    expect(back[k].tolist()).toEqual(t.tolist());
  }
  const m = torch.models.fashionCnn();
  torch.save(m.stateDict(), f);
  const m2 = torch.models.fashionCnn();
  m2.loadStateDict(torch.load(f));
  expect(Array.from(m2.fc1.weight.toArray() as Float32Array)).toEqual(Array.from(m.fc1.weight.toArray() as Float32Array));
});

test('the header follows the safetensors layout', () => {
  const dir = tmp();
  const f = path.join(dir, 'x.safetensors');
  torch.save({ w: torch.ones([2, 2]) }, f);
  const buf = fs.readFileSync(f);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString());
  expect(header.w).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
  expect(buf.length).toBe(8 + n + 16);
});

test('a failed save leaves the previous file intact; no temporary files remain', () => {
  const dir = tmp();
  const f = path.join(dir, 'keep.safetensors');
  torch.save({ w: torch.ones([2]) }, f);
  const before = fs.readFileSync(f);
  expect(() => torch.save({ w: 'not a tensor' as never }, f)).toThrow(/stateDict\['w'\]/);
  expect(fs.readFileSync(f).equals(before)).toBe(true);
  expect(fs.readdirSync(dir)).toEqual(['keep.safetensors']);
});

test('damaged files give clear errors', () => {
  const dir = tmp();
  const f = path.join(dir, 'bad.safetensors');
  fs.writeFileSync(f, Buffer.from([1, 2, 3]));
  expect(() => torch.load(f)).toThrow(/not a valid safetensors file/);
  torch.save({ w: torch.ones([4]) }, f);
  const buf = fs.readFileSync(f);
  fs.writeFileSync(f, buf.subarray(0, buf.length - 4));
  expect(() => torch.load(f)).toThrow(/bad data offsets/);
  expect(() => torch.load(path.join(dir, 'missing'))).toThrow(/ENOENT/);
});

/** A safetensors file built by hand, as another writer (PyTorch's save_file) would lay it out. */
function rawFile(header: object, data: Buffer): Buffer {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([head, Buffer.from(json), data]);
}

test('float16 and bfloat16 tensors load as float32', () => {
  const f = path.join(tmp(), 'half.safetensors');
  const f16 = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00];
  const bf16 = [0x3f80, 0xc020];
  const data = Buffer.alloc(2 * (f16.length + bf16.length));
  [...f16, ...bf16].forEach((h, i) => data.writeUInt16LE(h, 2 * i));
  fs.writeFileSync(f, rawFile({
    h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
  }, data));
  const t = torch.load(f);
  expect(t.h.dtype).toBe('float32');
  expect(t.h.shape).toEqual([2, 3]);
  expect(Array.from(t.h.toArray() as Float32Array)).toEqual([1, -2, 0.5, 65504, 2 ** -24, Infinity]);
  expect(Array.from(t.b.toArray() as Float32Array)).toEqual([1, -2.5]);
});

describe('state dicts use PyTorch names', () => {
  const bnNet = () => new torch.nn.Sequential(new torch.nn.Conv2d(1, 2, 3), new torch.nn.BatchNorm2d(2), new torch.nn.Flatten(), new torch.nn.Linear(8, 3), new torch.nn.BatchNorm1d(3));
  const trained = () => {
    torch.manualSeed(3);
    const m = bnNet();
    torch.noGrad(() => { m.forward(torch.randn([4, 1, 4, 4])); m.forward(torch.randn([4, 1, 4, 4])); });
    return m.eval();
  };

  test('BatchNorm buffers are running_mean / running_var / num_batches_tracked (int64) in stateDict and on disk', () => {
    const m = trained();
    expect(Object.keys(m.stateDict())).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked',
      '3.weight', '3.bias', '4.weight', '4.bias', '4.running_mean', '4.running_var', '4.num_batches_tracked',
    ]);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['1.runningMean', '1.runningVar', '1.numBatchesTracked', '4.runningMean', '4.runningVar', '4.numBatchesTracked']);
    const f = path.join(tmp(), 'bn.safetensors');
    torch.save(m.stateDict(), f);
    const buf = fs.readFileSync(f);
    const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString());
    expect(header['1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    const m2 = bnNet();
    m2.loadStateDict(torch.load(f));
    const bn = m2[1] as torch.nn.BatchNorm2d;
    expect(bn.numBatchesTracked!.dtype).toBe('int64');
    expect(bn.numBatchesTracked!.item()).toBe(2);
    expect(bn.runningVar!.tolist()).toEqual((m[1] as torch.nn.BatchNorm2d).runningVar!.tolist());
    const x = torch.randn([2, 1, 4, 4]);
    expect((m2.eval().forward(x) as torch.Tensor).tolist()).toEqual((m.forward(x) as torch.Tensor).tolist());
  });

  test('loadStateDict also takes torchlet attribute names, and reports keys by PyTorch names', () => {
    const m = trained();
    const camel = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [
      k.replace('running_mean', 'runningMean').replace('running_var', 'runningVar').replace('num_batches_tracked', 'numBatchesTracked'), v]));
    expect(Object.keys(camel)).toContain('1.runningMean');
    const m2 = bnNet();
    expect(m2.loadStateDict(camel)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect((m2[4] as torch.nn.BatchNorm1d).runningMean!.tolist()).toEqual((m[4] as torch.nn.BatchNorm1d).runningMean!.tolist());
    const { '1.running_var': _v, ...noVar } = m.stateDict();
    void _v;
    expect(() => bnNet().loadStateDict(noVar)).toThrow(/missing keys: 1\.running_var\./);
    expect(() => bnNet().loadStateDict({ ...m.stateDict(), '1.runningMean': m.stateDict()['1.running_mean'] })).toThrow(/unexpected keys: 1\.runningMean/);
    expect(bnNet().loadStateDict(noVar, { strict: false })).toEqual({ missingKeys: ['1.running_var'], unexpectedKeys: [] });
  });

  test('a failed strict load changes nothing; InstanceNorm2d keeps PyTorch\'s num_batches_tracked', () => {
    const m = bnNet();
    const before = (m[0] as torch.nn.Conv2d).weight.tolist();
    const bad = { ...trained().stateDict(), '4.running_mean': torch.zeros([5]) };
    expect(() => m.loadStateDict(bad)).toThrow(/4\.running_mean/);
    expect((m[0] as torch.nn.Conv2d).weight.tolist()).toEqual(before);
    expect(Object.keys(new torch.nn.InstanceNorm2d(3, { trackRunningStats: true }).stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new torch.nn.InstanceNorm2d(3).stateDict())).toEqual([]);
  });
});
