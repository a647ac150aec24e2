// lib/strict.ts — strict positional arguments for the whole public API, applied in one place
// (lib/index.ts calls applyStrictArity once at load). Contract: every public function, class
// constructor, static method and prototype method that declares a fixed parameter list throws
// ERR_TORCHLET_INVALID_ARG ("Expected at most the arguments (a, b, opts) for torch.add() but
// received 1 more argument") when called with a non-undefined argument past its declared parameters, as
// issue 14 asks (`new nn.Conv2d(1, 32, 3, 2)` must not drop the stride silently). The parameter list
// is read from the function's own source, so the declaration stays the single source of truth.
// Left alone: functions with a rest parameter (a `...rest: never[]` one checks itself with
// noExtraArgs; any other is a varargs function, e.g. torch.ones(2, 3, 4), that checks its own), and
// the Tensor constructor (internal, hot; it checks itself). Functions are wrapped where their module
// exports them (so re-exports see the wrapper), classes become Proxies whose construct trap checks
// (instanceof, `extends`, statics and `prototype` are forwarded unchanged; the prototype's
// `constructor` is the Proxy, so `x.constructor === torch.nn.Linear` holds). The originals stay
// reachable through unwrapStrict (the API sweeps in test/ read their parameter lists).
import { TorchletRangeError } from './errors';

const TARGET = Symbol.for('torchlet.strict.target');

/** One declared parameter: its name (a destructuring pattern as written), default and rest flags. */
export interface DeclaredParam {
  name: string;
  hasDefault: boolean;
  rest: boolean;
}

/** The original of a wrapped public function or class (the value itself otherwise). */
export function unwrapStrict<T>(f: T): T {
  const t = f && (typeof f === 'function' || typeof f === 'object') ? (f as unknown as Record<symbol, unknown>)[TARGET] : undefined;
  return (t as T | undefined) ?? f;
}

/** Splits a parameter list at its top-level commas (brackets, braces, parentheses and strings nest). */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      cur += ch;
      if (ch === '\\') cur += s[++i];
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
/** The parameters of the list that opens at src[open] === '(' (null when it does not close). */
function paramsAt(src: string, open: number): string[] | null {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i >= 0 && i < src.length; i++) {
    const ch = src[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return splitTopLevel(src.slice(open + 1, i));
  }
  return null;
}
/** The index of the first '=' outside brackets in a parameter (its default's start), or -1. */
function topLevelEquals(p: string): number {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === '=' && depth === 0) return i;
  }
  return -1;
}

/**
 * The declared parameters of a function, a method or a class's constructor (its nearest ancestor's
 * where it declares none), read from its source; null when they cannot be read (a native function).
 */
export function declaredParams(fn: unknown): DeclaredParam[] | null {
  const f = unwrapStrict(fn);
  if (typeof f !== 'function') return null;
  const src = Function.prototype.toString.call(f).replace(/\/\*[\s\S]*?\*\//g, '');
  let raw: string[] | null;
  if (/^class[\s{]/.test(src)) {
    const m = /\bconstructor\s*\(/.exec(src);
    if (!m) {
      const parent = Object.getPrototypeOf(f);
      return typeof parent === 'function' && parent !== Function.prototype ? declaredParams(parent) : [];
    }
    raw = paramsAt(src, m.index + m[0].length - 1);
  } else {
    if (/\[native code\]/.test(src)) return null;
    const arrow = /^(async\s+)?([\w$]+)\s*=>/.exec(src);
    raw = arrow ? [arrow[2]] : paramsAt(src, src.indexOf('('));
  }
  if (!raw) return null;
  return raw.map((q) => {
    const p = q.replace(/\/\/[^\n]*\n/g, '').trim();
    const rest = p.startsWith('...');
    const body = rest ? p.slice(3) : p;
    const eq = topLevelEquals(body);
    return { name: (eq >= 0 ? body.slice(0, eq) : body).trim(), hasDefault: eq >= 0, rest };
  });
}

/** How many positional arguments `f` takes, or null when it takes any number (a rest parameter) or its list cannot be read. */
function fixedArity(f: unknown): { n: number; takes: string } | null {
  const ps = declaredParams(f);
  if (!ps || ps.some((p) => p.rest)) return null;
  return { n: ps.length, takes: ps.map((p) => (/^[\w$]+$/.test(p.name) ? p.name : 'opts')).join(', ') };
}

function tooMany(name: string, takes: string, args: ArrayLike<unknown>, n: number): never {
  let extra = 0;
  for (let i = n; i < args.length; i++) if (args[i] !== undefined) extra = i - n + 1;
  const what = takes ? `at most the arguments (${takes})` : 'no arguments';
  throw new TorchletRangeError(`torchlet: Expected ${what} for ${name}() but received ${extra} more argument${extra > 1 ? 's' : ''}`, 'ERR_TORCHLET_INVALID_ARG');
}

/**
 * `f` wrapped to refuse non-undefined arguments past its first n (null when it takes varargs). An
 * override is held to the widest of the methods it overrides (`base`): a base class may call its
 * hook with arguments the override does not use (Optimizer.checkState and SGD's).
 */
function strictFunction(f: (...a: unknown[]) => unknown, name: string, base: unknown[] = []): ((...a: unknown[]) => unknown) | null {
  const ar = fixedArity(f);
  if (!ar) return null;
  let { n, takes } = ar;
  for (const b of base) {
    const br = fixedArity(b);
    if (!br) return null;
    if (br.n > n) ({ n, takes } = br);
  }
  // `arguments`, not a rest parameter: no array is made per call on this hot path (every op call)
  const wrapped = function (this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    const args = arguments;
    for (let i = n; i < args.length; i++) if (args[i] !== undefined) tooMany(name, takes, args, n);
    return f.apply(this, args as unknown as unknown[]);
  };
  Object.defineProperty(wrapped, 'name', { value: f.name });
  Object.defineProperty(wrapped, 'length', { value: f.length });
  Object.defineProperty(wrapped, TARGET, { value: f });
  return wrapped;
}

type AnyClass = new (...a: unknown[]) => unknown;
/** A Proxy of class C whose `new` refuses extra arguments (null when the constructor takes varargs). */
function strictClass(C: AnyClass, name: string): AnyClass | null {
  const ar = fixedArity(C);
  if (!ar) return null;
  const { n, takes } = ar;
  return new Proxy(C, {
    construct(target, args, newTarget) {
      for (let i = n; i < args.length; i++) if (args[i] !== undefined) tooMany(name, takes, args, n);
      return Reflect.construct(target, args, newTarget === proxyOf.get(target) ? target : newTarget) as object;
    },
    get(target, key, receiver) {
      if (key === TARGET) return target;
      const v = Reflect.get(target, key, receiver);
      // `x instanceof Proxy` calls the class's hasInstance with the proxy as `this`: give it the class
      // (a subclass reaching it through its prototype chain keeps itself as `this`)
      if (key === Symbol.hasInstance && typeof v === 'function' && receiver === proxyOf.get(target))
        return (x: unknown) => (v as (x: unknown) => boolean).call(target, x);
      return v;
    },
  });
}
const proxyOf = new WeakMap<object, object>();

const isClass = (f: unknown): boolean => typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));

/** Wraps the own writable function-valued data properties of `obj` that pass `pick`, in place. */
function wrapOwn(obj: object, label: string, pick: (k: string, v: unknown) => boolean, wrap: (v: unknown, name: string) => unknown): void {
  for (const k of Object.getOwnPropertyNames(obj)) {
    const d = Object.getOwnPropertyDescriptor(obj, k)!;
    if (!('value' in d) || !d.writable || typeof d.value !== 'function' || !pick(k, d.value)) continue;
    const w = wrap(d.value, `${label}.${k}`);
    if (w !== d.value) Object.defineProperty(obj, k, { ...d, value: w });
  }
}

/**
 * Makes the public API strict: `namespaces` are the public namespace objects ([qualified name,
 * object], read through their re-export getters), `modules` the module objects that define what
 * they export (their own export properties are replaced, so every re-export sees the wrapper).
 * Classes in `exempt` keep their constructor as is (their methods are still wrapped).
 * Records the qualified names of public functions and classes that could not be wrapped (a module
 * missing from `modules`) for strictArityMissing().
 */
export function applyStrictArity(namespaces: [string, object][], modules: object[], exempt: Set<unknown>): void {
  // the public values, by identity, with their first qualified name
  const names = new Map<unknown, string>();
  for (const [prefix, ns] of namespaces)
    for (const k of Object.keys(ns)) {
      const v = (ns as Record<string, unknown>)[k];
      if (typeof v === 'function' && !names.has(unwrapStrict(v))) names.set(unwrapStrict(v), `${prefix}.${k}`);
    }
  const wrappers = new Map<unknown, unknown>();
  const wrap = (v: unknown): unknown => {
    if (wrappers.has(v)) return wrappers.get(v);
    const name = names.get(v)!;
    let w: unknown = null;
    if (isClass(v)) {
      if (!exempt.has(v)) {
        w = strictClass(v as AnyClass, name);
        if (w) {
          proxyOf.set(v as object, w as object);
          // instances' `constructor` is the public class (x.constructor === torch.nn.Linear)
          const proto = (v as AnyClass).prototype as object;
          const d = Object.getOwnPropertyDescriptor(proto, 'constructor');
          if (d && d.value === v) Object.defineProperty(proto, 'constructor', { ...d, value: w });
        }
      }
    } else w = strictFunction(v as (...a: unknown[]) => unknown, name);
    wrappers.set(v, w ?? v);
    return w ?? v;
  };
  for (const obj of [...modules, ...namespaces.map(([, ns]) => ns)]) wrapOwn(obj, '', (_k, v) => names.has(v), (v) => wrap(v));
  // methods and static methods of the public classes
  const done = new Set<object>();
  for (const [v, name] of names) {
    if (!isClass(v)) continue;
    const short = name.split('.').pop()!;
    for (let C = v as AnyClass; isClass(C) && !done.has(C); C = Object.getPrototypeOf(C)) {
      done.add(C);
      const cls = C.name || short;
      const proto = C.prototype as object;
      const overridden = (k: string): unknown[] => {
        const out: unknown[] = [];
        for (let p = Object.getPrototypeOf(proto); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
          const d = Object.getOwnPropertyDescriptor(p, k);
          if (d && typeof d.value === 'function') out.push(d.value);
        }
        return out;
      };
      wrapOwn(proto, cls, (k) => k !== 'constructor', (m, n) => strictFunction(m as (...a: unknown[]) => unknown, n, overridden(n.slice(cls.length + 1))) ?? m);
      wrapOwn(C, cls, () => true, (m, n) => (isClass(m) ? m : (strictFunction(m as (...a: unknown[]) => unknown, n) ?? m)));
    }
  }
  // what is still not wrapped although it takes a fixed list
  const missing: string[] = [];
  for (const [prefix, ns] of namespaces)
    for (const k of Object.keys(ns)) {
      const v = (ns as Record<string, unknown>)[k];
      if (typeof v !== 'function' || unwrapStrict(v) !== v || exempt.has(v)) continue;
      if (fixedArity(v)) missing.push(`${prefix}.${k}`);
    }
  lastMissing = missing;
}
let lastMissing: string[] = [];
/** The public functions and classes applyStrictArity could not reach: test/errors/strict_arity.test.ts requires none. */
export function strictArityMissing(): string[] {
  return [...lastMissing];
}
