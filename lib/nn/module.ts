// lib/nn/module.ts — nn.Module: parameters, buffers and submodules discovered from the instance's
// own fields in assignment order (as PyTorch registers them), train/eval, apply, zeroGrad,
// stateDict/loadStateDict (dotted names as PyTorch) and a PyTorch-style toString().
import { invalidArg, TorchletError } from '../errors';
import { Tensor, StorageRef, keep, noGrad } from '../tensor';

/** A tensor registered as a module parameter (requires grad, survives tidy()). */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    const d = data as Tensor & { _storage: StorageRef };
    super(d._storage, data.shape.slice(), data.dtype, data.device, data.strides.slice(), data.offset);
    this.kept = true;
    if (requiresGrad) this.requiresGrad_(true);
  }
}

export abstract class Module {
  training = true;
  private _buffers = new Set<string>();

  abstract forward(...args: unknown[]): unknown;

  /** Registers a named buffer (saved in stateDict, not a parameter). */
  registerBuffer(name: string, t: Tensor | null): void {
    this._buffers.add(name);
    if (t) keep(t);
    (this as unknown as Record<string, unknown>)[name] = t;
  }

  namedChildren(): [string, Module][] {
    return Object.entries(this).filter(([, v]) => v instanceof Module) as [string, Module][];
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter && !seen.has(v)) {
          seen.add(v);
          out.push([mp ? `${mp}.${k}` : k, v]);
        }
      }
    }
    return out;
  }
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [mp, m] of this.namedModules()) {
      for (const b of m._buffers) {
        const v = (m as unknown as Record<string, unknown>)[b];
        if (v instanceof Tensor) out.push([mp ? `${mp}.${b}` : b, v]);
      }
    }
    return out;
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Calls fn on every submodule (children first) and then on this module, as PyTorch. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }
  zeroGrad(): void {
    for (const p of this.parameters()) {
      if (p.grad) p.grad.dispose();
      p.grad = null;
    }
  }
  to(device: string): this {
    if (device !== 'cpu') for (const p of this.parameters()) p.to(device);
    return this;
  }

  /** Parameters and buffers by dotted name (views sharing the module's storage). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [mp, m] of this.namedModules()) {
      for (const [k, v] of Object.entries(m)) {
        const name = mp ? `${mp}.${k}` : k;
        const isBuf = m._buffers.has(k);
        if ((v instanceof Parameter || (isBuf && v instanceof Tensor)) && !(name in out)) out[name] = (v as Tensor).detach();
      }
    }
    return out;
  }
  /** Copies values in (shapes must match). strict: every key must match both ways. */
  loadStateDict(dict: Record<string, Tensor>, opts: { strict?: boolean } = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = opts.strict ?? true;
    const own = new Map<string, Tensor>();
    for (const [mp, m] of this.namedModules()) {
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter || (m._buffers.has(k) && v instanceof Tensor)) own.set(mp ? `${mp}.${k}` : k, v as Tensor);
      }
    }
    const missingKeys = [...own.keys()].filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length))
      throw new TorchletError(
        `torchlet: Error(s) in loading stateDict for ${this.constructor.name}: ` +
          (missingKeys.length ? `missing keys: ${missingKeys.join(', ')}. ` : '') +
          (unexpectedKeys.length ? `unexpected keys: ${unexpectedKeys.join(', ')}.` : ''),
      );
    for (const [k, t] of own) {
      const src = dict[k];
      if (!src) continue;
      if (!(src instanceof Tensor)) invalidArg(`stateDict['${k}']`, 'a Tensor', src);
      if (src.shape.join() !== t.shape.join())
        invalidArg(`stateDict['${k}']`, `a tensor of shape [${t.shape.join(', ')}]`, src);
      noGrad(() => t.copy_(src));
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Extra text inside this module's parentheses in toString(). */
  extraRepr(): string {
    return '';
  }
  toString(): string {
    const kids = this.namedChildren();
    const extra = this.extraRepr();
    if (!kids.length) return `${this.constructor.name}(${extra})`;
    const lines = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${this.constructor.name}(${extra ? `${extra}\n` : '\n'}${lines.join('\n')}\n)`;
  }
}
