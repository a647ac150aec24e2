// test/data/dataloader.test.ts — DataLoader (collateFn, default collation of tensors / numbers /
// nested arrays and objects with dtypes from the dataset, samplers, batchSampler, generator, strict
// options), the samplers, ConcatDataset / Subset / randomSplit, and numWorkers > 0 (the same batches
// in the same order as in-thread loading whatever the workers' timing, errors re-thrown with the sample
// index, persistent workers, a process that exits by itself).
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { runChild, describeChild, TORCH } from '../child';

const { DataLoader, TensorDataset } = data;
const FIXTURE = path.join(__dirname, 'fixtures', 'worker_dataset.ts');

function listDataset<T>(items: T[], dtypes?: unknown): data.Dataset<T> {
  return { length: items.length, get: (i: number) => items[i], dtypes } as data.Dataset<T>;
}
function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('default collation', () => {
  test('numbers: the dtype comes from the dataset, never from the values', () => {
    // labels that happen to be all integers in one batch and not in another must not change dtype
    const ds = listDataset(
      [[0.5, 1], [2, 3], [4, 5], [6.25, 7]].map(([a, b]) => [a, b]),
      [null, 'int64'],
    );
    const batches = [...new DataLoader(ds as data.Dataset<unknown>, { batchSize: 2 })] as [torch.Tensor, torch.Tensor][];
    expect(batches.map(([a]) => a.dtype)).toEqual(['float64', 'float64']); // undeclared numbers: float64 as Python floats
    expect(batches.map(([, b]) => b.dtype)).toEqual(['int64', 'int64']);
    expect(batches[0][0].tolist()).toEqual([0.5, 2]);
    expect(batches[1][1].tolist()).toEqual([5, 7]);
    // BigInt labels are int64 without a declaration; booleans are bool
    const big = [...new DataLoader(listDataset([[1n, true], [2n, false]]) as data.Dataset<unknown>, { batchSize: 2 })][0] as torch.Tensor[];
    expect(big[0].dtype).toBe('int64');
    expect(big[1].dtype).toBe('bool');
    // a declared integer field with a fractional value is an error naming it
    expect(() => data.defaultCollate([[1.5], [2]], [['int64']] as never)).toThrow(/samples\[0\]|int64/);
  });

  test('tensors are stacked; nested arrays and objects are collated field by field; strings stay strings', () => {
    const items = [0, 1, 2].map((i) => ({ img: torch.full([2, 3], i), meta: { id: i, name: `n${i}`, pair: [i, torch.tensor([i, -i - 1])] } }));
    const ds = listDataset(items, { meta: { id: 'int64' } });
    const [b] = [...new DataLoader(ds as data.Dataset<unknown>, { batchSize: 3 })] as Record<string, unknown>[];
    const img = b.img as torch.Tensor;
    expect(img.shape).toEqual([3, 2, 3]);
    expect((img.tolist() as number[][][]).map((m) => m[1][2])).toEqual([0, 1, 2]);
    const meta = b.meta as { id: torch.Tensor; name: string[]; pair: [torch.Tensor, torch.Tensor] };
    expect(meta.id.dtype).toBe('int64');
    expect(meta.id.tolist()).toEqual([0, 1, 2]);
    expect(meta.name).toEqual(['n0', 'n1', 'n2']);
    expect(meta.pair[0].dtype).toBe('float64');
    expect(meta.pair[1].tolist()).toEqual([[0, -1], [1, -2], [2, -3]]);
  });

  test('mismatched samples are coded errors naming the field', () => {
    expect(() => data.defaultCollate([torch.zeros([2]), torch.zeros([3])])).toThrow(/samples\[1\]/);
    expect(() => data.defaultCollate([{ a: 1 }, { b: 1 }])).toThrow(/samples\[1\]/);
    expect(() => data.defaultCollate([[1, 2], [1]])).toThrow(/same size/);
    expect(codeOf(() => data.defaultCollate([null]))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(codeOf(() => data.defaultCollate([]))).toBe('ERR_TORCHLET_INVALID_ARG');
  });
});

describe('DataLoader options', () => {
  const ds = new TensorDataset(torch.arange(0, 10, 1, { dtype: 'float32' }), torch.arange(0, 10, 1, { dtype: 'int64' }));

  test('collateFn receives the list of samples and its result is the batch', () => {
    const seen: number[] = [];
    const loader = new DataLoader(ds, {
      batchSize: 4,
      collateFn: (samples) => {
        seen.push(samples.length);
        return (samples as torch.Tensor[][]).map(([x]) => x.item());
      },
    });
    expect([...loader]).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(seen).toEqual([4, 4, 2]);
  });

  test('batchSize null yields the samples; sampler and batchSampler set the order', () => {
    const single = [...new DataLoader(ds, { batchSize: null })] as torch.Tensor[][];
    expect(single.length).toBe(10);
    expect(single[3][1].item()).toBe(3);
    const order = [...new DataLoader(ds, { batchSize: 3, sampler: [9, 8, 7, 1] })].map(([, y]) => y.tolist());
    expect(order).toEqual([[9, 8, 7], [1]]);
    const bs = new data.BatchSampler(new data.SequentialSampler(ds), 4, true);
    const loader = new DataLoader(ds, { batchSampler: bs });
    expect(loader.length).toBe(2);
    expect([...loader].map(([, y]) => y.tolist())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect([...new DataLoader(ds, { batchSampler: [[5, 1], [2]] })].map(([, y]) => y.tolist())).toEqual([[5, 1], [2]]);
  });

  test('a generator makes the shuffle reproducible; without one it draws from torch.manualSeed', () => {
    const epoch = (g: torch.Generator) => [...new DataLoader(ds, { batchSize: 10, shuffle: true, generator: g })][0][1].tolist();
    const a = epoch(new torch.Generator().manualSeed(7));
    expect(epoch(new torch.Generator().manualSeed(7))).toEqual(a);
    expect(epoch(new torch.Generator().manualSeed(8))).not.toEqual(a);
    expect([...(a as number[])].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const g = new torch.Generator().manualSeed(7);
    const loader = new DataLoader(ds, { batchSize: 10, shuffle: true, generator: g });
    const e1 = [...loader][0][1].tolist();
    const e2 = [...loader][0][1].tolist();
    expect(e1).toEqual(a);
    expect(e2).not.toEqual(e1); // a new order each epoch
    const global = () => {
      torch.manualSeed(3);
      return [...new DataLoader(ds, { batchSize: 10, shuffle: true })][0][1].tolist();
    };
    expect(global()).toEqual(global());
  });

  test('unknown, conflicting and unimplemented options are coded errors naming them', () => {
    const make = (o: object) => () => new DataLoader(ds, o as data.DataLoaderOptions);
    expect(make({ batch_size: 2 })).toThrow(/did you mean 'batchSize'.*opts\.batch_size/);
    expect(codeOf(make({ bogus: 1 }))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(make({ shuffle: true, sampler: [0, 1] })).toThrow(/sampler/);
    expect(make({ batchSampler: [[0]], batchSize: 4 })).toThrow(/batchSampler/);
    expect(make({ batchSampler: [[0]], dropLast: true })).toThrow(/batchSampler/);
    expect(make({ pinMemory: true })).toThrow(/pinMemory/);
    expect(make({ collateFn: 3 })).toThrow(/collateFn/);
    expect(make({ prefetchFactor: 2 })).toThrow(/prefetchFactor/);
    expect(make({ persistentWorkers: true })).toThrow(/persistentWorkers/);
    expect(make({ numWorkers: -1 })).toThrow(/numWorkers/);
    expect(make({ numWorkers: 1, workerInitFn: () => 0 })).toThrow(/workerInitFn/);
    // a dataset that cannot be built in a worker: the error says how to make one
    expect(() => new DataLoader(listDataset([1, 2]), { numWorkers: 1 })).toThrow(/workerDataset/);
  });
});

describe('samplers', () => {
  const src = { length: 10 };
  test('SequentialSampler and RandomSampler (permutations, replacement, numSamples, generator)', () => {
    expect([...new data.SequentialSampler(src)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const r = (o: data.RandomSamplerOptions) => [...new data.RandomSampler(src, o)];
    const p = r({ generator: new torch.Generator().manualSeed(1) });
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r({ generator: new torch.Generator().manualSeed(1) })).toEqual(p);
    const long = r({ numSamples: 25, generator: new torch.Generator().manualSeed(2) });
    expect(long.length).toBe(25);
    expect([...long.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // whole permutations first
    expect(new Set(long.slice(20)).size).toBe(5);
    const rep = r({ replacement: true, numSamples: 1000, generator: new torch.Generator().manualSeed(3) });
    expect(rep.length).toBe(1000);
    expect(Math.min(...rep)).toBe(0);
    expect(Math.max(...rep)).toBe(9);
    expect(new Set(rep.slice(0, 20)).size).toBeLessThan(20); // repeats
    expect(new data.RandomSampler(src, { numSamples: 4 }).length).toBe(4);
    expect(() => new data.RandomSampler(src, { numSamples: 0 })).toThrow(/numSamples/);
    expect(() => new data.RandomSampler(src, { generator: 1 as never })).toThrow(/generator/);
  });

  test('SubsetRandomSampler and WeightedRandomSampler', () => {
    const s = [...new data.SubsetRandomSampler([3, 5, 7], { generator: new torch.Generator().manualSeed(4) })];
    expect([...s].sort()).toEqual([3, 5, 7]);
    const w = [...new data.WeightedRandomSampler([0, 1, 3], 4000, { generator: new torch.Generator().manualSeed(5) })];
    expect(w.filter((i) => i === 0).length).toBe(0);
    const ratio = w.filter((i) => i === 2).length / w.filter((i) => i === 1).length;
    expect(ratio).toBeGreaterThan(2.6);
    expect(ratio).toBeLessThan(3.4);
    const nr = [...new data.WeightedRandomSampler(torch.tensor([1, 0, 2, 5]), 3, { replacement: false })];
    expect([...nr].sort()).toEqual([0, 2, 3]);
    expect(() => new data.WeightedRandomSampler([1, 0], 2, { replacement: false })).toThrow(/numSamples/);
    expect(() => new data.WeightedRandomSampler([1, -1], 2)).toThrow(/weights\[1\]/);
  });

  test('BatchSampler', () => {
    expect([...new data.BatchSampler([0, 1, 2, 3, 4], 2, false)]).toEqual([[0, 1], [2, 3], [4]]);
    expect([...new data.BatchSampler([0, 1, 2, 3, 4], 2, true)]).toEqual([[0, 1], [2, 3]]);
    expect(new data.BatchSampler(new data.SequentialSampler(src), 3, false).length).toBe(4);
    expect(() => new data.BatchSampler([0], 0, false)).toThrow(/batchSize/);
  });
});

describe('datasets', () => {
  test('TensorDataset, ConcatDataset, Subset, randomSplit with a generator', () => {
    const a = new TensorDataset(torch.arange(0, 3, 1, { dtype: 'int64' }));
    const b = new TensorDataset(torch.arange(10, 15, 1, { dtype: 'int64' }));
    const c = new data.ConcatDataset([a, b]);
    expect(c.length).toBe(8);
    expect(c.cumulativeSizes).toEqual([3, 8]);
    expect([0, 2, 3, 7].map((i) => c.get(i)[0].item())).toEqual([0, 2, 10, 14]);
    expect(() => c.get(8)).toThrow(/index/);
    const sub = new data.Subset(c, [7, 0]);
    expect(sub.get(0)[0].item()).toBe(14);
    const split = (seed: number) => data.randomSplit(c, [5, 3], { generator: new torch.Generator().manualSeed(seed) }).map((s) => s.indices);
    expect(split(1)).toEqual(split(1));
    expect(split(1)).not.toEqual(split(2));
    expect(new Set(split(1).flat()).size).toBe(8);
    expect(() => data.randomSplit(c, [5, 3], { seed: 1, generator: new torch.Generator() })).toThrow(/seed or generator/);
  });
});

describe('numWorkers > 0', () => {
  const ds = new TensorDataset(torch.randn([23, 3]), torch.arange(0, 23, 1, { dtype: 'int64' }));

  test('worker threads give the batches of in-thread loading, in order (shared TensorDataset)', () => {
    const sampler = [...new data.RandomSampler(ds, { generator: new torch.Generator().manualSeed(9) })];
    const ref = [...new DataLoader(ds, { batchSize: 4, sampler })];
    const got = [...new DataLoader(ds, { batchSize: 4, sampler, numWorkers: 2, prefetchFactor: 3 })];
    expect(got.length).toBe(ref.length);
    got.forEach(([x, y], i) => {
      expect(y.tolist()).toEqual(ref[i][1].tolist());
      expect(Array.from(x.toArray() as Float32Array)).toEqual(Array.from(ref[i][0].toArray() as Float32Array));
    });
    // collateFn runs on the main thread on the samples the workers load
    const sums = [...new DataLoader(ds, { batchSize: 5, numWorkers: 2, collateFn: (s) => (s as torch.Tensor[][]).reduce((a, [, y]) => a + y.item(), 0) })];
    expect(sums).toEqual([10, 35, 60, 85, 63]);
    // batchSize null: collateFn is applied to each sample, as PyTorch's (workers and in-thread alike)
    const label = (s: unknown) => (s as torch.Tensor[])[1].item() * 10;
    expect([...new DataLoader(ds, { batchSize: null, numWorkers: 2, collateFn: label as never })]).toEqual(Array.from({ length: 23 }, (_, i) => i * 10));
    expect([...new DataLoader(ds, { batchSize: null, collateFn: label as never })]).toEqual(Array.from({ length: 23 }, (_, i) => i * 10));
  });

  test('a module-built dataset: order is deterministic whatever the timing; augmentation reproducible under a seed', () => {
    const spec = { module: FIXTURE, export: 'createDataset', args: [30, { jitterMs: 8, noise: true }] };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const local = require(FIXTURE).createDataset(30, { noise: true });
    const run = () => {
      const loader = new DataLoader(local, { batchSize: 4, numWorkers: 3, workerDataset: spec, generator: new torch.Generator().manualSeed(11) });
      return [...loader].map((b) => {
        const { x, y } = b as unknown as { x: torch.Tensor; y: torch.Tensor };
        expect(y.dtype).toBe('int64');
        return { x: Array.from(x.toArray() as Float32Array), y: y.tolist() };
      });
    };
    const a = run();
    expect(a.map((b) => b.y).flat()).toEqual(Array.from({ length: 30 }, (_, i) => i));
    a.flatMap((b) => b.x).forEach((v, k) => {
      const i = Math.floor(k / 2) + (k % 2) * 0.5;
      expect(v).toBeGreaterThanOrEqual(i);
      expect(v).toBeLessThan(i + 1);
    });
    expect(run()).toEqual(a); // same seed, same noise, whatever order the workers finished in
  });

  test("a worker's error is re-thrown in the loop with the sample index; persistent workers serve several epochs", () => {
    const spec = { module: FIXTURE, args: [12, { failAt: 6 }] };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const local = require(FIXTURE).createDataset(12);
    const loader = new DataLoader(local, { batchSize: 4, numWorkers: 2, workerDataset: spec });
    const seen: number[][] = [];
    let err: { code?: string; message?: string; sampleIndex?: number } = {};
    try {
      for (const b of loader) seen.push(((b as unknown as { y: torch.Tensor }).y.tolist() as number[]));
    } catch (e) {
      err = e as typeof err;
    }
    expect(seen).toEqual([[0, 1, 2, 3]]);
    expect(err.code).toBe('ERR_TORCHLET_DATA_WORKER');
    expect(err.message).toMatch(/batch 1 at sample index 6: sample 6 is broken/);
    expect(err.sampleIndex).toBe(6);
    const bad = new DataLoader(local, { batchSize: 4, numWorkers: 1, workerDataset: { module: FIXTURE, export: 'nope' } });
    expect(() => [...bad]).toThrow(/nope/);

    const dies = new DataLoader(local, { batchSize: 4, numWorkers: 2, workerDataset: { module: FIXTURE, args: [12, { exitAt: 5 }] } });
    expect(() => [...dies]).toThrow(/worker 1 exited unexpectedly while batch 1 was due/);

    const persistent = new DataLoader(ds, { batchSize: 8, numWorkers: 2, persistentWorkers: true });
    for (let e = 0; e < 3; e++) expect([...persistent].map(([, y]) => y.shape[0])).toEqual([8, 8, 7]);
    persistent.shutdown();
  });

  test('an ImageDataset with an augmentation pipeline is rebuilt in the workers (shared pixels, transform spec)', () => {
    const T = data.transforms;
    const px = Uint8Array.from({ length: 10 * 8 * 8 }, (_, i) => (i * 7) % 256);
    const ds = new data.ImageDataset(px, Uint8Array.from({ length: 10 }, (_, i) => i), [8, 8],
      new T.Compose([new T.RandomCrop(8, { padding: 2 }), new T.RandomHorizontalFlip(), new T.ToTensor(), new T.Normalize([0.5], [0.5])]));
    const run = () => [...new DataLoader(ds, { batchSize: 3, numWorkers: 2, generator: new torch.Generator().manualSeed(4) })];
    const a = run();
    expect(a.map(([x]) => x.shape)).toEqual([[3, 1, 8, 8], [3, 1, 8, 8], [3, 1, 8, 8], [1, 1, 8, 8]]);
    expect(a.flatMap(([, y]) => y.tolist())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(run().map(([x]) => Array.from(x.toArray() as Float32Array))).toEqual(a.map(([x]) => Array.from(x.toArray() as Float32Array)));
    // a plain function as transform cannot cross to a worker: the error says what to do
    const fnDs = new data.ImageDataset(px, Uint8Array.from({ length: 10 }, (_, i) => i), [8, 8], ((x: torch.Tensor) => x) as data.ImageTransform);
    expect(() => new DataLoader(fnDs, { numWorkers: 1 })).toThrow(/workerDataset/);
  });

  test('a script that iterates a worker loader (and breaks out of a persistent one) exits by itself', () => {
    const r = runChild(
      `
      const torch = require(${TORCH});
      const ds = new torch.data.TensorDataset(torch.randn([50, 4]), torch.zeros([50], { dtype: 'int64' }));
      let n = 0;
      for (const [x] of new torch.data.DataLoader(ds, { batchSize: 5, numWorkers: 2 })) n += x.shape[0];
      const p = new torch.data.DataLoader(ds, { batchSize: 5, numWorkers: 2, persistentWorkers: true });
      for (const [x] of p) { n += x.shape[0]; break; }
      for (const [x] of p) n += x.shape[0];
      console.log(JSON.stringify({ n }));
      `,
      { timeoutMs: 60000 },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('{"n":105}');
    expect(describeChild(r)).not.toMatch(/Error/);
  });
});
