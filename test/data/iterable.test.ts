// test/data/iterable.test.ts — iterable-style datasets in DataLoader (lib/data/iterable.ts): the
// batches of PyTorch 1.13's DataLoader for the same datasets and settings (test/fixtures/iterable.json,
// from gen_iterable_fixtures.py: 0 to 3 workers, batch sizes, dropLast, len(loader)), sync and async
// datasets, for...of and for await, ChainDataset, getWorkerInfo / workerInitFn in workers (and
// getWorkerInfo for map-style datasets), the refused options, errors thrown by a dataset's iterator
// (in the main thread and in a worker: the loop rejects, the workers end) and early exits.
// Worker loaders are few and persistent (one fixture case per epoch) to keep the suite fast.
import * as path from 'path';
import * as torch from '../../lib';
import { data } from '../../lib';
import { RangeStream, Scripted, InfoStream, createStream, type Case } from './fixtures/iterable_datasets';
import FIX from '../fixtures/iterable.json';
import { runChild, describeChild, TORCH } from '../child';

const { DataLoader, ChainDataset } = data;
const FIXTURE = path.join(__dirname, 'fixtures', 'iterable_datasets.ts');

interface FixCase {
  dataset: Case['kind'];
  args: number[];
  numWorkers: number;
  batchSize: number | null;
  dropLast: boolean;
  batches: unknown[];
  length: number | null;
}
const CASES = FIX.cases as FixCase[];
function expected(kind: string, args: number[], numWorkers: number, batchSize: number | null, dropLast: boolean): FixCase {
  const c = CASES.find((f) => f.dataset === kind && f.args.join() === args.join() && f.numWorkers === numWorkers && f.batchSize === batchSize && f.dropLast === dropLast);
  if (!c) throw new Error(`no fixture for ${kind} ${args} ${numWorkers} ${batchSize} ${dropLast}`);
  return c;
}
/** A batch as the fixture writes it: int64 tensors as lists, samples as they are. */
function plain(b: unknown): unknown {
  if (b instanceof torch.Tensor) {
    expect(b.dtype).toBe('int64');
    return b.tolist();
  }
  return b;
}
function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}
async function collect<T>(it: AsyncIterable<T>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const b of it) out.push(plain(b));
  return out;
}
type Loader = { pool: { workers: { threadId: number }[] } | null };
/** The worker threads of a loader's running epoch (internal). */
const workersOf = (l: unknown) => (l as Loader).pool?.workers.slice() ?? [];
async function allExited(ws: { threadId: number }[]): Promise<boolean> {
  for (let k = 0; k < 200 && ws.some((w) => w.threadId !== -1); k++) await new Promise((r) => setTimeout(r, 10));
  return ws.every((w) => w.threadId === -1);
}
const ds = (c: Case) => createStream(c) as unknown as data.IterableDatasetLike<number>;

describe('in the main thread (numWorkers 0)', () => {
  const main = CASES.filter((c) => c.numWorkers === 0);
  test("every fixture case: PyTorch's batches and len(loader), sync (for...of and for await) and async datasets", async () => {
    expect(main.length).toBe(45);
    for (const c of main) {
      const opts = { batchSize: c.batchSize, dropLast: c.dropLast };
      const loader = new DataLoader(ds({ kind: c.dataset, args: c.args }), opts);
      expect([[...loader].map(plain), loader.length]).toEqual([c.batches, c.length ?? NaN]);
      expect(await collect(loader)).toEqual(c.batches);
      const asyncOnly = new DataLoader(ds({ kind: c.dataset, args: c.args, async: true }), opts);
      expect(await collect(asyncOnly)).toEqual(c.batches);
      expect(asyncOnly.length).toEqual(c.length ?? NaN);
    }
  });

  test('an async-only dataset in a for...of loop without workers: a coded error saying to use for await', () => {
    const loader = new DataLoader(ds({ kind: 'strided', args: [0, 4], async: true }), { batchSize: 2 });
    expect(() => [...loader]).toThrow(/for await/);
    expect(codeOf(() => [...loader])).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
  });

  test('plain iterables and generators are iterable-style datasets; collateFn gets the samples (a single sample when batchSize is null)', async () => {
    const gen = { *[Symbol.iterator]() { yield* [{ a: 1, s: 'x' }, { a: 2, s: 'y' }, { a: 3, s: 'z' }]; } };
    const [b0, b1] = [...new DataLoader(gen, { batchSize: 2 })] as unknown as { a: torch.Tensor; s: string[] }[];
    expect([b0.a.dtype, b0.a.tolist(), b0.s, b1.s]).toEqual(['float64', [1, 2], ['x', 'y'], ['z']]); // numbers without dtypes: float64, as Python floats
    const stream = { async *[Symbol.asyncIterator]() { for (let i = 0; i < 5; i++) yield i; } };
    const sums = await collect(new DataLoader(stream, { batchSize: 2, collateFn: (s) => (s as number[]).reduce((a, b) => a + b, 0) }));
    expect(sums).toEqual([1, 5, 4]);
    expect(await collect(new DataLoader(stream, { batchSize: null, collateFn: (s) => `<${s}>` }))).toEqual(['<0>', '<1>', '<2>', '<3>', '<4>']);
    expect(new DataLoader(stream).length).toBeNaN(); // no length: unknown (PyTorch raises TypeError in len())
  });
});

describe('numWorkers > 0', () => {
  const kinds: Case[] = [
    { kind: 'contiguous', args: [0, 10] },
    { kind: 'strided', args: [3, 14], async: true },
    { kind: 'uneven', args: [5, 1, 7] },
    { kind: 'uneven', args: [0, 4], async: true },
  ];
  test.each([
    [2, 3, false, 'for...of'],
    [3, 3, true, 'for await'],
    [2, null, false, 'for...of'],
    [1, 4, false, 'for await'],
  ] as const)("%i workers, batchSize %s, dropLast %s (%s): PyTorch's round robin, exhausted workers dropped", async (nw, bs, dl, how) => {
    const loader = new DataLoader(new Scripted(kinds), { numWorkers: nw, batchSize: bs, dropLast: dl, persistentWorkers: true, prefetchFactor: 1 });
    try {
      for (const c of kinds) {
        const got = how === 'for await' ? await collect(loader) : [...loader].map(plain);
        expect([c.kind, c.args, got]).toEqual([c.kind, c.args, expected(c.kind, c.args, nw, bs, dl).batches]);
      }
    } finally {
      loader.shutdown();
    }
  });

  test('ChainDataset: the parts one after the other, its length their sum, rebuilt in a worker from their specs', async () => {
    const part = (c: Case) => new RangeStream(c) as unknown as data.IterableDatasetLike<number>;
    const chain = new ChainDataset([part({ kind: 'contiguous', args: [0, 3] }), part({ kind: 'strided', args: [10, 15] })]);
    expect(chain.length).toBeNaN(); // strided has no length
    expect(new ChainDataset([part({ kind: 'contiguous', args: [0, 3] }), part({ kind: 'contiguous', args: [5, 9] })]).length).toBe(7);
    const loader = new DataLoader(chain, { batchSize: 3, numWorkers: 1 });
    expect([...loader].map(plain)).toEqual(expected('chain', [], 1, 3, false).batches);
    // async parts chain too (for await); a for...of over them says to use for await
    const mixed = new ChainDataset([part({ kind: 'contiguous', args: [0, 3], async: true }), part({ kind: 'strided', args: [10, 15] })]);
    expect(await collect(new DataLoader(mixed, { batchSize: 3 }))).toEqual(expected('chain', [], 0, 3, false).batches);
    expect(() => [...mixed]).toThrow(/for await/);
    // PyTorch's `a + b`
    expect([...(part({ kind: 'strided', args: [0, 2] }) as unknown as data.IterableDataset<number>).concat(part({ kind: 'strided', args: [7, 8] }))]).toEqual([0, 1, 7]);
    expect(codeOf(() => new ChainDataset([new data.TensorDataset(torch.zeros([2])) as never]))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(() => new ChainDataset([new data.TensorDataset(torch.zeros([2])) as never])).toThrow(/iterable-style.*for datasets\[0\]/);
    expect(() => new ChainDataset(5 as never)).toThrow(/datasets/);
  });

  test('getWorkerInfo: null in the main thread; {id, numWorkers, seed, dataset} in each worker, for workerInitFn too; map-style datasets see it', async () => {
    expect(data.getWorkerInfo()).toBeNull();
    const opts = { batchSize: null, numWorkers: 2, workerInitFn: { module: FIXTURE, export: 'initWorker', args: ['t'] }, generator: new torch.Generator().manualSeed(5) };
    const got = [...new DataLoader(new InfoStream(), opts)] as unknown as { info: { id: number; numWorkers: number; seed: number; same: boolean }; init: unknown }[];
    expect(got.map((g) => [g.info.id, g.info.numWorkers, g.info.same])).toEqual([[0, 2, true], [1, 2, true]]);
    expect(got[1].info.seed - got[0].info.seed).toBe(1); // the loader's base seed + id
    expect(got.map((g) => g.init)).toEqual([0, 1].map((w) => ({ workerId: w, tag: 't', id: w, hasDataset: true })));
    const local = { length: 6, get: (i: number) => [i, -1, -1] };
    // (a map-style loader in for await: the same batches, awaited without blocking)
    const who: torch.Tensor[][] = [];
    for await (const b of new DataLoader(local, { batchSize: 2, numWorkers: 2, workerDataset: { module: FIXTURE, export: 'createWhoLoads', args: [6] } })) who.push(b as unknown as torch.Tensor[]);
    expect(who.map(([i, id, nw]) => [i.tolist(), id.tolist(), nw.tolist()])).toEqual([[[0, 1], [0, 0], [2, 2]], [[2, 3], [1, 1], [2, 2]], [[4, 5], [0, 0], [2, 2]]]);
  });
});

describe('refusals', () => {
  test("sampler, shuffle and batchSampler are refused with PyTorch's reasons (and seed); workers need a workerSpec", () => {
    const s = ds({ kind: 'strided', args: [0, 4] });
    const make = (o: object) => () => new DataLoader(s, o as data.DataLoaderOptions);
    for (const [key, opts] of [['shuffle', { shuffle: true }], ['sampler', { sampler: [0, 1] }], ['batchSampler', { batchSampler: [[0]] }], ['seed', { seed: 1 }]] as const) {
      if (key !== 'seed') expect(FIX.refusals[key]).toMatch(/DataLoader with IterableDataset: expected unspecified/);
      expect(make(opts)).toThrow(new RegExp(`unspecified with an iterable-style dataset.* for ${key} but`));
      expect(codeOf(make(opts))).toBe('ERR_TORCHLET_INVALID_ARG');
    }
    expect(make({ shuffle: false, batchSize: 2 })().length).toBeNaN();
    const gen = { *[Symbol.iterator]() { yield 1; } };
    expect(() => new DataLoader(gen, { numWorkers: 2 })).toThrow(/workerSpec\(\).*getWorkerInfo.*workerDataset/);
    expect(codeOf(() => new DataLoader(gen, { numWorkers: 2 }))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(codeOf(() => new DataLoader(new data.IterableDataset() as never))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE'); // no iterator
    expect(codeOf(() => new DataLoader([1, 2, 3] as never))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE'); // arrays stay refused
    expect(() => data.getWorkerInfo(1 as never)).toThrow(/getWorkerInfo/);
  });
});

describe('errors and early exits', () => {
  test("an error thrown by the dataset's iterator: the loop throws it (main thread) or rejects with it (worker), and the workers end", async () => {
    const failing = (async_: boolean) => ds({ kind: 'strided', args: [0, 12], failAt: 7, async: async_ });
    const seen: unknown[] = [];
    expect(() => {
      for (const b of new DataLoader(failing(false), { batchSize: 3 })) seen.push(plain(b));
    }).toThrow(expect.objectContaining({ code: 'E_BROKEN', message: 'item 7 is broken' }));
    expect(seen).toEqual([[0, 1, 2], [3, 4, 5]]);
    await expect(collect(new DataLoader(failing(true), { batchSize: 3 }))).rejects.toMatchObject({ code: 'E_BROKEN' });

    // workers: w0 streams 0, 2, 4, ..., w1 1, 3, 5, 7 (broken)
    const loader = new DataLoader(failing(true), { batchSize: 2, numWorkers: 2 });
    const got: unknown[] = [];
    let workers: { threadId: number }[] = [];
    let err: { code?: string; message?: string; workerCode?: string; workerId?: number } = {};
    try {
      for await (const b of loader) {
        workers = workersOf(loader);
        got.push(plain(b));
      }
    } catch (e) {
      err = e as typeof err;
    }
    expect(got).toEqual([[0, 2], [1, 3], [4, 6]]);
    expect(err.code).toBe('ERR_TORCHLET_DATA_WORKER');
    expect(err.message).toMatch(/worker 1 failed on batch 3: item 7 is broken/);
    expect([err.workerId, err.workerCode]).toEqual([1, 'E_BROKEN']);
    expect(workers.length).toBe(2);
    expect(await allExited(workers)).toBe(true);
    // the same in a for...of loop (the worker's stream is async, the loop waits synchronously): one worker, all of it
    expect(() => [...new DataLoader(failing(true), { batchSize: 2, numWorkers: 1 })]).toThrow(/worker 0 failed on batch 3: item 7 is broken/);
  });

  test("breaking out of the loop ends the workers, and a main-thread stream's iterator", async () => {
    const loader = new DataLoader(ds({ kind: 'strided', args: [0, 1000] }), { batchSize: 2, numWorkers: 2 });
    let workers: { threadId: number }[] = [];
    for await (const b of loader) {
      workers = workersOf(loader);
      expect(plain(b)).toEqual([0, 2]);
      break;
    }
    expect(workers.length).toBe(2);
    expect(await allExited(workers)).toBe(true);
    expect((loader as unknown as Loader).pool).toBeNull();

    let closed = 0;
    const traced = {
      *[Symbol.iterator]() {
        try {
          for (let i = 0; ; i++) yield i;
        } finally {
          closed++;
        }
      },
    };
    for (const b of new DataLoader(traced, { batchSize: 4 })) {
      expect((b as unknown as torch.Tensor).tolist()).toEqual([0, 1, 2, 3]);
      break;
    }
    for await (const b of new DataLoader(traced, { batchSize: null })) {
      expect(b).toBe(0);
      break;
    }
    expect(closed).toBe(2);
  });
});

test('a script awaiting slow workers in for await stays alive until the last batch, then exits by itself', () => {
  const r = runChild(
    `
    const torch = require(${TORCH});
    const { createStream } = require(${JSON.stringify(FIXTURE)});
    (async () => {
      const out = [];
      const slow = { kind: 'strided', args: [0, 3], async: true, delayMs: 150 };
      for await (const b of new torch.data.DataLoader(createStream(slow), { numWorkers: 1, batchSize: 2 })) out.push(b.tolist());
      console.log(JSON.stringify(out));
    })();
    `,
    { timeoutMs: 60000 },
  );
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe('[[0,1],[2]]');
  expect(describeChild(r)).not.toMatch(/Error/);
});
