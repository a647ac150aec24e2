// Every error torchlet throws is a TorchletError with a code. This test enumerates the public API
// (test/api_surface.ts, shared with strict_arity.test.ts and the fuzzer) —
// every function exported from `torch`, `torch.F` (= `torch.nn.functional`), `torch.nn.init`,
// `torch.cuda`, `torch.autograd`, `torch.data` and `torch.models`; every class constructor of `torch.nn`,
// `torch.optim`, `torch.data` and `torch.models`; the methods of a small Tensor (live and
// disposed), of an nn.Module, an optimizer, a dataset and a data loader — and calls each with bad
// inputs: no arguments, undefined, null, NaN, Infinity, a string, a negative number, a fraction,
// an empty array, an object with a bogus key, a disposed tensor, an int64 tensor, a tensor of the
// wrong shape, a symbol, a BigInt, a boolean; alone, in every position, after and between plausible
// arguments. The forward() of every nn module class is swept the same way. Whatever is thrown
// (or rejected, for async functions) must be `instanceof TorchletError` with a code matching
// /^ERR_TORCHLET_[A-Z_]+$/; returning normally is fine. A plain TypeError from JS itself ("Cannot
// read properties of undefined") is a failure: the argument needs a check.
//
// Calls left out, each because it has a side effect that bad inputs cannot exercise safely:
//  - torch.save and torch.saveAsync with a string in the path position: a valid dict would be written to that path in
//    the working directory (every other bad value is passed for the path).
//  - torch.data.FashionMNIST.create with undefined, no arguments or any object as options: with the
//    files missing it downloads Fashion-MNIST (about 30 MB) from the network. It is called with the
//    non-object bad values, and with one bad option at a time on top of {download: false, root: <an
//    empty temporary directory>, baseUrl: <a closed local port>} (so a missing check cannot reach the
//    network either).
//  - torch.models.alexnet / vgg16 / googlenet / resnet18 / torchvisionResnet18 (and the other torchvision*) with arguments that mean "the defaults"
//    (none, undefined, an object without the fields, a tensor): they build full-size networks
//    (6M to 138M parameters, up to seconds and hundreds of MB each); they are called with the other
//    bad values and with {inChannels: bad} / {numClasses: bad}.
//  - torch.setNumThreads: called like the rest, then the thread count is restored (and
//    torch.autograd.setDetectAnomaly's mode, after every function).
import * as torch from '../../lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchletError } from '../../lib/errors';

import { publicFunctions, publicClasses, publicInstances, methodsOf, type Fn } from '../api_surface';

const CODE_RE = /^ERR_TORCHLET_[A-Z_]+$/;

/** The bad values, as factories (a disposed tensor must be fresh each time). */
const BAD: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ["'bogus'", () => 'bogus'],
  ['-1', () => -1],
  ['1.5', () => 1.5],
  ['[]', () => []],
  ['{bogus: 1}', () => ({ bogus: 1 })],
  ['a disposed tensor', () => {
    const t = torch.zeros([2, 3]);
    t.dispose();
    return t;
  }],
  ['an int64 tensor', () => torch.zeros([2, 3], { dtype: 'int64' })],
  ['a 1-element float64 tensor', () => torch.zeros([1], { dtype: 'float64' })],
  ['a symbol', () => Symbol('bad')],
  ['10n', () => BigInt(10)],
  ['true', () => true],
];

/** Plausible leading arguments, so that later positions are reached too. */
const leaf = () => torch.zeros([2], { requiresGrad: true });
const GOOD: [string, () => unknown][] = [
  ['2', () => 2],
  ['a [2, 3] tensor', () => torch.randn([2, 3])],
  ['a [1, 1, 4, 4] tensor', () => torch.randn([1, 1, 4, 4])],
  ['[param]', () => [leaf()]],
];

interface Call {
  label: string;
  args: () => unknown[];
}

/**
 * The argument lists tried for a function: none; each bad value alone and in all four positions;
 * after 1-3 good arguments; and before good ones (at position 0 or 1 of three arguments).
 */
function calls(opts: { skip?: (args: unknown[]) => boolean } = {}): Call[] {
  const out: Call[] = [{ label: '()', args: () => [] }];
  for (const [bn, bad] of BAD) {
    out.push({ label: `(${bn})`, args: () => [bad()] });
    out.push({ label: `(${bn} x4)`, args: () => [bad(), bad(), bad(), bad()] });
    for (const [gn, good] of GOOD) {
      for (let k = 1; k <= 3; k++)
        out.push({ label: `(${Array(k).fill(gn).join(', ')}, ${bn})`, args: () => [...Array.from({ length: k }, good), bad()] });
      for (let j = 0; j < 2; j++) {
        const names = [gn, gn, gn];
        names[j] = bn;
        out.push({ label: `(${names.join(', ')})`, args: () => [0, 1, 2].map((p) => (p === j ? bad() : good())) });
      }
    }
  }
  if (!opts.skip) return out;
  return out.filter((c) => !opts.skip!(c.args()));
}

function describeThrown(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}${(e as { code?: unknown }).code ? ` [${String((e as { code?: unknown }).code)}]` : ''}: ${e.message.split('\n')[0]}`;
  return `a thrown ${typeof e}: ${String(e)}`;
}

/** Why `e` is not an acceptable error (null when it is). */
function problem(e: unknown): string | null {
  if (!(e instanceof TorchletError)) return `not a TorchletError: ${describeThrown(e)}`;
  const code = (e as TorchletError).code;
  if (typeof code !== 'string' || !CODE_RE.test(code)) return `bad code ${String(code)}: ${describeThrown(e)}`;
  if (!/^torchlet: /.test(e.message)) return `message without "torchlet: ": ${describeThrown(e)}`;
  return null;
}

/** Runs each call (awaiting promises) and returns the calls whose errors are not TorchletErrors. */
async function sweep(name: string, invoke: (args: unknown[]) => unknown, list: Call[]): Promise<string[]> {
  const failures = new Map<string, string>(); // problem -> first call that showed it
  for (const c of list) {
    let err: unknown = undefined;
    let threw = false;
    try {
      // tidy: the tensors a call makes (its result too) are freed at once, not left to the GC
      let r: unknown;
      torch.tidy(() => {
        r = invoke(c.args());
      });
      if (r instanceof Promise) await r;
    } catch (e) {
      threw = true;
      err = e;
    }
    if (!threw) continue;
    const p = problem(err);
    if (p && !failures.has(p)) failures.set(p, `${name}${c.label}: ${p}`);
  }
  return [...failures.values()];
}

// ---- the selftest: the sweep must be able to fail --------------------------------------------------
test('the sweep reports a plain TypeError (this test can fail)', async () => {
  const broken = (x: unknown) => (x as { a: { b: number } }).a.b;
  const f = await sweep('broken', (a) => broken(a[0]), calls());
  expect(f.length).toBeGreaterThan(0);
  expect(f[0]).toMatch(/not a TorchletError: TypeError/);
  const fine = await sweep('fine', () => torch.zeros([-1]), calls());
  expect(fine).toEqual([]);
  const wrongCode = await sweep('wrongCode', () => {
    throw Object.assign(new TorchletError('torchlet: x', 'ERR_TORCHLET_IO'), { code: 'EIO' });
  }, calls().slice(0, 1));
  expect(wrongCode[0]).toMatch(/bad code EIO/);
  const rejects = await sweep('rejects', async () => {
    throw new Error('torchlet: plain');
  }, calls().slice(0, 1));
  expect(rejects[0]).toMatch(/not a TorchletError: Error: torchlet: plain/);
});

// ---- functions ---------------------------------------------------------------------------------------
const NAMESPACE_FUNCTIONS: [string, Fn][] = publicFunctions(torch);

test('the enumeration finds the API (a sanity check of the lists below)', () => {
  const names = NAMESPACE_FUNCTIONS.map(([n]) => n);
  for (const n of ['torch.tensor', 'torch.zeros', 'torch.add', 'torch.save', 'torch.F.conv2d', 'torch.nn.init.kaimingUniform_',
    'torch.data.readIdx', 'torch.data.downloadFile', 'torch.models.resnet18', 'torch.setNumThreads', 'torch.autograd.grad'])
    expect(names).toContain(n);
  expect(torch.F).toBe(torch.nn.functional);
  expect(NAMESPACE_FUNCTIONS.length).toBeGreaterThan(100);
});

const HEAVY_MODELS = new Set([
  'torch.models.alexnet', 'torch.models.vgg16', 'torch.models.googlenet', 'torch.models.resnet18', 'torch.models.torchvisionResnet18',
  ...['torchvisionResnet34', 'torchvisionResnet50', 'torchvisionResnet101', 'torchvisionResnet152', 'torchvisionResnext50_32x4d', 'torchvisionResnext101_32x8d', 'torchvisionResnext101_64x4d', 'torchvisionWideResnet50_2', 'torchvisionWideResnet101_2', 'torchvisionMobilenetV2', 'torchvisionVgg11', 'torchvisionVgg11Bn', 'torchvisionVgg13', 'torchvisionVgg13Bn', 'torchvisionVgg16', 'torchvisionVgg16Bn', 'torchvisionVgg19', 'torchvisionVgg19Bn'].map((n) => `torch.models.${n}`),
]);
/** Arguments that make a model factory build its default (full-size) network. */
function meansDefaults(args: unknown[]): boolean {
  const a = args[0];
  if (a === undefined) return true;
  if (typeof a !== 'object' || a === null) return false;
  const o = a as Record<string, unknown>;
  return o.inChannels === undefined && o.numClasses === undefined;
}

describe('functions', () => {
  test.each(NAMESPACE_FUNCTIONS.map(([n, f]) => [n, f] as [string, Fn]))('%s', async (name, f) => {
    let list = calls();
    if (name === 'torch.save' || name === 'torch.saveAsync') list = calls({ skip: (a) => typeof a[1] === 'string' });
    if (HEAVY_MODELS.has(name)) {
      list = calls({ skip: meansDefaults });
      for (const [bn, bad] of BAD)
        for (const key of ['inChannels', 'numClasses'])
          if (bn !== 'undefined') list.push({ label: `({${key}: ${bn}})`, args: () => [{ [key]: bad() }] });
    }
    const threads = torch.getNumThreads();
    try {
      expect(await sweep(name, (a) => f(...a), list)).toEqual([]);
    } finally {
      torch.setNumThreads(threads);
      torch.autograd.setDetectAnomaly(false); // setDetectAnomaly(true) is a valid call
    }
  });
});

// ---- constructors ------------------------------------------------------------------------------------
const CONSTRUCTORS = publicClasses(torch);

describe('constructors', () => {
  test('the enumeration finds the classes', () => {
    const names = CONSTRUCTORS.map(([n]) => n);
    for (const n of ['torch.Tensor', 'torch.nn.Linear', 'torch.nn.Conv2d', 'torch.nn.MultiheadAttention', 'torch.optim.Adam',
      'torch.optim.SGD', 'torch.data.DataLoader', 'torch.data.FashionMNIST', 'torch.models.FashionCNN'])
      expect(names).toContain(n);
  });

  test.each(CONSTRUCTORS)('new %s', async (name, C) => {
    expect(await sweep(`new ${name}`, (a) => new C(...a), calls())).toEqual([]);
  });

  test('torch.data.FashionMNIST.create (never with options that could download)', async () => {
    const list: Call[] = [];
    for (const [bn, bad] of BAD) {
      const v = bad();
      if (v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v))) continue;
      list.push({ label: `(${bn})`, args: () => [bad()] });
    }
    // With a bad `download` value (or anything else), nothing may be fetched: the root is an empty
    // temporary directory and the base URL a closed local port, so even a missing check cannot
    // reach the network.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-api-'));
    const safe = { root, baseUrl: 'http://127.0.0.1:9/', timeoutMs: 2000 };
    for (const [bn, bad] of BAD)
      for (const key of ['root', 'train', 'download', 'baseUrl', 'verifyMd5', 'timeoutMs'])
        if (bn !== 'undefined')
          list.push({ label: `({${key}: ${bn}})`, args: () => [{ ...safe, download: false, [key]: bad() }] });
    const create = torch.data.FashionMNIST.create as unknown as Fn;
    try {
      expect(await sweep('torch.data.FashionMNIST.create', (a) => create(...a), list)).toEqual([]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

// ---- methods -----------------------------------------------------------------------------------------
const small = () => torch.randn([2, 3]);
const disposed = () => {
  const t = torch.randn([2, 3]);
  t.dispose();
  return t;
};
const TENSOR_METHODS = methodsOf(small());

describe('Tensor methods', () => {
  test('the enumeration finds them', () => {
    for (const m of ['add', 'view', 'backward', 'toArray', 'copy_', 'to', 'max', 'item']) expect(TENSOR_METHODS).toContain(m);
  });
  test.each(TENSOR_METHODS)('t.%s(bad)', async (m) => {
    const invoke = (a: unknown[]) => {
      const t = small() as unknown as Record<string, Fn>;
      return t[m](...a);
    };
    expect(await sweep(`t.${m}`, invoke, calls())).toEqual([]);
  });
  test.each(TENSOR_METHODS)('disposed.%s(...)', async (m) => {
    const list: Call[] = [
      { label: '()', args: () => [] },
      { label: '(0)', args: () => [0] },
      { label: '(1, 1)', args: () => [1, 1] },
      { label: '(a tensor)', args: () => [small()] },
      { label: "('float64')", args: () => ['float64'] },
    ];
    const invoke = (a: unknown[]) => {
      const t = disposed() as unknown as Record<string, Fn>;
      return t[m](...a);
    };
    expect(await sweep(`disposed.${m}`, invoke, list)).toEqual([]);
  });
});

// ---- forward of every nn module class -----------------------------------------------------------------
/** The first of these argument lists that constructs the class (2 channels/features/sizes where asked). */
type Ctor = new (...args: unknown[]) => unknown;
const CTOR_ARGS: unknown[][] = [[], [2], [2, 2], [2, 2, 2], [[new torch.nn.Linear(2, 2)]], [new torch.nn.Linear(2, 2)],
  [new torch.nn.TransformerEncoderLayer(2, 2, { dimFeedforward: 4 }), 1], [1, [2, 1]], // nn.TransformerEncoder(encoderLayer, numLayers); nn.Unflatten(dim, sizes)
  [new torch.nn.TransformerDecoderLayer(2, 2, { dimFeedforward: 4 }), 1]]; // nn.TransformerDecoder(decoderLayer, numLayers)
function construct(C: Ctor): object | null {
  for (const a of CTOR_ARGS) {
    try {
      return new C(...a) as object;
    } catch {
      /* try the next */
    }
  }
  return null;
}
const MODULE_CLASSES = CONSTRUCTORS.filter(([n, C]) => n.startsWith('torch.nn.') && C.prototype instanceof torch.nn.Module);

describe('forward of the nn modules', () => {
  test('each module class is constructed by one of the argument lists', () => {
    const missing = MODULE_CLASSES.filter(([, C]) => construct(C) === null).map(([n]) => n);
    expect(missing).toEqual([]);
  });
  test.each(MODULE_CLASSES)('%s.forward(bad)', async (name, C) => {
    const m = construct(C) as { forward: Fn };
    expect(await sweep(`${name}.forward`, (a) => m.forward(...a), calls())).toEqual([]);
  });
});

/** Instances whose methods are swept: a fresh one per call. */
const INSTANCES: [string, () => object][] = publicInstances(torch);
// The Fashion-MNIST test split where it is installed (shared: get() has no side effect; loading it per call would be slow).
const fashion = (() => {
  try {
    return new torch.data.FashionMNIST({ train: false });
  } catch {
    return null;
  }
})();
if (fashion) INSTANCES.push(['data.FashionMNIST (test split)', () => fashion]);
const INSTANCE_METHODS: [string, () => object, string][] = INSTANCES.flatMap(([n, make]) =>
  methodsOf(make()).map((m) => [n, make, m] as [string, () => object, string]));

describe('methods of modules, optimizers, datasets and loaders', () => {
  test.each(INSTANCE_METHODS)('%s: .%s(bad)', async (n, make, m) => {
    const invoke = (a: unknown[]) => {
      const o = make() as Record<string, Fn>;
      const r = o[m](...a);
      // an iterator (DataLoader) does its work when iterated
      if (r && typeof r === 'object' && typeof (r as Iterator<unknown>).next === 'function' && !(r instanceof Promise)) (r as Iterator<unknown>).next();
      return r;
    };
    expect(await sweep(`${n}.${m}`, invoke, calls())).toEqual([]);
  });
});
