// test/api_surface.ts — the enumeration of torchlet's public API, shared by the sweeps that call all of
// it: test/errors/public_api.test.ts (bad arguments), test/errors/strict_arity.test.ts (an extra
// positional argument, an unknown option key) and the fuzzer (bench/fuzz.js, test/fuzz.test.ts).
// Contract: publicFunctions(torch) lists every plain function exported from the public namespaces,
// publicClasses(torch) every class constructor, publicInstances(torch) instances (a fresh one per
// call) whose methods are swept, methodsOf(x) the methods of an instance (a Tensor); paramList(f)
// reads a function's or constructor's declared parameters from its source (lib/strict.ts). It takes the library as an argument and imports only lib/strict.ts at run
// time, so the fuzzer's child processes (plain node over a transpiled copy of lib/) load it too.
import type * as Torch from '../lib';
import { declaredParams, unwrapStrict, type DeclaredParam } from '../lib/strict';

export type Fn = (...args: unknown[]) => unknown;
export type Ctor = new (...args: unknown[]) => unknown;

/** A class (the public classes are Proxies of theirs, lib/strict.ts: the original's source tells). */
export const isClass = (f: unknown): f is Ctor => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(unwrapStrict(f)));

/** [qualified name, function] of every plain function exported from a namespace object. */
export function functionsOf(prefix: string, ns: object): [string, Fn][] {
  return Object.entries(ns)
    .filter(([, v]) => typeof v === 'function' && !isClass(v))
    .map(([k, v]) => [`${prefix}.${k}`, v as Fn]);
}
export function classesOf(prefix: string, ns: object): [string, Ctor][] {
  return Object.entries(ns)
    .filter(([, v]) => isClass(v))
    .map(([k, v]) => [`${prefix}.${k}`, v as Ctor]);
}
/** Names of the methods of an instance, along its prototype chain (up to Object.prototype). */
export function methodsOf(obj: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k)!;
      if (k !== 'constructor' && typeof d.value === 'function') names.add(k);
    }
  return [...names];
}

/** The namespaces whose functions are public: [prefix, object]. */
export function functionNamespaces(torch: typeof Torch): [string, object][] {
  return [
    ['torch', torch],
    ['torch.F', torch.F],
    ['torch.nn', torch.nn],
    ['torch.nn.init', torch.nn.init],
    ['torch.nn.utils', torch.nn.utils],
    ['torch.nn.utils.rnn', torch.nn.utils.rnn],
    ['torch.cuda', torch.cuda],
    ['torch.autograd', torch.autograd],
    ['torch.data', torch.data],
    ['torch.data.transforms', torch.data.transforms],
    ['torch.data.transforms.functional', torch.data.transforms.functional],
    ['torch.data.utils', torch.data.utils],
    ['torch.models', torch.models],
    ['torch.hub', torch.hub],
    ['torch.jit', torch.jit],
    ['torch.special', torch.special],
    ['torch.linalg', torch.linalg],
    ['torch.autograd.functional', torch.autograd.functional],
    ['torch.func', torch.func],
    ['torch.utils.checkpoint', torch.utils.checkpoint],
    ['torch.optim.swaUtils', torch.optim.swaUtils],
    ['torch.distributions', torch.distributions],
    ['torch.onnx', torch.onnx],
  ];
}
/** The namespaces whose classes are public. */
export function classNamespaces(torch: typeof Torch): [string, object][] {
  return [
    ['torch', torch],
    ['torch.nn', torch.nn],
    ['torch.nn.utils.rnn', torch.nn.utils.rnn],
    ['torch.optim', torch.optim],
    ['torch.optim.lrScheduler', torch.optim.lrScheduler],
    ['torch.cuda', torch.cuda],
    ['torch.data', torch.data],
    ['torch.data.transforms', torch.data.transforms],
    ['torch.models', torch.models],
    ['torch.optim.swaUtils', torch.optim.swaUtils],
    ['torch.distributions', torch.distributions],
  ];
}

export function publicFunctions(torch: typeof Torch): [string, Fn][] {
  return functionNamespaces(torch).flatMap(([p, ns]) => functionsOf(p, ns));
}
export function publicClasses(torch: typeof Torch): [string, Ctor][] {
  return classNamespaces(torch).flatMap(([p, ns]) => classesOf(p, ns));
}

/** Instances whose methods are swept: [label, a factory making a fresh one]. */
export function publicInstances(torch: typeof Torch): [string, () => object][] {
  const leaf = () => torch.zeros([2], { requiresGrad: true });
  return [
    ['nn.Linear(3, 2)', () => new torch.nn.Linear(3, 2)],
    ['nn.Sequential(Linear, ReLU)', () => new torch.nn.Sequential(new torch.nn.Linear(3, 2), new torch.nn.ReLU())],
    ['nn.ModuleList([Linear])', () => new torch.nn.ModuleList([new torch.nn.Linear(3, 2)])],
    ['nn.BatchNorm2d(2)', () => new torch.nn.BatchNorm2d(2)],
    ['optim.SGD', () => new torch.optim.SGD([leaf()], { lr: 0.1, momentum: 0.9 })],
    ['optim.Adam', () => new torch.optim.Adam([leaf()])],
    ['optim.RMSprop', () => new torch.optim.RMSprop([leaf()], { momentum: 0.9, centered: true })],
    ['optim.Adagrad', () => new torch.optim.Adagrad([leaf()])],
    ['optim.Adadelta', () => new torch.optim.Adadelta([leaf()])],
    ['optim.Adamax', () => new torch.optim.Adamax([leaf()])],
    ['optim.NAdam', () => new torch.optim.NAdam([leaf()])],
    ['optim.RAdam', () => new torch.optim.RAdam([leaf()])],
    ['optim.Rprop', () => new torch.optim.Rprop([leaf()])],
    ['optim.ASGD', () => new torch.optim.ASGD([leaf()])],
    ['optim.lrScheduler.StepLR', () => new torch.optim.lrScheduler.StepLR(new torch.optim.SGD([leaf()]), { stepSize: 2 })],
    ['optim.lrScheduler.OneCycleLR', () => new torch.optim.lrScheduler.OneCycleLR(new torch.optim.Adam([leaf()]), { maxLr: 0.1, totalSteps: 10 })],
    ['optim.lrScheduler.CyclicLR', () => new torch.optim.lrScheduler.CyclicLR(new torch.optim.SGD([leaf()]), { baseLr: 0.01, maxLr: 0.1 })],
    ['optim.lrScheduler.CosineAnnealingWarmRestarts', () => new torch.optim.lrScheduler.CosineAnnealingWarmRestarts(new torch.optim.SGD([leaf()]), { T0: 3 })],
    ['optim.lrScheduler.ReduceLROnPlateau', () => new torch.optim.lrScheduler.ReduceLROnPlateau(new torch.optim.SGD([leaf()]))],
    ['optim.lrScheduler.SequentialLR', () => {
      const o = new torch.optim.SGD([leaf()]);
      const L = torch.optim.lrScheduler;
      return new L.SequentialLR(o, { schedulers: [new L.LinearLR(o), new L.LambdaLR(o, (e: number) => 1 / (e + 1))], milestones: [3] });
    }],
    ['optim.lrScheduler.ChainedScheduler', () => {
      const o = new torch.optim.SGD([leaf()]);
      return new torch.optim.lrScheduler.ChainedScheduler([new torch.optim.lrScheduler.MultiStepLR(o, { milestones: [1, 2] })]);
    }],
    ['data.TensorDataset', () => new torch.data.TensorDataset(torch.randn([4, 3]), torch.zeros([4], { dtype: 'int64' }))],
    ['data.ImageDataset', () => new torch.data.ImageDataset(new Uint8Array(2 * 4), new Uint8Array(2), [2, 2])],
    ['data.Subset', () => new torch.data.Subset(new torch.data.TensorDataset(torch.randn([4, 3])), [0, 2])],
    ['data.DataLoader', () => new torch.data.DataLoader(new torch.data.TensorDataset(torch.randn([4, 3])), { batchSize: 2 })],
    ['data.randomSplit(...)[0]', () => torch.data.randomSplit(new torch.data.TensorDataset(torch.randn([4, 3])), [2, 2], { seed: 1 })[0]],
    ['data.ConcatDataset', () => new torch.data.ConcatDataset([new torch.data.TensorDataset(torch.randn([4, 3]))])],
    ['data.RandomSampler', () => new torch.data.RandomSampler({ length: 4 }, { replacement: true })],
    ['data.WeightedRandomSampler', () => new torch.data.WeightedRandomSampler([1, 2], 3)],
    ['data.BatchSampler', () => new torch.data.BatchSampler([0, 1, 2], 2, false)],
    ['Generator', () => new torch.Generator()],
    ['data.Image', () => new torch.data.Image(new Uint8Array(12), 2, 2, 'RGB')],
    ['data.transforms.Compose', () => new torch.data.transforms.Compose([new torch.data.transforms.RandomCrop(2, { padding: 1 }), new torch.data.transforms.ToTensor()])],
    ['data.transforms.Resize', () => new torch.data.transforms.Resize(3)],
    ['data.transforms.ColorJitter', () => new torch.data.transforms.ColorJitter({ brightness: 0.5, hue: 0.1 })],
    ['data.transforms.RandomErasing', () => new torch.data.transforms.RandomErasing({ p: 1 })],
    ['data.transforms.Normalize', () => new torch.data.transforms.Normalize([0.5], [0.5])],
    // a CUDA stream where there is CUDA (new torch.cuda.Stream() throws ERR_TORCHLET_NO_CUDA elsewhere)
    ...(torch.cuda.isAvailable() ? [['cuda.Stream', () => new torch.cuda.Stream()] as [string, () => object]] : []),
  ];
}

// ---- declared parameters ----------------------------------------------------------------------------
export type Param = DeclaredParam;
/**
 * The declared parameters of a function, a method or a class's constructor (the original's, for the
 * public API's strict wrappers), read from the compiled source by lib/strict.ts; null when unreadable.
 */
export function paramList(f: unknown): Param[] | null {
  return declaredParams(f);
}
