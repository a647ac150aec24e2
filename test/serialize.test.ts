// test/serialize.test.ts — torch.save / torch.load (safetensors): round trips of every dtype,
// the on-disk layout, atomic replacement, clear errors for damaged files, half-precision files
// read as float32, and state dicts under PyTorch's names (BatchNorm's running_mean,
// running_var, int64 num_batches_tracked) that loadStateDict also accepts under torchlet's
// attribute names (runningMean ...). Untrusted files: every breach of the specification is
// refused (ERR_TORCHLET_BAD_FILE naming it), from a buffer and from a file. Saves: never onto a
// link or a non-regular file, directories made without recursive mkdir (a path in /proc fails
// fast), the directory fsynced after the rename, stale temporaries of dead writers removed.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as torch from '../lib';
import { deserialize, deserializeWithMetadata, loadWithMetadata, MAX_HEADER_BYTES, MAX_HEADER_ENTRIES, removeStaleTemporaries } from '../lib/serialize';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-save-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

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
  // (a string is saveable since torch.save takes nested objects; a function is not)
  expect(() => torch.save({ w: (() => 0) as never }, f)).toThrow(/Expected a tensor, number, string.* for w /);
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
  expect(() => torch.load(f)).toThrow(/data_offsets \[0, 16\] past the end of the data \(12 bytes\)/);
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

/** A safetensors file from a header given as text (not re-encoded: any bytes may be tested). */
function rawText(json: string | Buffer, data: Buffer = Buffer.alloc(0), declared?: number): Buffer {
  const body = Buffer.isBuffer(json) ? json : Buffer.from(json, 'utf8');
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(declared ?? body.length));
  return Buffer.concat([head, body, data]);
}
const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);

describe('untrusted safetensors files are checked in full against the specification', () => {
  const T = (shape: number[], off: [number, number], dtype = 'F32') => ({ dtype, shape, data_offsets: off });
  const J = (o: unknown) => JSON.stringify(o);
  // [what, file bytes, the message must say]
  const cases: [string, Buffer, RegExp][] = [
    ['shorter than 8 bytes', Buffer.from([1, 2, 3]), /shorter than its 8-byte header length/],
    ['a header length over the limit', rawText('{}', Buffer.alloc(0), MAX_HEADER_BYTES + 1), /header length 100000001 exceeds the limit of 100000000 bytes/],
    ['a header length of 2^64-1', Buffer.concat([Buffer.alloc(8, 0xff), Buffer.from('{}')]), /exceeds the limit/],
    ['a header length past the end of the file', rawText('{}', Buffer.alloc(0), 4096), /header length 4096 exceeds the file size/],
    ['a header that is a JSON array', rawText('[]'), /the header is not a JSON object/],
    ['a header that is a JSON string', rawText('"x"'), /the header is not a JSON object/],
    ['a header that is not JSON', rawText('{"a": '), /tensor "a" is not a JSON object/],
    ['a header that is not UTF-8', rawText(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x7b, 0x7d, 0x7d])), /not UTF-8/],
    ['characters after the header object', rawText('{} x'), /trailing characters after the header's JSON object/],
    ['a __proto__ tensor name', rawText('{"__proto__":' + J(T([1], [0, 4])) + '}', f32(1)), /the key "__proto__" \(refused/],
    ['a __proto__ metadata key', rawText('{"__metadata__":{"__proto__":"x"}}'), /the key "__proto__" \(refused/],
    ['a metadata value that is a number', rawText(J({ __metadata__: { a: 1 } })), /__metadata__\["a"\] is not a string/],
    ['a metadata value that is an object', rawText(J({ __metadata__: { a: { b: 'c' } } })), /__metadata__\["a"\] is not a string/],
    ['metadata that is an array', rawText(J({ __metadata__: ['a'] })), /__metadata__ is not a JSON object/],
    ['a duplicate tensor name', rawText('{"a":' + J(T([1], [0, 4])) + ',"a":' + J(T([1], [4, 8])) + '}', f32(1, 2)), /the key "a" twice/],
    ['a tensor entry that is not an object', rawText(J({ a: [1, 2] })), /tensor "a" is not a JSON object/],
    ['a tensor without data_offsets', rawText(J({ a: { dtype: 'F32', shape: [1] } }), f32(1)), /tensor "a" lacks data_offsets/],
    ['a tensor with an unknown field', rawText(J({ a: { ...T([1], [0, 4]), extra: 1 } }), f32(1)), /unknown field "extra"/],
    ['an unknown dtype', rawText(J({ a: T([1], [0, 4], 'F31') }), f32(1)), /unknown dtype "F31"/],
    ['a dtype torchlet cannot read', rawText(J({ a: T([2], [0, 4], 'I16') }), f32(1)), /dtype I16, which torchlet cannot read/],
    ['a negative dimension', rawText(J({ a: T([-1], [0, 4]) }), f32(1)), /shape\[0\] is not a non-negative integer/],
    ['a fractional dimension', rawText(J({ a: T([1.5], [0, 4]) }), f32(1)), /shape\[0\] is not a non-negative integer/],
    ['a dimension as a string', rawText(J({ a: { dtype: 'F32', shape: ['1'], data_offsets: [0, 4] } }), f32(1)), /shape\[0\] is not a non-negative integer/],
    ['a dimension past 2^53', rawText('{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}', f32(1)), /too large/],
    ['65 dimensions', rawText(J({ a: T(new Array(65).fill(1), [0, 4]) }), f32(1)), /shape has more than 64 elements/],
    ['three data offsets', rawText(J({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } }), f32(1, 2)), /data_offsets has more than 2 elements/],
    ['a size that is not shape x dtype size', rawText(J({ a: T([3], [0, 8]) }), f32(1, 2)), /dtype F32 and shape \[3\] needs 12 bytes, but its data_offsets \[0, 8\] hold 8/],
    ['a size overflowing 2^53', rawText(J({ a: T([2 ** 30, 2 ** 30, 2 ** 30], [0, 4]) }), f32(1)), /needs/],
    ['begin > end', rawText(J({ a: T([1], [4, 0]) }), f32(1)), /data_offsets \[4, 0\] with begin > end/],
    ['an end past the data', rawText(J({ a: T([2], [0, 8]) }), f32(1)), /past the end of the data \(4 bytes\)/],
    ['overlapping tensors', rawText(J({ a: T([2], [0, 8]), b: T([2], [4, 12]) }), f32(1, 2, 3)), /tensor "b" at \[4, 12\] overlaps the tensor before it/],
    ['the same bytes for two tensors', rawText(J({ a: T([1], [0, 4]), b: T([1], [0, 4]) }), f32(1)), /overlaps/],
    ['a gap between tensors', rawText(J({ a: T([1], [0, 4]), b: T([1], [8, 12]) }), f32(1, 2, 3)), /gap of unused bytes \[4, 8\) before tensor "b"/],
    ['data not starting at 0', rawText(J({ a: T([1], [4, 8]) }), f32(1, 2)), /gap of unused bytes \[0, 4\)/],
    ['trailing bytes after the last tensor', rawText(J({ a: T([1], [0, 4]) }), f32(1, 2)), /4 trailing bytes after the last tensor/],
    ['bytes but no tensors', rawText('{}', f32(1)), /4 trailing bytes/],
    ['a BOOL byte that is not 0 or 1', rawText(J({ a: T([2], [0, 2], 'BOOL') }), Buffer.from([1, 7])), /BOOL tensor "a" holds a byte other than 0 or 1/],
    ['a control character in a name', rawText('{"a\u0001":' + J(T([1], [0, 4])) + '}', f32(1)), /control character/],
    ['an unterminated string', rawText('{"abc'), /unterminated string/],
    ['a bad escape', rawText('{"a\\q":' + J(T([1], [0, 4])) + '}', f32(1)), /bad escape/],
  ];

  test.each(cases)('%s', (_what, bytes, message) => {
    const f = path.join(tmp(), 'bad.safetensors');
    fs.writeFileSync(f, bytes);
    for (const read of [() => torch.load(f), () => deserialize(bytes, f)]) {
      let err: unknown;
      try {
        read();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(torch.TorchletError);
      expect((err as torch.TorchletError).code).toBe('ERR_TORCHLET_BAD_FILE');
      expect((err as Error).message).toContain(`${f} is not a valid safetensors file: `);
      expect((err as Error).message).toMatch(message);
    }
    expect(({} as Record<string, unknown>).dtype).toBeUndefined(); // no prototype pollution
  });

  test('tensors listed out of data order load (as in the reference reader), with header-order keys and null-prototype metadata', () => {
    const bytes = rawText(JSON.stringify({ __metadata__: { format: 'pt' }, b: T([2], [4, 12]), a: T([1], [0, 4]) }), f32(1, 2, 3));
    const { tensors, metadata } = deserializeWithMetadata(bytes);
    expect(Object.keys(tensors)).toEqual(['b', 'a']);
    expect(tensors.a.tolist()).toEqual([1]);
    expect(tensors.b.tolist()).toEqual([2, 3]);
    expect(Object.getPrototypeOf(metadata)).toBeNull();
    expect({ ...metadata }).toEqual({ format: 'pt' });
    const f = path.join(tmp(), 'ok.safetensors');
    fs.writeFileSync(f, bytes);
    expect(loadWithMetadata(f).tensors.b.tolist()).toEqual([2, 3]);
    // zero-sized tensors take no bytes and may sit anywhere
    const z = deserialize(rawText(JSON.stringify({ e: T([0, 3], [4, 4]), a: T([1], [0, 4]) }), f32(5)));
    expect(z.e.shape).toEqual([0, 3]);
    expect(z.a.tolist()).toEqual([5]);
  });

  test('huge headers are refused fast: too many entries, deep or long arrays', () => {
    // 6 MB of tiny entries (a header of this kind, 71 MB, took 1.6 GB before the checks)
    const parts: string[] = [];
    for (let i = 0; i < MAX_HEADER_ENTRIES + 10; i++) parts.push(`"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const many = rawText(`{${parts.join(',')}}`);
    expect(() => deserialize(many)).toThrow(`header has more than ${MAX_HEADER_ENTRIES} entries`);
    const deep = rawText(`{"a":{"shape":${'['.repeat(1e6)}}}`);
    expect(() => deserialize(deep)).toThrow(/shape\[0\] is not a non-negative integer/);
    const long = rawText(`{"a":{"shape":[${new Array(1e6).fill(1).join(',')}]}}`);
    expect(() => deserialize(long)).toThrow(/shape has more than 64 elements/);
  });

  test('load refuses what is not a regular file without reading it', () => {
    const err = (() => {
      try {
        torch.load('/dev/zero');
      } catch (e) {
        return e as torch.TorchletError;
      }
    })();
    expect(err?.code).toBe('ERR_TORCHLET_IO');
    expect(err?.message).toMatch(/cannot read \/dev\/zero: not a regular file/);
  });

  test('save refuses names and metadata that a reader could not give back', () => {
    const f = path.join(tmp(), 'w.safetensors');
    expect(() => torch.save({ __metadata__: torch.ones([1]) }, f)).toThrow(/"__metadata__" \(reserved\)/);
    expect(() => torch.save({ w: torch.ones([1]) }, f, { metadata: { a: 1 as never } })).toThrow(/metadata\['a'\]/);
    expect(fs.existsSync(f)).toBe(false);
  });
});

describe('save writes files safely', () => {
  const w = () => ({ w: torch.ones([2]) });
  const code = (fn: () => void): string | undefined => {
    try {
      fn();
    } catch (e) {
      return (e as torch.TorchletError).code;
    }
    return undefined;
  };

  test('never replaces a symbolic link (to a file, a directory, or nothing)', () => {
    const dir = tmp();
    const target = path.join(dir, 'target.bin');
    fs.writeFileSync(target, 'precious');
    for (const [name, to] of [['link.safetensors', target], ['dirlink.safetensors', dir], ['dangling.safetensors', path.join(dir, 'nowhere')]] as const) {
      const link = path.join(dir, name);
      fs.symlinkSync(to, link);
      expect(() => torch.save(w(), link)).toThrow(/is a symbolic link \(torchlet never replaces a link/);
      expect(code(() => torch.save(w(), link))).toBe('ERR_TORCHLET_IO');
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(fs.readlinkSync(link)).toBe(to);
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('never replaces a non-regular file (directory, FIFO, device)', () => {
    const dir = tmp();
    const sub = path.join(dir, 'sub.safetensors');
    fs.mkdirSync(sub);
    expect(() => torch.save(w(), sub)).toThrow(/exists and is not a regular file/);
    expect(fs.statSync(sub).isDirectory()).toBe(true);
    const fifo = path.join(dir, 'fifo.safetensors');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      expect(() => torch.save(w(), fifo)).toThrow(/exists and is not a regular file/);
      expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    }
    expect(code(() => torch.save(w(), '/dev/null'))).toBe('ERR_TORCHLET_IO');
    expect(() => torch.save(w(), '/dev/null')).toThrow(/not a regular file/);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  test('creates missing directories; a path inside /proc fails fast instead of spinning', () => {
    const dir = tmp();
    const deep = path.join(dir, 'a', 'b', 'c', 'w.safetensors');
    torch.save(w(), deep);
    expect(torch.load(deep).w.tolist()).toEqual([1, 1]);
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    expect(() => torch.save(w(), path.join(file, 'x', 'w.safetensors'))).toThrow(/not a directory/);
    const t0 = Date.now();
    const c = code(() => torch.save(w(), `/proc/torchlet-no-such-dir-${process.pid}/sub/w.safetensors`));
    expect(c).toBe('ERR_TORCHLET_IO');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(code(() => torch.save(w(), '/proc/self/w.safetensors'))).toBe('ERR_TORCHLET_IO');
  });

  test('fsyncs the directory after the rename', () => {
    const dir = tmp();
    const f = path.join(dir, 'w.safetensors');
    const events: string[] = [];
    const fds = new Map<number, string>();
    // node's fs module itself (the namespace object the test imports has fixed getters)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs = require('fs') as typeof fs;
    const real = { open: nodeFs.openSync, fsync: nodeFs.fsyncSync, rename: nodeFs.renameSync };
    const open = jest.spyOn(nodeFs, 'openSync').mockImplementation(((p: fs.PathLike, ...rest: [fs.OpenMode]) => {
      const fd = real.open(p, ...rest);
      fds.set(fd, String(p));
      return fd;
    }) as typeof fs.openSync);
    const sync = jest.spyOn(nodeFs, 'fsyncSync').mockImplementation((fd: number) => {
      events.push(`fsync ${fds.get(fd)}`);
      real.fsync(fd);
    });
    const rename = jest.spyOn(nodeFs, 'renameSync').mockImplementation((a: fs.PathLike, b: fs.PathLike) => {
      events.push(`rename ${b}`);
      real.rename(a, b);
    });
    try {
      torch.save(w(), f);
    } finally {
      open.mockRestore();
      sync.mockRestore();
      rename.mockRestore();
    }
    expect(events.length).toBe(3);
    expect(events[0]).toMatch(/^fsync .*\.w\.safetensors\.\d+\.[0-9a-z]+\.tmp$/);
    expect(events.slice(1)).toEqual([`rename ${f}`, `fsync ${dir}`]);
  });

  test('removes the temporaries of killed saves (writer gone), and only those', () => {
    const dir = tmp();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dead = Number(child.stdout);
    const names = {
      dead: `.w.safetensors.${dead}.k3j9x2.tmp`,
      deadOther: `.other.safetensors.${dead}.a1.tmp`,
      mine: `.w.safetensors.${process.pid}.zz9.tmp`,
      live: `.w.safetensors.${process.ppid}.abc.tmp`,
      notOurs: 'w.safetensors.tmp',
      notOurs2: `.w.safetensors.${dead}.UPPER.tmp`,
    };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(dir, n), 'x'.repeat(100));
    fs.mkdirSync(path.join(dir, `.d.${dead}.x.tmp`)); // a directory of that name is not ours either
    torch.save(w(), path.join(dir, 'w.safetensors'));
    expect(fs.readdirSync(dir).sort()).toEqual([names.mine, names.live, names.notOurs, names.notOurs2, `.d.${dead}.x.tmp`, 'w.safetensors'].sort());
    fs.writeFileSync(path.join(dir, names.dead), '');
    expect(removeStaleTemporaries(dir)).toEqual([path.join(dir, names.dead)]);
  });
});
