// test/serialize.test.ts — torch.save / torch.load (safetensors): round trips of every dtype,
// the on-disk layout, atomic replacement, and clear errors for damaged files.
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
