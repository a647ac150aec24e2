// test/serialize_object.test.ts — torch.save / torch.load of nested objects in one safetensors file
// (tensors by path, the structure as JSON in the `torchlet.object` metadata): round trips of tensors,
// numbers (NaN, Infinity, -0), strings, booleans, null, arrays, plain objects with "$" keys, shared
// tensors, an optimizer's stateDict that loads back into a new optimizer; flat state dicts still
// written and read exactly as before (PyTorch's safetensors reads them); the write stays atomic
// (the previous file intact after a failed save); unsupported values and cycles are coded errors;
// malformed structure metadata is ERR_TORCHLET_BAD_FILE; PyTorch legacy pickle / non-torch.save zip files (a real
// file from torch.save via /usr/bin/python3, skipped with the reason where it has no torch) are
// refused with ERR_TORCHLET_BAD_FILE saying how to convert them.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as torch from '../lib';
import { loadWithMetadata, serialize, deserializeWithMetadata } from '../lib/serialize';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-saveobj-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const errOf = (f: () => unknown): { code?: string; message: string } => {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  return { message: 'no error' };
};
const vals = (t: unknown) => Array.from((t as torch.Tensor).toArray() as ArrayLike<number | bigint>, Number);

test('a nested object round trip: tensors, numbers, strings, booleans, null, arrays, objects', () => {
  const f = path.join(tmp(), 'ckpt.safetensors');
  const shared = torch.tensor([1, 2, 3]);
  const obj = {
    model: { 'conv.weight': torch.randn([2, 3]), 'bn.num_batches_tracked': torch.tensor(7, { dtype: 'int64' }) },
    epoch: 3,
    lr: 1e-3,
    odd: [NaN, Infinity, -Infinity, -0, 0, null, true, false, 'text', ''],
    nested: { list: [[1, [2, { deep: shared }]], shared], $weird: { $tensor: 'not a tensor' } },
    skipped: undefined,
  };
  torch.save(obj, f);
  const back = torch.load<Record<string, unknown>>(f);
  expect(Object.keys(back).sort()).toEqual(['epoch', 'lr', 'model', 'nested', 'odd']);
  const m = back.model as Record<string, torch.Tensor>;
  expect(vals(m['conv.weight'])).toEqual(vals(obj.model['conv.weight']));
  expect(m['bn.num_batches_tracked'].dtype).toBe('int64');
  expect(m['bn.num_batches_tracked'].shape).toEqual([]);
  expect(back.epoch).toBe(3);
  expect(back.lr).toBe(1e-3);
  const odd = back.odd as unknown[];
  expect(odd[0]).toBeNaN();
  expect(odd.slice(1, 3)).toEqual([Infinity, -Infinity]);
  expect(Object.is(odd[3], -0)).toBe(true);
  expect(odd.slice(4)).toEqual([0, null, true, false, 'text', '']);
  const nested = back.nested as { list: unknown[]; $weird: unknown };
  expect(nested.$weird).toEqual({ $tensor: 'not a tensor' }); // a user's "$" keys are data, not markers
  const deep = ((nested.list[0] as unknown[])[1] as unknown[])[1] as { deep: torch.Tensor };
  expect(vals(deep.deep)).toEqual([1, 2, 3]);
  expect(nested.list[1]).toBe(deep.deep); // the same tensor object twice is stored once and shared again
  // one file, tensors named by their paths, the structure in the metadata
  const { tensors, metadata } = loadWithMetadata(f);
  expect(Object.keys(tensors).sort()).toEqual(['model.bn.num_batches_tracked', 'model.conv.weight', 'nested.list.0.1.1.deep']);
  expect(JSON.parse(metadata['torchlet.object']).format).toBe('torchlet-object');
});

test("an optimizer's stateDict (and the model's) saved together resume a new optimizer exactly", () => {
  torch.manualSeed(0);
  const model = new torch.nn.Linear(3, 2);
  const opt = new torch.optim.Adam(model.parameters(), { lr: 0.01, betas: [0.8, 0.9] });
  const x = torch.randn([4, 3]);
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    model.forward(x).pow(2).sum().backward();
    opt.step();
  }
  const f = path.join(tmp(), 'train.safetensors');
  torch.save({ model: model.stateDict(), optimizer: opt.stateDict(), epoch: 3 }, f);
  const ck = torch.load<{ model: Record<string, torch.Tensor>; optimizer: ReturnType<typeof opt.stateDict>; epoch: number }>(f);
  const model2 = new torch.nn.Linear(3, 2);
  model2.loadStateDict(ck.model);
  const opt2 = new torch.optim.Adam(model2.parameters(), { lr: 0.5 });
  opt2.loadStateDict(ck.optimizer);
  expect(opt2.paramGroups[0].lr).toBe(0.01);
  for (const [m, o] of [[model, opt], [model2, opt2]] as const) {
    o.zeroGrad();
    m.forward(x).pow(2).sum().backward();
    o.step();
  }
  expect(vals(model2.weight)).toEqual(vals(model.weight));
  expect(ck.epoch).toBe(3);
});

test('flat state dicts are written and read exactly as before', () => {
  const dict = { a: torch.randn([2, 2]), b: torch.tensor([1, 2], { dtype: 'int64' }) };
  const f = path.join(tmp(), 'flat.safetensors');
  torch.save(dict, f, { metadata: { note: 'x' } });
  expect(fs.readFileSync(f)).toEqual(serialize(dict, { note: 'x' })); // byte for byte the old layout
  const { metadata } = loadWithMetadata(f);
  expect(Object.keys(metadata)).toEqual(['note']);
  const back = torch.load(f);
  expect(Object.keys(back)).toEqual(['a', 'b']);
  expect(vals(back.a)).toEqual(vals(dict.a));
});

test('saving stays atomic: a failed save leaves the previous file as it was, and no temporary file', () => {
  const dir = tmp();
  const f = path.join(dir, 'c.safetensors');
  torch.save({ step: 1, w: torch.ones([2]) }, f);
  const before = fs.readFileSync(f);
  expect(() => torch.save({ step: 2, bad: () => 0 } as never, f)).toThrow(/bad/);
  expect(() => torch.save({ step: 2, bad: new Map() } as never, f)).toThrow(/bad/);
  const cyc: Record<string, unknown> = { a: 1 };
  cyc.self = cyc;
  const e = errOf(() => torch.save(cyc as never, f));
  expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
  expect(e.message).toMatch(/cycles.*for self/);
  expect(errOf(() => torch.save({ a: [1, undefined] } as never, f)).message).toMatch(/a\[1\]/);
  expect(errOf(() => torch.save({ a: 1 }, f, { metadata: { 'torchlet.object': 'x' } })).message).toMatch(/torchlet\.object/);
  expect(errOf(() => torch.save({ a: 1 }, f, { metdata: {} } as never)).message).toMatch(/opts\.metdata/);
  expect(fs.readFileSync(f)).toEqual(before);
  expect(fs.readdirSync(dir)).toEqual(['c.safetensors']);
  // a number, a string and an array as the whole object
  for (const v of [42, 'hello', [torch.zeros([1]), 2]]) {
    torch.save(v, f);
    const back = torch.load<unknown>(f);
    if (Array.isArray(v)) expect((back as unknown[])[1]).toBe(2);
    else expect(back).toEqual(v);
  }
});

test('malformed torchlet.object metadata is ERR_TORCHLET_BAD_FILE naming the problem', () => {
  const f = path.join(tmp(), 'bad.safetensors');
  const cases: [string, Record<string, torch.Tensor>, RegExp][] = [
    ['{not json', {}, /not JSON/],
    ['{"format":"other","version":1,"root":1}', {}, /expected \{"format"/],
    ['{"format":"torchlet-object","version":2,"root":1}', {}, /version 2/],
    ['{"format":"torchlet-object","version":1,"root":{"$tensor":"missing"}}', {}, /does not hold/],
    ['{"format":"torchlet-object","version":1,"root":{"a":1}}', { t: torch.zeros([1]) }, /"t" .*not part/],
    ['{"format":"torchlet-object","version":1,"root":{"$num":"7"}}', {}, /number marker/],
    ['{"format":"torchlet-object","version":1,"root":{"$x":1,"b":2}}', {}, /starting with "\$"/],
    ['{"format":"torchlet-object","version":1,"root":{"__proto__":{"polluted":1}}}', {}, /__proto__/],
    ['{"format":"torchlet-object","version":1,"root":{"$object":3}}', {}, /\$object is not an object/],
  ];
  for (const [json, tensors, re] of cases) {
    fs.writeFileSync(f, serialize(tensors, { 'torchlet.object': json }));
    const e = errOf(() => torch.load(f));
    expect(e.code).toBe('ERR_TORCHLET_BAD_FILE');
    expect(e.message).toMatch(/malformed torchlet\.object metadata/);
    expect(e.message).toMatch(re);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

const PY = '/usr/bin/python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
test('PyTorch pickle checkpoints: a zip that is not torch.save\'s and a cut legacy pickle are refused; a safetensors-only reader says torch.load reads them', () => {
  const dir = tmp();
  const zipLike = path.join(dir, 'fake_zip.pt');
  fs.writeFileSync(zipLike, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)]));
  const pickleLike = path.join(dir, 'fake_legacy.pth');
  fs.writeFileSync(pickleLike, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]));
  const z = errOf(() => torch.load(zipLike));
  expect(z.code).toBe('ERR_TORCHLET_BAD_FILE');
  expect(z.message).toMatch(/not a PyTorch checkpoint torchlet can load: no zip end-of-central-directory record/);
  const l = errOf(() => torch.load(pickleLike));
  expect(l.code).toBe('ERR_TORCHLET_BAD_FILE');
  expect(l.message).toMatch(/not a PyTorch checkpoint torchlet can load: its pickle is truncated/);
  expect(errOf(() => deserializeWithMetadata(fs.readFileSync(zipLike))).message).toMatch(/zip archive.*torch\.load and torch\.loadAsync read/);
  expect(errOf(() => deserializeWithMetadata(fs.readFileSync(pickleLike))).message).toMatch(/pickle \(protocol 2.*torch\.load and torch\.loadAsync read.*save_file/);
});
(hasTorch ? test : test.skip)('a real torch.save file from PyTorch loads, in the zip and the legacy format (skipped where /usr/bin/python3 has no torch)', () => {
  const dir = tmp();
  const zip = path.join(dir, 'model.pt');
  const legacy = path.join(dir, 'model_legacy.pth');
  const r = spawnSync(PY, ['-c', `import torch, sys
m = torch.nn.Linear(3, 2)
torch.save(m.state_dict(), sys.argv[1])
torch.save(m.state_dict(), sys.argv[2], _use_new_zipfile_serialization=False)`, zip, legacy], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(Object.keys(torch.load(zip))).toEqual(['weight', 'bias']);
  expect(Object.keys(torch.load(legacy))).toEqual(['weight', 'bias']);
});
