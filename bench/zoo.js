#!/usr/bin/env node
// bench/zoo.js — torchlet beside PyTorch and onnxruntime-node on several networks, one command:
// the seeds' FashionCNN, LeNet-5, AlexNet, VGG-16, GoogLeNet, ResNet-18 (test/fixtures/seed_models.py)
// and torchvision's resnet18(num_classes=10) at 3x32x32 (torch.models.torchvisionResnet18).
// Contract: bench/zoo.py (Debian's /usr/bin/python3 + PyTorch 1.13 + torchvision) builds every net
// (seed 0), writes its weights (safetensors, PyTorch's keys), inputs and an ONNX export (dynamic
// batch), and times PyTorch; then torchlet (loaded from --root, strict loadStateDict of those
// weights) is timed in its own node process and onnxruntime-node (bench/ort/, the same ONNX file,
// intraOpNumThreads = threads, interOpNumThreads 1) in another: one engine per process, run one
// after another, never two thread pools in one process. Reported, medians after warm-up:
//   training step (train mode, forward + cross-entropy + backward + SGD lr 0.01 momentum 0.9) on one
//   batch, torchlet vs PyTorch; inference (eval, no grad) at batch 1 and 64, torchlet vs PyTorch vs
//   ORT; max abs difference of the eval logits between the three on the same input (a mismatch is
//   flagged and the exit status is 1); the first training loss torchlet vs PyTorch (nets without
//   dropout); for torchvision's ResNet-18, every distinct conv2d shape of its training forward,
//   forward and backward alone, torchlet vs PyTorch; torchlet's OS allocations per steady-state training
//   step (torch.memory().cpu.systemAllocs over 3 steps after the timed ones).
// Input sizes: a net's native size unless it makes the 2-core run too long (printed). Where the
// classifier's first Linear depends on the input size (AlexNet, VGG-16), both sides size it from the
// shrunk feature map (Sequential nets: the Linear after Flatten); everything else is unchanged.
//   node bench/zoo.js [--nets a,b,c] [--quick] [--threads 2] [--batch 32] [--json FILE]
//                     [--root DIR] [--sizes net=H,...] [--work DIR] [--keep] [--rounds N]
//                     [--conv-shapes NET]
// --conv-shapes NET: the net whose every conv2d shape is timed alone (default tv_resnet18; it must be
// one of --nets).
// Engines run net by net: for each net, PyTorch, torchlet and ORT in turn, each in its own process,
// so that a net's three figures come from the same minute or two (this VM slows by 20-40% for a
// minute or more at a time; until session 32 each engine ran every net in one process, minutes
// apart from the others).
// --rounds N: all of that N times; each figure is the median (lower middle) of the N rounds' figures,
// and each round's own ratios are printed too. Before the rounds, each engine's worker runs once on
// the first net with --quick, its figures discarded (see the driver).
// Needs: `npm run build` in --root (default: this checkout), bash bench/setup_zoo.sh once.
// TORCHLET_PYTHON: the Python with PyTorch (default /usr/bin/python3).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const NETS = {
  // name: input [C, H, W] used, native [C, H, W], classes
  fashioncnn: { input: [1, 28, 28], native: [1, 28, 28], classes: 10 },
  lenet5: { input: [1, 28, 28], native: [1, 28, 28], classes: 10 },
  alexnet: { input: [3, 112, 112], native: [3, 224, 224], classes: 1000 },
  vgg16: { input: [3, 32, 32], native: [3, 224, 224], classes: 1000 },
  googlenet: { input: [3, 96, 96], native: [3, 224, 224], classes: 1000 },
  resnet18: { input: [3, 96, 96], native: [3, 224, 224], classes: 1000 },
  tv_resnet18: { input: [3, 32, 32], native: [3, 32, 32], classes: 10 },
};
const CONV_SHAPES_DEFAULT = 'tv_resnet18';
const INFER_BATCHES = [1, 64];

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(name);

// ---- shared: rep policy, safetensors (F32 / I64) ------------------------------------------------
/** Warm-up, then repetitions sized from the last warm-up's time (same policy as zoo.py's bench_fn):
 * up to 60 training steps in ~4 s, 300 inference calls in ~2 s, 100 calls of one conv layer in ~1 s.
 * (Until session 32 at most 20 and 30: a 2.6 ms batch took its median over 30 calls, 80 ms, and a
 * noisy tenth of a second of this VM moved it by 10-40%.) */
const REP_POLICY = { train: [2, 5, 60, 4.0], infer: [2, 5, 300, 2.0], layer: [2, 5, 100, 1.0] };
async function benchFn(fn, kind, quick, ownTime = false) {
  const [warm, lo, hi, budget] = quick ? [1, 2, 3, 0.5] : REP_POLICY[kind];
  const once = async () => {
    const t0 = process.hrtime.bigint();
    const own = await fn();
    return ownTime ? own : Number(process.hrtime.bigint() - t0) / 1e6;
  };
  let t = 0;
  for (let i = 0; i < warm; i++) t = await once();
  const n = Math.max(lo, Math.min(hi, Math.floor((budget * 1000) / Math.max(t, 1e-3)) + 1));
  const times = [];
  for (let i = 0; i < n; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return [times[times.length >> 1], n];
}

function readSafetensors(file) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = {};
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const [b, e] = v.data_offsets;
    const bytes = buf.subarray(8 + n + b, 8 + n + e);
    const copy = new Uint8Array(bytes); // aligned copy
    const Arr = { F32: Float32Array, I64: BigInt64Array }[v.dtype];
    if (!Arr) throw new Error(`${file}: ${k}: dtype ${v.dtype} not handled here`);
    out[k] = { shape: v.shape, data: new Arr(copy.buffer, 0, copy.byteLength / Arr.BYTES_PER_ELEMENT) };
  }
  return out;
}
function writeSafetensors(file, tensors) {
  const header = {};
  const blobs = [];
  let off = 0;
  for (const [k, { shape, data }] of Object.entries(tensors)) {
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    header[k] = { dtype: data instanceof Float32Array ? 'F32' : 'I64', shape, data_offsets: [off, off + b.length] };
    blobs.push(b);
    off += b.length;
  }
  let h = Buffer.from(JSON.stringify(header));
  h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  fs.writeFileSync(file, Buffer.concat([len, h, ...blobs]));
}

// ---- worker: torchlet -----------------------------------------------------------------------------
async function torchletWorker(cfg) {
  const root = path.resolve(cfg.root);
  const torch = require(path.join(root, 'dist', 'lib'));
  const { F, nn } = torch;
  torch.setNumThreads(cfg.threads);
  const pyRes = JSON.parse(fs.readFileSync(path.join(cfg.work, 'pytorch.json'), 'utf8'));
  const res = { root, nets: {} };
  try {
    res.commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  } catch {
    res.commit = '?';
  }
  for (const net of cfg.nets) {
    const { name, input, classes } = net;
    const t0 = Date.now();
    const factory = { fashioncnn: 'fashionCnn', tv_resnet18: 'torchvisionResnet18' }[name] || name;
    if (typeof torch.models[factory] !== 'function')
      throw new Error(`the torchlet build in ${root} has no torch.models.${factory}: leave ${name} out of --nets`);
    const model = name === 'tv_resnet18' ? torch.models[factory]({ numClasses: classes }) : torch.models[factory]();
    // the classifier's first Linear sized from the (shrunk) feature map, as zoo.py does
    if (model instanceof nn.Sequential) {
      const kids = model.children();
      const fi = kids.findIndex((m) => m instanceof nn.Flatten);
      if (fi >= 0 && kids[fi + 1] instanceof nn.Linear) {
        const n = torch.noGrad(() => torch.tidy(() => {
          let h = torch.zeros([1, ...input]);
          for (const m of kids.slice(0, fi + 1)) h = m.eval().forward(h);
          return h.shape[1];
        }));
        if (n !== kids[fi + 1].inFeatures) model[fi + 1] = new nn.Linear(n, kids[fi + 1].outFeatures);
      }
    }
    model.loadStateDict(torch.load(path.join(cfg.work, `${name}.weights.safetensors`)));
    const io = torch.load(path.join(cfg.work, `${name}.inputs.safetensors`));
    const r = { infer: {}, reps: {} };
    model.eval();
    const outs = {};
    for (const b of cfg.inferBatches) {
      const xb = io.x_infer.narrow(0, 0, b).contiguous();
      outs[`logits${b}`] = torch.noGrad(() => model.forward(xb));
      [r.infer[b], r.reps[`infer${b}`]] = await benchFn(() => void torch.tidy(() => torch.noGrad(() => void model.forward(xb))), 'infer', cfg.quick);
    }
    // the same model through torch.jit.freeze (BN folded, conv + ReLU fused, pre-packed weights)
    if (torch.jit && torch.jit.freeze) {
      const frozen = torch.jit.freeze(model, io.x_infer.narrow(0, 0, 1).contiguous());
      r.inferFrozen = {};
      r.frozenMaxAbsDiff = 0;
      for (const b of cfg.inferBatches) {
        const xb = io.x_infer.narrow(0, 0, b).contiguous();
        const yf = frozen.forward(xb);
        const d = yf.sub(outs[`logits${b}`]).toArray().reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        r.frozenMaxAbsDiff = Math.max(r.frozenMaxAbsDiff, d);
        [r.inferFrozen[b], r.reps[`inferFrozen${b}`]] = await benchFn(() => void torch.tidy(() => void frozen.forward(xb)), 'infer', cfg.quick);
      }
    }
    torch.save(outs, path.join(cfg.work, `${name}.torchlet.out.safetensors`));
    model.train();
    const sgd = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const losses = [];
    const step = () => torch.tidy(() => {
      sgd.zeroGrad();
      const loss = F.crossEntropy(model.forward(io.x_train), io.y_train);
      loss.backward();
      sgd.step();
      losses.push(loss.item());
    });
    [r.train, r.reps.train] = await benchFn(step, 'train', cfg.quick);
    // steady state: memory the caching allocator had to ask the OS for during 3 more steps
    const sa0 = torch.memory().cpu.systemAllocs;
    for (let i = 0; i < 3; i++) step();
    r.systemAllocsPerStep = (torch.memory().cpu.systemAllocs - sa0) / 3;
    r.loss0 = losses[0];
    const pyConvs = pyRes.nets[name] && pyRes.nets[name].convs;
    if (pyConvs) r.convs = await torchletConvs(torch, model, io.x_train, pyConvs, cfg.quick);
    r.wallS = (Date.now() - t0) / 1000;
    res.nets[name] = r;
    process.stderr.write(`torchlet: ${name} done in ${r.wallS.toFixed(1)} s\n`);
  }
  fs.writeFileSync(path.join(cfg.work, 'torchlet.json'), JSON.stringify(res));
}

/** The conv2d calls of one training forward of `model` (checked against PyTorch's list), each timed alone. */
async function torchletConvs(torch, model, x, pyConvs, quick) {
  const { F, nn } = torch;
  const seen = new Map();
  const orig = nn.Conv2d.prototype.forward;
  nn.Conv2d.prototype.forward = function (inp) {
    const k = JSON.stringify([inp.shape, this.weight.shape]);
    seen.set(k, (seen.get(k) || 0) + 1);
    return orig.call(this, inp);
  };
  try {
    torch.noGrad(() => torch.tidy(() => void model.forward(x)));
  } finally {
    nn.Conv2d.prototype.forward = orig;
  }
  const out = [];
  for (const c of pyConvs) {
    const k = JSON.stringify([c.x, c.w]);
    const count = seen.get(k) || 0;
    seen.delete(k);
    torch.manualSeed(0);
    const xi = torch.randn(c.x).requiresGrad_();
    const w = torch.randn(c.w).requiresGrad_();
    const b = c.bias ? torch.randn([c.w[0]]).requiresGrad_() : null;
    const o = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
    const g = torch.noGrad(() => torch.randn(F.conv2d(xi, w, b, o).shape));
    const clear = () => {
      for (const p of [xi, w, b]) if (p && p.grad) (p.grad.dispose(), (p.grad = null));
    };
    const [fwd] = await benchFn(() => void torch.tidy(() => void F.conv2d(xi, w, b, o)), 'layer', quick);
    const [bwd] = await benchFn(() => {
      clear();
      return torch.tidy(() => {
        const y = F.conv2d(xi, w, b, o);
        const t0 = process.hrtime.bigint();
        y.backward(g);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      });
    }, 'layer', quick, true);
    clear();
    out.push({ fwd, bwd, countHere: count });
  }
  return { cases: out, extra: [...seen.keys()] }; // extra: conv shapes torchlet's model runs that PyTorch's does not
}

// ---- worker: onnxruntime-node ---------------------------------------------------------------------
const ORT_DIR = path.join(__dirname, 'ort', 'node_modules', 'onnxruntime-node');
async function ortWorker(cfg) {
  const ort = require(ORT_DIR);
  const res = { version: require(path.join(ORT_DIR, 'package.json')).version, nets: {} };
  for (const net of cfg.nets) {
    const { name, input } = net;
    const t0 = Date.now();
    const session = await ort.InferenceSession.create(path.join(cfg.work, `${name}.onnx`), {
      intraOpNumThreads: cfg.threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    const io = readSafetensors(path.join(cfg.work, `${name}.inputs.safetensors`));
    const per = input.reduce((a, b) => a * b, 1);
    const r = { infer: {}, reps: {} };
    const outs = {};
    for (const b of cfg.inferBatches) {
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', io.x_infer.data.slice(0, b * per), [b, ...input]) };
      const y = (await session.run(feeds))[session.outputNames[0]];
      outs[`logits${b}`] = { shape: y.dims.map(Number), data: y.data };
      [r.infer[b], r.reps[`infer${b}`]] = await benchFn(() => session.run(feeds), 'infer', cfg.quick);
    }
    writeSafetensors(path.join(cfg.work, `${name}.ort.out.safetensors`), outs);
    await session.release();
    r.wallS = (Date.now() - t0) / 1000;
    res.nets[name] = r;
    process.stderr.write(`ort: ${name} done in ${r.wallS.toFixed(1)} s\n`);
  }
  fs.writeFileSync(path.join(cfg.work, 'ort.json'), JSON.stringify(res));
}

// ---- driver -----------------------------------------------------------------------------------------
function maxAbsDiff(a, b) {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  let d = 0;
  for (let i = 0; i < a.data.length; i++) {
    const v = Math.abs(a.data[i] - b.data[i]);
    if (!(v <= d)) d = Number.isNaN(v) ? Infinity : v;
  }
  return d;
}
function maxAbs(a) {
  let m = 0;
  for (const v of a.data) m = Math.max(m, Math.abs(v));
  return m;
}

/** One worker report whose timings are the medians over runs (the first run's other fields). */
function medianRuns(runs) {
  const med = (vals) => {
    const v = vals.filter((x) => typeof x === 'number').sort((a, b) => a - b);
    return v.length ? v[(v.length - 1) >> 1] : undefined;
  };
  const out = JSON.parse(JSON.stringify(runs[0]));
  for (const [name, net] of Object.entries(out.nets)) {
    const each = runs.map((r) => r.nets[name]);
    if (typeof net.train === 'number') net.train = med(each.map((e) => e.train));
    for (const key of ['infer', 'inferFrozen'])
      if (net[key]) for (const b of Object.keys(net[key])) net[key][b] = med(each.map((e) => e[key] && e[key][b]));
    // conv shapes: torchlet's {cases}, PyTorch's plain list
    const cases = (e) => (e.convs && (Array.isArray(e.convs) ? e.convs : e.convs.cases)) || [];
    cases(net).forEach((c, i) => {
      c.fwd = med(each.map((e) => cases(e)[i] && cases(e)[i].fwd));
      c.bwd = med(each.map((e) => cases(e)[i] && cases(e)[i].bwd));
    });
  }
  out.rounds = runs.length;
  return out;
}

function run(label, cmd, argv, env) {
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${cmd} ${argv.join(' ').slice(0, 200)}`);
  return (Date.now() - t0) / 1000;
}

async function driver() {
  const threads = Number(opt('--threads', '2'));
  const quick = flag('--quick');
  const batch = Number(opt('--batch', '32'));
  const rounds = Number(opt('--rounds', '1'));
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be a positive integer');
  const root = path.resolve(opt('--root', path.join(__dirname, '..')));
  const jsonOut = opt('--json', null);
  const names = opt('--nets', Object.keys(NETS).join(',')).split(',').filter(Boolean);
  for (const n of names) if (!NETS[n]) throw new Error(`unknown net '${n}'; known: ${Object.keys(NETS).join(', ')}`);
  const sizes = {};
  for (const kv of (opt('--sizes', '') || '').split(',').filter(Boolean)) {
    const [n, h] = kv.split('=');
    if (!NETS[n] || !(Number(h) > 0)) throw new Error(`--sizes: expected net=H (square), got '${kv}'`);
    sizes[n] = Number(h);
  }
  if (!(threads >= 1) || !(batch >= 1)) throw new Error('--threads and --batch must be positive integers');
  const workGiven = opt('--work', null);
  const work = workGiven ? path.resolve(workGiven) : fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-zoo-'));
  fs.mkdirSync(work, { recursive: true });
  const nets = names.map((n) => {
    const s = NETS[n];
    const input = sizes[n] ? [s.input[0], sizes[n], sizes[n]] : s.input;
    return { name: n, input, native: s.native, classes: s.classes, batch };
  });
  if (!fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'))) throw new Error(`no torchlet build in ${root} (npm run build)`);
  const hasOrt = fs.existsSync(path.join(ORT_DIR, 'package.json'));
  const CONV_SHAPES_NET = opt('--conv-shapes', CONV_SHAPES_DEFAULT);
  if (!NETS[CONV_SHAPES_NET]) throw new Error(`--conv-shapes: unknown net '${CONV_SHAPES_NET}'; known: ${Object.keys(NETS).join(', ')}`);
  const cfg = { work, threads, quick, inferBatches: INFER_BATCHES, convShapes: CONV_SHAPES_NET, nets, root };
  const env = { OMP_NUM_THREADS: String(threads) };
  const load0 = os.loadavg();
  const started = new Date();
  const py = process.env.TORCHLET_PYTHON || '/usr/bin/python3';
  const wall = {};
  try {
    const read = (f) => JSON.parse(fs.readFileSync(path.join(work, f), 'utf8'));
    // Per round, per net: PyTorch, torchlet and ORT in turn, each in its own process on that one net
    // (this VM's speed drifts by 10-40% for a minute or more at a time: the three engines' figures
    // for a net come from the same minute or two, and medians over rounds keep one slow minute from
    // deciding a ratio). Each PyTorch run writes the net's seeded weights, inputs and ONNX file again.
    const pRuns = [], tRuns = [], oRuns = [];
    wall.pytorch = 0;
    wall.torchlet = 0;
    wall.ort = hasOrt ? 0 : undefined;
    if (!hasOrt) console.error('!!! onnxruntime-node is not installed in bench/ort (run: bash bench/setup_zoo.sh); ORT columns left out');
    const merge = (acc, r) => (acc ? (Object.assign(acc.nets, r.nets), acc) : r);
    // A discarded first pass: each engine's worker once on the first net, --quick. In every 3-round run
    // of session 32, torchlet's figures for the first net of the run were slowest in round 1 (LeNet-5
    // first: 0.85 ms against 0.60 and 0.79; FashionCNN first: 2.65-3.10 against 2.31-3.08 ms), the
    // same nets later in a run were not; the cause is not known.
    if (!quick) {
      const c = JSON.stringify({ ...cfg, quick: true, nets: [nets[0]] });
      wall.pytorch += run('PyTorch (bench/zoo.py)', py, [path.join(__dirname, 'zoo.py'), c], env);
      wall.torchlet += run('torchlet worker', process.execPath, [__filename, '--worker', 'torchlet', c], env);
      if (hasOrt) wall.ort += run('onnxruntime-node worker', process.execPath, [__filename, '--worker', 'ort', c], env);
    }
    for (let k = 0; k < rounds; k++) {
      let pr = null, tr = null, or = null;
      for (const net of nets) {
        const c = JSON.stringify({ ...cfg, nets: [net] });
        wall.pytorch += run('PyTorch (bench/zoo.py)', py, [path.join(__dirname, 'zoo.py'), c], env);
        pr = merge(pr, read('pytorch.json'));
        wall.torchlet += run('torchlet worker', process.execPath, [__filename, '--worker', 'torchlet', c], env);
        tr = merge(tr, read('torchlet.json'));
        if (hasOrt) {
          wall.ort += run('onnxruntime-node worker', process.execPath, [__filename, '--worker', 'ort', c], env);
          or = merge(or, read('ort.json'));
        }
      }
      pRuns.push(pr);
      tRuns.push(tr);
      if (hasOrt) oRuns.push(or);
    }
    const load1 = os.loadavg();
    const P = medianRuns(pRuns);
    const T = medianRuns(tRuns);
    const O = hasOrt ? medianRuns(oRuns) : { nets: {} };
    const report = { date: started.toISOString(), command: `node bench/zoo.js ${args.join(' ')}`.trim(), machine: {
      cpu: os.cpus()[0].model, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version,
      loadavgBefore: load0, loadavgAfter: load1,
    }, threads, batch, quick, torchlet: { root: T.root, commit: T.commit }, pytorch: P.torch, torchvision: P.torchvision,
    ort: O.version || null, wallS: wall, rounds, nets: {} };
    let mismatches = 0;
    const lines = [];
    const say = (s = '') => lines.push(s);
    const f2 = (v) => (v === undefined || v === null ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
    const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '-');
    say(`bench/zoo.js — ${report.date}`);
    say(`command: ${report.command}`);
    say(`machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memGiB} GiB, Node ${process.version}; ` +
      `load average ${load0.map((v) => v.toFixed(2)).join(' ')} before, ${load1.map((v) => v.toFixed(2)).join(' ')} after` +
      (Math.max(load0[0], load1[0], load0[1], load1[1]) > 1.5 ? ' (BUSY machine: other jobs were running, figures are noisy)' : ''));
    say(`torchlet ${T.root} @ ${T.commit}; PyTorch ${P.torch} (torchvision ${P.torchvision}); onnxruntime-node ${O.version || 'not installed'}`);
    say(`${threads} threads per engine, each engine in its own process, net by net (PyTorch, torchlet, ORT on one net, then the next) ` +
      `(wall: PyTorch incl. export ${f2(wall.pytorch)} s, torchlet ${f2(wall.torchlet)} s, ORT ${f2(wall.ort)} s); ` +
      `medians after warm-up${quick ? ' (--quick: 1 warm-up, 2-3 reps)' : ' (2 warm-up, then reps sized from the last: training steps 5-60 in ~4 s, inference 5-300 in ~2 s, one conv layer 5-100 in ~1 s)'}` +
      (rounds > 1 ? `; ${rounds} rounds of that, each figure the median (lower middle) of the ${rounds} rounds' medians` : '') +
      (quick ? '' : '; before them a discarded --quick pass of each engine on the first net'));
    const ompEnv = Object.keys(process.env).filter((k) => /^(OMP_|GOMP_|KMP_|MKL_|OPENBLAS_)/.test(k) && k !== 'OMP_NUM_THREADS').map((k) => `${k}=${process.env[k]}`);
    say(`environment passed to all three engines: OMP_NUM_THREADS=${threads}${ompEnv.length ? ' ' + ompEnv.join(' ') : ''}`);
    report.env = ompEnv;
    say(`training step: train mode, cross-entropy, backward, SGD(lr 0.01, momentum 0.9), batch ${batch}, the same weights and batch`);
    say('');
    say('networks (input used / native; the Linear after Flatten resized to the feature map where it depends on the input)');
    say(`${'net'.padEnd(12)} ${'input'.padEnd(10)} ${'native'.padEnd(10)} ${'classes'.padStart(7)} ${'params'.padStart(11)}  note`);
    for (const n of nets) {
      const p = P.nets[n.name];
      const note = [p.fcIn ? `fc in-features ${p.fcIn[0]} -> ${p.fcIn[1]}` : '', p.dropout ? 'dropout' : '', p.bn ? 'batchnorm' : '']
        .filter(Boolean).join(', ');
      say(`${n.name.padEnd(12)} ${n.input.join('x').padEnd(10)} ${n.native.join('x').padEnd(10)} ${String(n.classes).padStart(7)} ` +
        `${String(p.params).padStart(11)}  ${note}`);
    }
    say('');
    say(`training step, ms (batch ${batch})`);
    say(`${'net'.padEnd(12)} ${'PyTorch'.padStart(9)} ${'torchlet'.padStart(9)} ${'TL/PT'.padStart(6)} ${'OS allocs/step'.padStart(14)}   first loss PyTorch / torchlet`);
    for (const n of nets) {
      const p = P.nets[n.name];
      const t = T.nets[n.name];
      const lossNote = p.dropout ? '(dropout: not comparable)' : Math.abs(p.loss0 - t.loss0) > 1e-3 * Math.max(1, Math.abs(p.loss0)) ? '!!! DIFFERENT' : 'agree';
      if (lossNote.startsWith('!!!')) mismatches++;
      say(`${n.name.padEnd(12)} ${f2(p.train).padStart(9)} ${f2(t.train).padStart(9)} ${ratio(t.train, p.train).padStart(6)} ` +
        `${String(t.systemAllocsPerStep ?? '-').padStart(14)}   ` +
        `${p.loss0.toFixed(5)} / ${t.loss0.toFixed(5)} ${lossNote}`);
    }
    say('');
    say('inference (eval, no grad), ms; "frozen" = torch.jit.freeze(model) (its max abs difference from the plain model in the last column)');
    say(`${'net'.padEnd(12)} ${'batch'.padStart(5)} ${'PyTorch'.padStart(9)} ${'ORT'.padStart(9)} ${'torchlet'.padStart(9)} ${'TL/PT'.padStart(6)} ${'TL/ORT'.padStart(6)} ` +
      `${'frozen'.padStart(9)} ${'FR/PT'.padStart(6)} ${'FR/ORT'.padStart(6)} ${'FR-TL'.padStart(8)}`);
    for (const n of nets) {
      for (const b of INFER_BATCHES) {
        const p = P.nets[n.name].infer[b];
        const o = O.nets[n.name] ? O.nets[n.name].infer[b] : undefined;
        const T1 = T.nets[n.name];
        const t = T1.infer[b];
        const fr = T1.inferFrozen ? T1.inferFrozen[b] : undefined;
        say(`${n.name.padEnd(12)} ${String(b).padStart(5)} ${f2(p).padStart(9)} ${f2(o).padStart(9)} ${f2(t).padStart(9)} ` +
          `${ratio(t, p).padStart(6)} ${ratio(t, o).padStart(6)} ${f2(fr).padStart(9)} ${ratio(fr, p).padStart(6)} ${ratio(fr, o).padStart(6)} ` +
          `${T1.frozenMaxAbsDiff === undefined ? '-'.padStart(8) : T1.frozenMaxAbsDiff.toExponential(1).padStart(8)}`);
      }
    }
    if (rounds > 1) {
      // every round's own ratios (its engines ran within a minute or two of each other)
      say('');
      say('ratios in each round: torchlet / PyTorch training step; frozen torchlet / ORT at batch 64 and at batch 1');
      say(`${'net'.padEnd(12)} ${'train TL/PT'.padEnd(6 * rounds)} ${'FR/ORT b64'.padEnd(6 * rounds)} FR/ORT b1`);
      const per = (get) => Array.from({ length: rounds }, (_, k) => ratio(get(k, 0), get(k, 1)).padStart(5)).join(' ');
      report.perRound = { pytorch: [], torchlet: [], ort: [] };
      for (const n of nets) {
        const tn = (k) => tRuns[k].nets[n.name];
        const on = (k) => (hasOrt ? oRuns[k].nets[n.name] : undefined);
        const fr = (b) => (k, i) => (i === 0 ? tn(k).inferFrozen && tn(k).inferFrozen[b] : on(k) && on(k).infer[b]);
        say(`${n.name.padEnd(12)} ${per((k, i) => (i === 0 ? tn(k).train : pRuns[k].nets[n.name].train)).padEnd(6 * rounds)} ` +
          `${per(fr(64)).padEnd(6 * rounds)} ${per(fr(1))}`);
      }
      const pick = (r) => Object.fromEntries(Object.entries(r.nets).map(([name, e]) => [name, { train: e.train, infer: e.infer, inferFrozen: e.inferFrozen }]));
      report.perRound = { pytorch: pRuns.map(pick), torchlet: tRuns.map(pick), ort: oRuns.map(pick) };
    }
    say('');
    say('agreement: max abs difference of the eval logits on the same input (batch 1 and 64 together); tolerance 1e-4 x max |logit| + 1e-6');
    say(`${'net'.padEnd(12)} ${'max|logit|'.padStart(10)} ${'TL-PT'.padStart(9)} ${'ORT-PT'.padStart(9)} ${'TL-ORT'.padStart(9)}`);
    for (const n of nets) {
      const ld = (e) => {
        const f = path.join(work, `${n.name}.${e}.out.safetensors`);
        return fs.existsSync(f) ? readSafetensors(f) : null;
      };
      const [lp, lt, lo] = [ld('pytorch'), ld('torchlet'), hasOrt ? ld('ort') : null];
      const d = (a, b) => (a && b ? Math.max(...INFER_BATCHES.map((bb) => maxAbsDiff(a[`logits${bb}`], b[`logits${bb}`]))) : null);
      const scale = Math.max(...INFER_BATCHES.map((bb) => maxAbs(lp[`logits${bb}`])));
      const diffs = { tlPt: d(lt, lp), ortPt: d(lo, lp), tlOrt: d(lt, lo) };
      const tol = 1e-4 * scale + 1e-6;
      const bad = Object.entries(diffs).filter(([, v]) => v !== null && !(v <= tol)).map(([k]) => k);
      const fd = T.nets[n.name].frozenMaxAbsDiff;
      if (fd !== undefined && !(fd <= tol)) bad.push('frozen-TL');
      if (bad.length) mismatches++;
      const e = (v) => (v === null ? '-' : v.toExponential(1));
      say(`${n.name.padEnd(12)} ${scale.toFixed(3).padStart(10)} ${e(diffs.tlPt).padStart(9)} ${e(diffs.ortPt).padStart(9)} ${e(diffs.tlOrt).padStart(9)}` +
        (bad.length ? `   !!! MISMATCH (${bad.join(', ')})` : '   ok'));
      report.nets[n.name] = { input: n.input, native: n.native, classes: n.classes, pytorch: P.nets[n.name], torchlet: T.nets[n.name],
        ort: O.nets[n.name] || null, logitsMaxAbs: scale, maxAbsDiff: diffs, mismatch: bad };
    }
    const pc = P.nets[CONV_SHAPES_NET] && P.nets[CONV_SHAPES_NET].convs;
    const tc = T.nets[CONV_SHAPES_NET] && T.nets[CONV_SHAPES_NET].convs;
    if (pc && tc) {
      say('');
      say(`${CONV_SHAPES_NET}: every distinct conv2d of its training forward (batch ${batch}), alone; forward (autograd on) and backward (grad input and weight), ms`);
      say(`${'input'.padEnd(16)} ${'weight'.padEnd(15)} ${'s'.padStart(1)} ${'p'.padStart(1)} ${'n'.padStart(2)} ` +
        `${'PT fwd'.padStart(7)} ${'TL fwd'.padStart(7)} ${'ratio'.padStart(5)} ${'PT bwd'.padStart(7)} ${'TL bwd'.padStart(7)} ${'ratio'.padStart(5)}`);
      const sum = { pf: 0, tf: 0, pb: 0, tb: 0 };
      pc.forEach((c, i) => {
        const t = tc.cases[i];
        if (t.countHere !== c.count) say(`!!! torchlet's model runs this shape ${t.countHere} times, PyTorch's ${c.count}`);
        sum.pf += c.fwd * c.count;
        sum.tf += t.fwd * c.count;
        sum.pb += c.bwd * c.count;
        sum.tb += t.bwd * c.count;
        say(`${c.x.join('x').padEnd(16)} ${c.w.join('x').padEnd(15)} ${String(c.stride[0]).padStart(1)} ${String(c.padding[0]).padStart(1)} ` +
          `${String(c.count).padStart(2)} ${f2(c.fwd).padStart(7)} ${f2(t.fwd).padStart(7)} ${ratio(t.fwd, c.fwd).padStart(5)} ` +
          `${f2(c.bwd).padStart(7)} ${f2(t.bwd).padStart(7)} ${ratio(t.bwd, c.bwd).padStart(5)}`);
      });
      if (tc.extra.length) say(`!!! conv shapes only torchlet's model runs: ${tc.extra.join(' ')}`);
      say(`${'sum x n'.padEnd(38)} ${f2(sum.pf).padStart(7)} ${f2(sum.tf).padStart(7)} ${ratio(sum.tf, sum.pf).padStart(5)} ` +
        `${f2(sum.pb).padStart(7)} ${f2(sum.tb).padStart(7)} ${ratio(sum.tb, sum.pb).padStart(5)}`);
      report.convShapes = { net: CONV_SHAPES_NET, pytorch: pc, torchlet: tc };
    }
    say('');
    say(mismatches ? `!!! ${mismatches} MISMATCH(ES) between engines: see above` : 'all engines agree within tolerance');
    console.log(lines.join('\n'));
    report.mismatches = mismatches;
    report.text = lines.join('\n');
    if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(report, null, 1));
    process.exitCode = mismatches ? 1 : 0;
  } finally {
    if (!workGiven && !flag('--keep')) fs.rmSync(work, { recursive: true, force: true });
    else console.error(`work files kept in ${work}`);
  }
}

const w = args.indexOf('--worker');
const main = w >= 0 ? (args[w + 1] === 'ort' ? ortWorker : torchletWorker)(JSON.parse(args[w + 2])) : driver();
main.catch((e) => {
  // the driver's own errors (options, a failed engine) as one line; a worker's with its stack
  console.error(w < 0 && e instanceof Error ? `bench/zoo.js: ${e.message}` : e && e.stack ? e.stack : e);
  process.exit(2);
});
