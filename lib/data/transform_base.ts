// lib/data/transform_base.ts — the base class of torch.data.transforms (Transform: forward(img),
// toSpec() for DataLoader workers) and the registry of transform classes by name that
// transformFromSpec (lib/data/transforms.ts) rebuilds from; a class whose first argument is a list of
// transforms (Compose, RandomApply, RandomChoice, RandomOrder) registers as nested so that list is
// rebuilt from its specs too. Internal apart from Transform and the types, which transforms.ts re-exports.
import { Tensor } from '../tensor';
import { Image } from './image';
import { invalidArg, typeArg } from '../errors';

/** What a transform takes and returns. */
export type ImageLike = Image | Tensor;
/** A transform object or a plain function of one argument. */
export type TransformLike = Transform | ((x: never) => unknown);
/** A transform's description for DataLoader workers: its class name and constructor arguments. */
export interface TransformSpec {
  type: string;
  args: unknown[];
}

/** The base class: forward(img) transforms one image (or tensor); toSpec() describes it for workers. */
export abstract class Transform {
  abstract forward(img: unknown): unknown;
  /** @internal The constructor arguments (JSON-able) that rebuild this transform. */
  protected abstract specArgs(): unknown[];
  toSpec(): TransformSpec {
    return { type: this.constructor.name, args: this.specArgs() };
  }
  toString(): string {
    try {
      return `${this.constructor.name}(${this.specArgs().map((a) => JSON.stringify(a)).join(', ')})`;
    } catch {
      return `${this.constructor.name}()`;
    }
  }
}
export function apply(t: TransformLike, x: unknown): unknown {
  return t instanceof Transform ? t.forward(x) : (t as (y: unknown) => unknown)(x);
}


const REGISTRY = new Map<string, { cls: new (...a: never[]) => Transform; nested: boolean }>();
/** Registers transform classes for transformFromSpec (nested: the first argument is a list of transforms). */
export function registerTransforms(classes: (new (...a: never[]) => Transform)[], nested = false): void {
  for (const cls of classes) REGISTRY.set(cls.name, { cls, nested });
}
/** The spec of a transform (or null for none); a plain function cannot cross to a worker: coded error. */
export function specOfImpl(t: unknown, name: string): TransformSpec | null {
  if (typeof name !== 'string') typeArg('name', 'a string', name);
  if (t === undefined || t === null) return null;
  if (t instanceof Transform) return t.toSpec();
  const legacy = t as { kind?: string; mean?: number[]; std?: number[]; parts?: unknown[] };
  if (typeof t === 'function' && legacy.kind === 'toTensor' && !legacy.parts) return { type: 'ToTensor', args: [] };
  if (typeof t === 'function' && legacy.kind === 'normalize' && !legacy.parts) return { type: 'Normalize', args: [legacy.mean, legacy.std] };
  if (typeof t === 'function' && legacy.parts) return { type: 'Compose', args: [legacy.parts.map((x, i) => specOfImpl(x, `${name}[${i}]`))] };
  return invalidArg(name, 'a torch.data.transforms transform (a plain function cannot be sent to DataLoader worker threads; use the option workerDataset)', t);
}
/** Rebuilds a transform from its spec. */
export function fromSpecImpl(spec: TransformSpec | null): Transform | undefined {
  if (spec === null) return undefined;
  if (typeof spec !== 'object' || typeof spec.type !== 'string' || !Array.isArray(spec.args)) typeArg('spec', 'a transform spec {type, args} (from toSpec())', spec);
  const entry = REGISTRY.get(spec.type);
  if (!entry) return invalidArg('spec.type', `one of ${[...REGISTRY.keys()].join(', ')}`, spec.type);
  let args = spec.args;
  if (entry.nested) {
    if (!Array.isArray(args[0])) typeArg('spec.args[0]', 'a list of transform specs', args[0]);
    args = [(args[0] as TransformSpec[]).map(fromSpecImpl), ...args.slice(1)];
  }
  return new (entry.cls as unknown as new (...a: unknown[]) => Transform)(...args);
}
