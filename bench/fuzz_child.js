// bench/fuzz_child.js — one worker of the fuzzer (bench/fuzz.js): loads a transpiled copy of lib/
// (FUZZ_LIB) and the API enumeration (FUZZ_SURFACE, test/api_surface.ts transpiled), then runs the
// batches of call indices its parent sends. Call i is a pure function of (seed, i): a target
// (function, constructor or method of the public API) and arguments built from plausible values
// and then mutated (bad types, NaN/Infinity, negative or huge sizes, wrong shapes, dtypes and
// devices, disposed tensors, unknown option keys (camelCase and snake_case), extra positional
// arguments, non-object options). Before each call it reports {type: 'start', i, desc}, after it
// {type: 'result', i, outcome, ...}, so the parent can attribute a crash or a hang to the call that
// was running. Outcomes: ok, coded (a TorchletError with an ERR_TORCHLET_* code), other (any other
// error: a failure), hang (a promise unsettled after FUZZ_ASYNC_MS), silent (an unknown option key,
// a non-finite option value, a non-object options argument or an extra positional argument accepted).
// Runs with cwd = a fresh temporary directory; every path it generates is relative or under that
// directory, and http(s) requests to anything but 127.0.0.1 go to the closed port 127.0.0.1:9.
'use strict';
const http = require('http');
const https = require('https');
const path = require('path');

// ---- no network: patched before lib is loaded (its modules copy these functions at import) ----------
for (const mod of [http, https])
  for (const fn of ['get', 'request']) {
    const orig = mod[fn];
    mod[fn] = function guarded(url, ...rest) {
      let host = null;
      try {
        host = typeof url === 'string' || url instanceof URL ? new URL(url).hostname : url && (url.hostname || url.host);
      } catch {
        host = null;
      }
      if (host === '127.0.0.1') return orig.call(this, url, ...rest);
      return http[fn]('http://127.0.0.1:9/', ...rest.filter((r) => typeof r === 'function'));
    };
  }

const torch = require(process.env.FUZZ_LIB);
const S = require(process.env.FUZZ_SURFACE);
const ASYNC_MS = Number(process.env.FUZZ_ASYNC_MS || 5000);
const CODE_RE = /^ERR_TORCHLET_[A-Z_]+$/;
const OPTIONS_PARAM = /^(opts|options)$/;

// ---- the targets ------------------------------------------------------------------------------------
// Left out: the full-size model factories (6M-138M parameters, seconds and hundreds of MB per call;
// public_api.test.ts calls them with bad option values) and a few whose valid calls block the
// process by design (none at present).
const HEAVY = new Set(['torch.models.alexnet', 'torch.models.vgg16', 'torch.models.googlenet', 'torch.models.resnet18', 'torch.models.torchvisionResnet18']);
const targets = [];
for (const [n, f] of S.publicFunctions(torch)) if (!HEAVY.has(n)) targets.push({ name: n, fn: f, kind: 'fn' });
for (const [n, C] of S.publicClasses(torch)) targets.push({ name: `new ${n}`, fn: C, kind: 'new' });
const tensorProto = torch.Tensor.prototype;
for (const m of S.methodsOf(torch.zeros([1]))) targets.push({ name: `Tensor#${m}`, fn: tensorProto[m], kind: 'tensor', method: m });
for (const [label, make] of S.publicInstances(torch)) {
  const proto = make();
  for (const m of S.methodsOf(proto)) targets.push({ name: `${label}#${m}`, fn: proto[m], kind: 'instance', method: m, make });
}
if (process.env.FUZZ_SELFTEST) {
  // test/fuzz.test.ts's selftest: only three broken stand-ins, which the classifier must catch
  targets.splice(0);
  targets.push(
    { name: 'selftest.ignoresOptions', fn: function ignoresOptions(x, opts) { return [x, opts]; }, kind: 'fn' },
    { name: 'selftest.typeError', fn: function typeError(x) { return x.a.b; }, kind: 'fn' },
    { name: 'selftest.crash', fn: function crash() { process.kill(process.pid, 'SIGSEGV'); }, kind: 'fn' },
  );
}
for (const t of targets) {
  t.params = S.paramList(t.fn) || [];
  t.optIndex = t.params.findIndex((p) => OPTIONS_PARAM.test(p.name));
  t.varargs = t.params.some((p) => p.rest && p.name !== 'rest');
  t.declared = t.params.filter((p) => !p.rest).length;
}

// ---- seeded generator -----------------------------------------------------------------------------------
function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function rngFor(seed, i) {
  let h = (seed * 0x9e3779b1) ^ (i * 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return mulberry32(h ^ (h >>> 13));
}

// Fresh values (tensors are made per call: a call may dispose or modify its arguments).
const T = {
  x: () => torch.randn([2, 3]),
  x4: () => torch.randn([1, 2, 4, 4]),
  x3: () => torch.randn([2, 3, 4]),
  x1: () => torch.randn([3]),
  scalar: () => torch.tensor(1.5),
  f64: () => torch.randn([2, 3], { dtype: 'float64' }),
  i64: () => torch.tensor([0, 1], { dtype: 'int64' }),
  i64m: () => torch.tensor([[0, 1, 0], [1, 0, 1]], { dtype: 'int64' }),
  bool: () => torch.tensor([[1, 0, 1], [0, 1, 0]], { dtype: 'bool' }),
  u8: () => torch.zeros([2, 3], { dtype: 'uint8' }),
  grad: () => torch.randn([2, 3], { requiresGrad: true }),
  leaf: () => torch.zeros([2], { requiresGrad: true }),
  empty: () => torch.zeros([0, 3]),
  wide: () => torch.randn([7]),
  expanded: () => torch.randn([1, 3]).expand([2, 3]),
  nonContig: () => torch.randn([3, 2]).t(),
  disposed: () => {
    const t = torch.randn([2, 3]);
    t.dispose();
    return t;
  },
  nanT: () => torch.tensor([NaN, Infinity, -Infinity]),
};
const pick = (r, arr) => arr[Math.floor(r() * arr.length)];

/** A plausible value for a parameter, from its name. */
function plausible(r, name) {
  const n = name.replace(/^\.\.\./, '');
  if (/^(input|x|a|b|t|other|self|tensor|src|source|values?|query|key|value|target|mean|std|gradient|grad|end|weight|bias|vec|o)$/.test(n))
    return pick(r, [T.x, T.x, T.x4, T.x3, T.x1, T.grad, T.f64])();
  if (/^(dim|dim0|dim1|dim2|d0|d1|startDim|endDim|axis|dimOrOpts|destination)$/.test(n)) return pick(r, [0, 1, -1]);
  if (/^(index|indices)$/.test(n)) return pick(r, [T.i64, T.i64m])();
  if (/^(mask|condition)$/.test(n)) return T.bool();
  if (/^(shape|sizes?|outputSize|normalizedShape|imageShape|inputShape|weightShape|lengths)$/.test(n)) return pick(r, [[2, 3], [3], [2, 2]]);
  if (/^(kernelSize|stride|padding|n|m|k|numSamples|chunks|steps|inChannels|outChannels|numFeatures|inFeatures|outFeatures|numGroups|numChannels|embedDim|numHeads|batchSize|size|length|numClasses|splitSizeOrSections|start|low|high|c\d|planes|inPlanes|width|height)$/.test(n))
    return pick(r, [1, 2, 3]);
  if (/^(p|lr|alpha|gamma|lambd|gain|eps|momentum|offset|diagonal|shifts|min|max|clipValue|maxNorm|base)$/.test(n)) return pick(r, [0.5, 0.1, 1, 2]);
  if (/^(params|parameters)$/.test(n)) return [T.leaf()];
  if (n === 'optimizer') return new torch.optim.SGD([T.leaf()]);
  if (/^(module|model)$/.test(n)) return new torch.nn.Linear(3, 2);
  if (/^(modules|layers)$/.test(n)) return [new torch.nn.Linear(3, 2)];
  if (/^(dataset|dataSource)$/.test(n)) return new torch.data.TensorDataset(torch.randn([4, 3]));
  if (/^(datasets)$/.test(n)) return [new torch.data.TensorDataset(torch.randn([4, 3]))];
  if (/^(tensors)$/.test(n)) return [T.x(), T.x()];
  if (/^(fn|hook|transform|lrLambda|loader|f)$/.test(n)) return (v) => v;
  if (/^(file|path|root|dest|dir)$/.test(n)) return pick(r, ['out.safetensors', path.join(process.cwd(), 'sub', 'f.bin'), 'missing.idx']);
  if (/^(url|baseUrl)$/.test(n)) return 'http://127.0.0.1:9/x';
  if (/^(dtype)$/.test(n)) return pick(r, ['float32', 'float64', 'int64']);
  if (/^(device|dev)$/.test(n)) return pick(r, ['cpu', 'cpu']);
  if (/^(data|buf)$/.test(n)) return pick(r, [new Float32Array(6), Buffer.alloc(16), [[1, 2, 3], [4, 5, 6]]]);
  if (/^(equation)$/.test(n)) return 'ij,jk->ik';
  if (/^(mode)$/.test(n)) return pick(r, ['RGB', 'L', 'fan_in']);
  if (/^(nonlinearity)$/.test(n)) return pick(r, ['relu', 'tanh']);
  if (/^(seed)$/.test(n)) return pick(r, [0, 1, 42]);
  if (/^(flag|keepdim|dropLast|train|replacement)$/.test(n)) return pick(r, [true, false]);
  if (OPTIONS_PARAM.test(n)) return {};
  return pick(r, [T.x, () => 1, () => 0, () => [2, 3], () => ({}), () => 'a'])();
}

/** Plausible values for an option key (for options objects built from the keys a target reports). */
function optionValue(r, key) {
  if (/^(lr|maxLr|baseLr|minLr|etaMin|initialLr)$/.test(key)) return pick(r, [0.1, 0.01]);
  if (/^(momentum|dampening|weightDecay|alpha|rho|lrDecay|p|dropout|labelSmoothing|gamma|factor|threshold|pctStart|beta|scale)$/.test(key)) return pick(r, [0.5, 0.1, 0]);
  if (/^(eps|epsilon)$/.test(key)) return 1e-8;
  if (/^(betas)$/.test(key)) return [0.9, 0.999];
  if (/^(nesterov|amsgrad|maximize|centered|keepdim|descending|stable|bias|affine|trackRunningStats|ceilMode|countIncludePad|returnIndices|training|inplace|accumulate|replacement|asTuple|sorted|returnInverse|returnCounts|download|train|verifyMd5|dropLast|shuffle|batchFirst|elementwiseAffine|requiresGrad|strict|unbiased|retainGraph|createGraph|needWeights|averageAttnWeights|largest|pinMemory|persistentWorkers)$/.test(key))
    return pick(r, [true, false]);
  if (/^(reduction)$/.test(key)) return pick(r, ['mean', 'sum', 'none']);
  if (/^(dtype)$/.test(key)) return pick(r, ['float32', 'float64']);
  if (/^(device)$/.test(key)) return 'cpu';
  if (/^(generator)$/.test(key)) return new torch.Generator();
  if (/^(root)$/.test(key)) return path.join(process.cwd(), 'data');
  if (/^(baseUrl)$/.test(key)) return 'http://127.0.0.1:9/';
  if (/^(timeoutMs)$/.test(key)) return 2000;
  if (/^(stride|padding|dilation|groups|stepSize|TMax|T0|TMult|totalSteps|stepSizeUp|numWorkers|batchSize|patience|cooldown|ignoreIndex|totalIters|startFactor|endFactor|power|epochs|stepsPerEpoch|numParameters|prefetchFactor|maxRedirects|dim|correction|outputSize|divisorOverride)$/.test(key))
    return pick(r, [1, 2]);
  if (/^(milestones)$/.test(key)) return [1, 2];
  if (/^(metadata)$/.test(key)) return { a: 'b' };
  if (/^(mode)$/.test(key)) return undefined;
  return undefined; // unknown: leave it out
}

/** Keys of a target's options object, read from its error for an unknown key ("one of the options a, b, c"). */
const knownKeys = new Map();

/** Bad values for a position (mutation). */
const BAD = [
  () => undefined, () => null, () => NaN, () => Infinity, () => -Infinity, () => -1, () => -(2 ** 31), () => 2 ** 31, () => 2 ** 53,
  () => 1.5, () => 'bogus', () => [], () => ({}), () => Symbol('s'), () => 10n, () => true, () => [-1, 3], () => [2 ** 31, 2 ** 31],
  () => [1e9, 1e9, 1e9], () => [NaN], () => [2.5, 3], T.disposed, T.i64, T.bool, T.u8, T.f64, T.scalar, T.empty, T.wide, T.expanded,
  T.nonContig, T.nanT, () => torch.randn([3, 2, 2, 2, 2]), () => 'cuda', () => 'cuda:1', () => 'tpu', () => () => undefined,
  () => new Proxy({}, {}), () => Object.create(null), () => '__proto__', () => new Float32Array(3), () => Buffer.alloc(3),
];
/** Targets whose options position also takes a number or a boolean, as PyTorch's positional argument. */
const LEGIT_NON_OBJECT = [
  [/^(torch\.F\.|torch\.)(leakyRelu|elu|celu)$|^new torch\.nn\.(LeakyReLU|ELU|CELU)$/, 'number'],
  [/^(torch\.|Tensor#)(std|var|stdMean|varMean)$/, 'boolean'],
  [/^(torch\.|Tensor#)nanToNum_?$/, 'number'],
  // nn.ReLU(True): PyTorch's positional inplace flag (lib/nn/layers.ts InplaceActivation)
  [/^new torch\.nn\.(ReLU|ReLU6|SELU|SiLU|Mish|Hardswish|Hardsigmoid)$/, 'boolean'],
];
const NON_OBJECT_OPTIONS = [() => 5, () => 'opts', () => true, () => [1, 2], () => (v) => v, () => 0];
// Option values for which a non-finite number is legitimate (not a hyperparameter): an infinity
// norm, nanToNum's replacements, clamp-like bounds, and add/sub's alpha, a scalar operand that
// PyTorch takes as it is (torch.add(x, y, alpha=inf) is x + inf * y, as torch.mul(y, inf)).
// infinite values PyTorch takes too (bounds: hardtanh(x, -inf, 1) is a clamp from above)
const FINITE_EXEMPT = new Set(['normType', 'posinf', 'neginf', 'nan', 'value', 'maxNorm', 'min', 'max', 'minVal', 'maxVal', 'clipValue', 'threshold', 'minLr', 'eps']);
const finiteExempt = (target, key) => FINITE_EXEMPT.has(key) || (key === 'alpha' && /^(torch\.|Tensor#)(add|sub)_?$/.test(target));

/** Builds call i: { target, args: (self) => unknown[], desc, flags }. */
function makeCall(seed, i) {
  const r = rngFor(seed, i);
  const t = targets[Math.floor(r() * targets.length)];
  // what each position's value makes a silent accept of (a later mutation of the position replaces it)
  const posFlags = new Map();
  const muts = [];
  const plan = []; // per position: a factory (self) => value
  const nArgs = t.varargs ? t.declared + Math.floor(r() * 3) : Math.max(0, t.declared - (r() < 0.3 ? Math.floor(r() * (t.declared + 1)) : 0));
  for (let p = 0; p < nArgs; p++) {
    const name = (t.params[Math.min(p, t.params.length - 1)] || { name: 'x' }).name;
    const rr = mulberry32(Math.floor(r() * 2 ** 31));
    plan.push(() => plausible(rr, name));
  }
  // options from the keys the target reports
  if (t.optIndex >= 0 && r() < 0.7) {
    while (plan.length < t.optIndex) plan.push(() => undefined);
    const keys = knownKeys.get(t.name) || [];
    const chosen = keys.filter(() => r() < 0.5);
    const rr = mulberry32(Math.floor(r() * 2 ** 31));
    const base = () => {
      const o = {};
      for (const k of chosen) {
        const v = optionValue(rr, k);
        if (v !== undefined) o[k] = v;
      }
      return o;
    };
    plan[t.optIndex] = base;
  }
  // mutations: none for a fifth of the calls (the plausible call itself), else 1 to 3
  const nm = r() < 0.2 ? 0 : 1 + Math.floor(r() * 3);
  for (let m = 0; m < nm; m++) {
    const kind = r();
    if (kind < 0.45 && plan.length > 0) {
      const pos = Math.floor(r() * plan.length);
      const b = Math.floor(r() * BAD.length);
      plan[pos] = BAD[b];
      posFlags.delete(pos);
      muts.push(`arg${pos}=BAD[${b}]`);
    } else if (kind < 0.55) {
      const v = pick(r, [7, 'extra', {}, T.x]);
      const pos = Math.max(plan.length, t.varargs ? plan.length : t.declared);
      while (plan.length < pos) plan.push(() => undefined);
      plan.push(typeof v === 'function' ? v : () => v);
      if (!t.varargs) posFlags.set(plan.length - 1, { extraArg: true });
      muts.push('extra positional');
    } else if (kind < 0.8 && t.optIndex >= 0) {
      while (plan.length <= t.optIndex) plan.push(() => ({}));
      const prev = plan[t.optIndex];
      const key = pick(r, ['zzUnknown', 'weight_decay', 'label_smoothing', 'batch_first', 'collate_fn', 'keep_dim', 'inplace', 'in_place', '__proto__', 'constructor']);
      plan[t.optIndex] = () => {
        const o = prev();
        const base = o && typeof o === 'object' && !Array.isArray(o) ? { ...o } : {};
        Object.defineProperty(base, key, { value: 1, enumerable: true, writable: true, configurable: true });
        return base;
      };
      posFlags.set(t.optIndex, { ...posFlags.get(t.optIndex), nonObjectOptions: undefined, unknownKey: key });
      muts.push(`opts.${key}`);
    } else if (kind < 0.92 && t.optIndex >= 0 && (knownKeys.get(t.name) || []).length) {
      while (plan.length <= t.optIndex) plan.push(() => ({}));
      const prev = plan[t.optIndex];
      const key = pick(r, knownKeys.get(t.name));
      const v = pick(r, [NaN, Infinity, -Infinity, -1, 1e308, 'str', null, [NaN]]);
      plan[t.optIndex] = () => {
        const o = prev();
        return { ...(o && typeof o === 'object' ? o : {}), [key]: v };
      };
      const pf = { ...posFlags.get(t.optIndex), nonObjectOptions: undefined };
      if (pf.nonFiniteKey === key) pf.nonFinite = pf.nonFiniteKey = undefined;
      if (typeof v === 'number' && !Number.isFinite(v) && !finiteExempt(t.name, key)) Object.assign(pf, { nonFinite: `${key}=${v}`, nonFiniteKey: key });
      posFlags.set(t.optIndex, pf);
      muts.push(`opts.${key}=${String(v)}`);
    } else if (t.optIndex >= 0) {
      while (plan.length <= t.optIndex) plan.push(() => undefined);
      const b = Math.floor(r() * NON_OBJECT_OPTIONS.length);
      plan[t.optIndex] = NON_OBJECT_OPTIONS[b];
      // PyTorch's positional forms that stand where the options go: F.elu(x, 0.5), x.std(0, true)
      const legit = LEGIT_NON_OBJECT.some(([re, type]) => re.test(t.name) && typeof NON_OBJECT_OPTIONS[b]() === type);
      posFlags.set(t.optIndex, { nonObjectOptions: legit ? undefined : true });
      muts.push(`opts=NON_OBJECT[${b}]`);
    } else if (plan.length > 0) {
      const pos = Math.floor(r() * plan.length);
      const b = Math.floor(r() * BAD.length);
      plan[pos] = BAD[b];
      posFlags.delete(pos);
      muts.push(`arg${pos}=BAD[${b}]`);
    }
  }
  const flags = {};
  for (const f of posFlags.values()) for (const [k, v] of Object.entries(f)) if (v !== undefined && flags[k] === undefined) flags[k] = v;
  return { t, plan, flags, desc: `${t.name} [${nArgs} plausible; ${muts.join(', ')}]` };
}

function describeErr(e) {
  if (e instanceof Error) return `${e.constructor.name}${e.code ? ` [${e.code}]` : ''}: ${String(e.message).split('\n')[0].slice(0, 300)}`;
  return `thrown ${typeof e}: ${String(e).slice(0, 200)}`;
}

function invoke(c) {
  const { t, plan } = c;
  let self;
  if (t.kind === 'tensor') self = t.method.startsWith('bitwise') ? torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int64' }) : T.x();
  else if (t.kind === 'instance') self = t.make();
  const args = plan.map((f) => f(self));
  if (t.kind === 'fn') return t.fn(...args);
  if (t.kind === 'new') return new t.fn(...args);
  return self[t.method](...args);
}

async function runCall(c) {
  let result;
  try {
    torch.tidy(() => {
      result = invoke(c);
    });
    if (result && typeof result.then === 'function') {
      let timer;
      const settled = await Promise.race([
        result.then(() => 'ok', (e) => ({ e })),
        new Promise((res) => (timer = setTimeout(() => res('hang'), ASYNC_MS))),
      ]);
      clearTimeout(timer);
      if (settled === 'hang') return { outcome: 'hang', detail: `promise unsettled after ${ASYNC_MS} ms` };
      if (settled !== 'ok') throw settled.e;
    } else if (result && typeof result === 'object' && typeof result.next === 'function' && !Array.isArray(result)) {
      const n = result.next();
      if (n && typeof n.then === 'function') await n;
    }
  } catch (e) {
    const ok = e instanceof torch.TorchletError && typeof e.code === 'string' && CODE_RE.test(e.code);
    return ok ? { outcome: 'coded', code: e.code } : { outcome: 'other', detail: describeErr(e) + (e && e.stack ? ` @ ${String(e.stack).split('\n')[1]?.trim()}` : '') };
  }
  const f = c.flags;
  if (f.unknownKey) return { outcome: 'silent', silent: 'unknown option key', detail: f.unknownKey };
  if (f.nonFinite) return { outcome: 'silent', silent: 'non-finite option', detail: f.nonFinite };
  if (f.nonObjectOptions) return { outcome: 'silent', silent: 'non-object options' };
  if (f.extraArg) return { outcome: 'silent', silent: 'extra positional argument' };
  return { outcome: 'ok' };
}

/** The option keys of every target that takes options (from its unknown-key error; [] if none reported). */
function probeKeys() {
  for (const t of targets) {
    if (t.optIndex < 0) continue;
    const args = [];
    while (args.length < t.optIndex) args.push(undefined);
    args.push({ zzProbeKey: 1 });
    let keys = [];
    try {
      torch.tidy(() => {
        const c = { t, plan: args.map((a) => () => a) };
        const res = invoke(c);
        if (res && typeof res.then === 'function') res.catch(() => undefined);
      });
    } catch (e) {
      const m = /one of the options ([\w, ]+?)(?: \(did you mean|\s+for |$)/.exec(String(e && e.message));
      if (m) keys = m[1].split(/,\s*/).filter(Boolean);
    }
    knownKeys.set(t.name, keys);
  }
}

process.on('disconnect', () => process.exit(0)); // the parent is gone (killed): stop, do not linger
process.on('unhandledRejection', () => undefined); // a call's stray promise: its outcome is recorded where it was awaited
probeKeys();
process.send({ type: 'ready', targets: targets.length, names: process.env.FUZZ_LIST_TARGETS ? targets.map((t) => t.name) : undefined });
process.on('message', async (msg) => {
  if (msg.type !== 'batch') return;
  for (let i = msg.start; i < msg.end; i++) {
    const c = makeCall(msg.seed, i);
    process.send({ type: 'start', i, desc: c.desc });
    const res = await runCall(c);
    process.send({ type: 'result', i, target: c.t.name, desc: c.desc, ...res });
  }
  process.send({ type: 'done', end: msg.end });
});
