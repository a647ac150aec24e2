// lib/serve/model.ts — what an inference session serves, resolved once on the main thread.
// A ServeSpec (plain data, posted to every worker) names the architecture: a built-in factory
// ('fashion-cnn', 'resnet18') with its options, or a user's module file exporting a factory; and
// how inputs look: the per-sample shape, the image preprocessing of training (gray or rgb, scale,
// per-channel mean/std) and the class names. Checkpoints written by `torchlet train` record this
// in their `torchlet.serve` metadata (SERVE_KEY), so they serve with no other flag; older FashionCNN
// files (metadata model=fashion-cnn, or FashionCNN's keys) are recognised too. A training checkpoint
// (last.safetensors) serves its `model.*` tensors.
// A module file (`--module`) exports `createModel()` (or a default function) returning an nn.Module,
// and optionally `input` (InputSpec), `classes` (string[]) and `name`. Its weights come from
// --checkpoint when given, else from the model createModel() returns on the main thread (the same
// weights in every worker either way).
import * as fs from 'fs';
import * as path from 'path';
import { Module } from '../nn/module';
import { Tensor } from '../tensor';
import { loadWithMetadata } from '../serialize';
import { fashionCnn } from '../models/fashion_cnn';
import { torchvisionResnet18 } from '../models/resnet';
import { FASHION_MNIST_CLASSES } from '../data/fashion_mnist';
import { TorchletError } from '../errors';
import { SharedWeights, shareStateDict } from './shared';

export const SERVE_KEY = 'torchlet.serve';

/** How one input sample looks, and how an image becomes one (as in training). */
export interface InputSpec {
  /** Per-sample shape, e.g. [1, 28, 28] (C, H, W for images). */
  shape: number[];
  /** Image channels: 'gray' (C = 1) or 'rgb' (C = 3). */
  color: 'gray' | 'rgb';
  /** Pixel scale before normalisation (1/255: pixels to [0, 1]). */
  scale: number;
  /** Per-channel mean and std: x = (pixel * scale - mean) / std. */
  mean: number[];
  std: number[];
}
export interface ServeSpec {
  /** Architecture: a built-in name, or 'module' for a module file. */
  model: string;
  modelOptions?: Record<string, unknown>;
  /** Absolute path of the module file (model 'module'). */
  module?: string;
  /** Display name (routes /v1/models/<name>/predict). */
  name: string;
  input: InputSpec | null;
  classes: string[] | null;
}

const FASHION_INPUT: InputSpec = { shape: [1, 28, 28], color: 'gray', scale: 1 / 255, mean: [0.5], std: [0.5] };
const IMAGENET_INPUT: InputSpec = { shape: [3, 224, 224], color: 'rgb', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The built-in architectures a checkpoint may name. */
export const BUILTIN_MODELS: Record<string, { create(o: Record<string, unknown>): Module; input: InputSpec; classes: string[] | null }> = {
  'fashion-cnn': { create: (o) => fashionCnn(o as { numClasses?: number; inChannels?: number }), input: FASHION_INPUT, classes: FASHION_MNIST_CLASSES.slice() },
  resnet18: { create: (o) => torchvisionResnet18(o as { numClasses?: number }), input: IMAGENET_INPUT, classes: null },
};

/** The metadata `torchlet train` writes into its checkpoints (SERVE_KEY). */
export function serveMetadata(model: string, modelOptions: Record<string, unknown> = {}): Record<string, string> {
  const b = BUILTIN_MODELS[model];
  return { [SERVE_KEY]: JSON.stringify({ model, modelOptions, input: b?.input ?? null, classes: b?.classes ?? null }) };
}

function bad(what: string, m: string): never {
  throw new TorchletError(`torchlet: ${what}: ${m}`, 'ERR_TORCHLET_BAD_CHECKPOINT');
}

function checkInput(v: unknown, what: string): InputSpec | null {
  if (v === null || v === undefined) return null;
  const o = v as Partial<InputSpec>;
  const nums = (a: unknown, n?: number) => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x)) && (n === undefined || a.length === n);
  if (typeof o !== 'object' || !nums(o.shape) || !o.shape!.every((d) => Number.isInteger(d) && d >= 1) || o.shape!.length < 1 || o.shape!.length > 8)
    bad(what, 'input.shape must be the per-sample shape, positive integers');
  const color = o.color ?? (o.shape![0] === 3 ? 'rgb' : 'gray');
  if (color !== 'gray' && color !== 'rgb') bad(what, `input.color must be 'gray' or 'rgb'`);
  const c = color === 'rgb' ? 3 : 1;
  const scale = o.scale ?? 1 / 255;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) bad(what, 'input.scale must be a finite number');
  const mean = o.mean ?? new Array(c).fill(0);
  const std = o.std ?? new Array(c).fill(1);
  if (!nums(mean, c) || !nums(std, c) || std.some((s) => s === 0)) bad(what, `input.mean and input.std must hold ${c} numbers (std non-zero)`);
  return { shape: o.shape!.slice(), color, scale, mean: mean.slice(), std: std.slice() };
}

function checkClasses(v: unknown, what: string): string[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) bad(what, 'classes must be an array of strings');
  return (v as string[]).slice();
}

/** The tensors of a weights file or a training checkpoint (its model.* tensors), with the metadata. */
function readWeights(file: string, what: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (!fs.existsSync(file)) bad(what, `no such file: ${file}`);
  if (fs.statSync(file).isDirectory()) {
    const best = path.join(file, 'best.safetensors');
    if (!fs.existsSync(best)) bad(what, `${file} is a directory without best.safetensors; give a .safetensors file`);
    file = best;
  }
  const r = loadWithMetadata(file);
  const keys = Object.keys(r.tensors);
  if (keys.some((k) => k.startsWith('optimizer.state.')) || (keys.length && keys.every((k) => k.startsWith('model.') || k.startsWith('optimizer.')))) {
    const inner: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(r.tensors)) {
      if (k.startsWith('model.')) inner[k.slice(6)] = t;
      else t.dispose();
    }
    r.tensors = inner;
  }
  return r;
}

export interface ResolvedModel {
  spec: ServeSpec;
  weights: SharedWeights;
}

/** Loads a module file's exports (CommonJS; a .ts file only where a TypeScript loader is registered). */
function requireModule(file: string): Record<string, unknown> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) bad('--module', `no such file: ${file}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require(abs) as Record<string, unknown>;
  return m;
}

/** A module file's factory. */
export function moduleFactory(exports: Record<string, unknown>, file: string): () => Module {
  const f = (typeof exports.createModel === 'function' ? exports.createModel : typeof exports.default === 'function' ? exports.default : exports) as unknown;
  if (typeof f !== 'function') bad('--module', `${file} exports no createModel() function (nor a default function)`);
  return () => {
    const m = (f as () => unknown)();
    if (!(m instanceof Module)) bad('--module', `${file}: createModel() returned ${m === null ? 'null' : typeof m}, not an nn.Module (is torchlet loaded twice?)`);
    return m as Module;
  };
}

/** Builds the architecture a spec names, with its initial weights (the worker binds shared ones). */
export function createModel(spec: ServeSpec): Module {
  if (spec.model === 'module') return moduleFactory(requireModule(spec.module!), spec.module!)();
  const b = BUILTIN_MODELS[spec.model];
  if (!b) bad('model', `unknown architecture ${JSON.stringify(spec.model)} (built in: ${Object.keys(BUILTIN_MODELS).join(', ')})`);
  return b.create(spec.modelOptions ?? {});
}

/**
 * What `--checkpoint FILE` and/or `--module FILE` serve: the spec and the weights, packed once into
 * shared memory. Errors name the flag and the problem (ERR_TORCHLET_BAD_CHECKPOINT).
 */
export function resolveModel(o: { checkpoint?: string; module?: string; name?: string }): ResolvedModel {
  if (!o.checkpoint && !o.module) bad('serve', 'give --checkpoint FILE (a checkpoint written by torchlet train) or --module FILE (a model factory)');
  let spec: ServeSpec;
  let tensors: Record<string, Tensor> | null = null;
  let metadata: Record<string, string> = {};
  if (o.checkpoint) ({ tensors, metadata } = readWeights(o.checkpoint, '--checkpoint'));
  try {
    if (o.module) {
      const file = path.resolve(o.module);
      const exp = requireModule(file);
      const factory = moduleFactory(exp, o.module);
      const model = factory();
      spec = {
        model: 'module', module: file, name: o.name ?? (typeof exp.name === 'string' ? exp.name : path.basename(file).replace(/\.[^.]*$/, '')),
        input: checkInput(exp.input, '--module'), classes: checkClasses(exp.classes, '--module'),
      };
      if (!tensors) tensors = model.stateDict();
    } else {
      let meta: Record<string, unknown> | null = null;
      if (metadata[SERVE_KEY]) {
        try {
          meta = JSON.parse(metadata[SERVE_KEY]) as Record<string, unknown>;
        } catch {
          bad('--checkpoint', `${o.checkpoint}: its ${SERVE_KEY} metadata is not JSON`);
        }
      } else if (metadata.model === 'fashion-cnn' || ('conv1.weight' in tensors! && 'fc2.weight' in tensors! && 'fc1.weight' in tensors!)) {
        meta = { model: 'fashion-cnn' };
      } else if ('layer4.1.conv2.weight' in tensors! && 'fc.weight' in tensors!) {
        meta = { model: 'resnet18', modelOptions: { numClasses: tensors!['fc.weight'].shape[0] } };
      }
      if (!meta || typeof meta.model !== 'string') bad('--checkpoint', `${o.checkpoint} does not record its architecture (no ${SERVE_KEY} metadata); serve it with --module FILE`);
      const b = BUILTIN_MODELS[meta.model as string];
      if (!b) bad('--checkpoint', `${o.checkpoint} names the architecture ${JSON.stringify(meta.model)}, which is not built in (${Object.keys(BUILTIN_MODELS).join(', ')}); use --module`);
      const modelOptions = (meta.modelOptions ?? {}) as Record<string, unknown>;
      spec = {
        model: meta.model as string, modelOptions, name: o.name ?? (meta.model as string),
        input: checkInput(meta.input ?? b.input, '--checkpoint'), classes: checkClasses(meta.classes === undefined ? b.classes : meta.classes, '--checkpoint'),
      };
      // the weights must fit the architecture (checked here, once, with a clear message)
      const m = b.create(modelOptions);
      try {
        m.loadStateDict(tensors!);
      } catch (e) {
        bad('--checkpoint', `${o.checkpoint}: not ${meta.model} weights (${(e as Error).message.replace(/^torchlet: /, '')})`);
      }
    }
    return { spec, weights: shareStateDict(tensors!) };
  } finally {
    if (tensors) Object.values(tensors).forEach((t) => t.dispose());
  }
}
