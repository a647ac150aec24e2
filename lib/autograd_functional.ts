// lib/autograd_functional.ts — torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp.
// Contract: PyTorch 1.13's semantics, composed from torch.autograd.grad (lib/autograd.ts): `inputs`
// is a tensor or an array of tensors (PyTorch's tuple), passed to `func` as separate arguments; an
// array in gives an array out (jacobian: one entry per output, each one per input, the single-tensor
// levels unwrapped as in PyTorch's _tuple_postprocess). Results are detached unless createGraph, in
// which case they carry a graph (differentiable again). jvp and hvp use the double-backward trick
// (the backward of a backward), so `func` must be made of ops that support createGraph (lib/autograd.ts
// DOUBLE_BACKWARD_OPS; others are ERR_TORCHLET_NOT_IMPLEMENTED naming the op). strict mode: an output
// independent of an input (or not requiring grad) is an ERR_TORCHLET_AUTOGRAD error with PyTorch's
// message, instead of zeros. Only the reverse-mode, non-vectorized strategy exists: vectorize: true
// and strategy 'forward-mode' are ERR_TORCHLET_NOT_IMPLEMENTED. vjp / jvp / vhp / hvp return
// [functionOutput, product] (PyTorch's pair).
import { TorchletError, checkOptionKeys, invalidArg, noExtraArgs, optBool, shapeError, typeArg, checkSameTensorKind } from './errors';
import { Tensor } from './tensor';
import { enableGrad, grad as autogradGrad, isGradEnabled, autogradError, noGrad } from './autograd';
import { zerosLike } from './creation';
import { stack } from './ops/shape';

/** A tensor, or an array of tensors (PyTorch's tuple of tensors). */
export type Tensors = Tensor | Tensor[];
/** A function of the inputs (one argument per input tensor) returning a tensor or an array of tensors. */
export type TensorsFunction = (...inputs: Tensor[]) => Tensor | Tensor[];

export interface FunctionalOptions {
  /** the results carry a graph, so they can be differentiated again (default false) */
  createGraph?: boolean;
  /** an output independent of an input is an error instead of zeros (default false) */
  strict?: boolean;
}
export interface JacobianOptions extends FunctionalOptions {
  /** only false exists (PyTorch's vmap-based vectorize is not implemented) */
  vectorize?: boolean;
  /** only 'reverse-mode' exists */
  strategy?: 'reverse-mode' | 'forward-mode';
}
export interface HessianOptions extends FunctionalOptions {
  vectorize?: boolean;
  /** only 'reverse-mode' exists */
  outerJacobianStrategy?: 'reverse-mode' | 'forward-mode';
}

function notImplemented(what: string): never {
  throw new TorchletError(`torchlet: ${what} is not implemented`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
}
function strictError(msg: string): never {
  throw autogradError(`${msg} (strict mode)`);
}
function checkFunc(func: unknown): void {
  if (typeof func !== 'function') typeArg('func', 'a function of the input tensors', func);
}
/** PyTorch's _as_tuple: [was an array, the tensors]. */
function asTuple(v: unknown, argName: string, fnName: string): [boolean, Tensor[]] {
  const isTuple = Array.isArray(v);
  const arr = (isTuple ? v : [v]) as unknown[];
  if (!arr.length) invalidArg(argName, `a Tensor or a non-empty array of Tensors (the ${argName} given to ${fnName})`, v);
  arr.forEach((t, i) => {
    if (!(t instanceof Tensor))
      typeArg(isTuple ? `${argName}[${i}]` : argName, `a Tensor or an array of Tensors (the ${argName} given to ${fnName})`, t);
    if (t.disposed) invalidArg(isTuple ? `${argName}[${i}]` : argName, 'a live tensor', 'a disposed tensor');
  });
  return [isTuple, arr as Tensor[]];
}
function checkFloating(name: string, ts: Tensor[], isTuple: boolean): void {
  ts.forEach((t, i) => {
    if (t.dtype !== 'float32' && t.dtype !== 'float64')
      typeArg(isTuple ? `${name}[${i}]` : name, 'a floating-point tensor (only those can require gradients)', t);
  });
}
/** PyTorch's _grad_preprocess: fresh tensors requiring grad (views of the inputs under createGraph, keeping their graph). */
function gradPreprocess(ts: Tensor[], createGraph: boolean, needGraph: boolean): Tensor[] {
  return ts.map((t) => {
    if (createGraph && t.requiresGrad) return t.viewAs(t);
    return t.detach().requiresGrad_(needGraph);
  });
}
function detachAll(ts: Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? ts : ts.map((t) => (t.requiresGrad ? t.detach() : t));
}
function checkRequiresGrad(ts: (Tensor | null)[], inputType: 'outputs' | 'grad_inputs' | 'jacobian' | 'hessian', strict: boolean): void {
  if (!strict) return;
  ts.forEach((t, i) => {
    if (t === null) strictError(`The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
    if (!t.requiresGrad) {
      if (inputType === 'hessian')
        strictError(`The hessian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is thrice differentiable and that the hessian depends on the inputs.`);
      if (inputType === 'jacobian')
        strictError(`While computing the hessian, found that the jacobian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear function for example).`);
      if (inputType === 'grad_inputs')
        strictError(`The gradient with respect to input ${i} is independent of the inputs of the user-provided function. This is not allowed in strict mode.`);
      strictError(`Output ${i} of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.`);
    }
  });
}
/** PyTorch's _autograd_grad: the gradients of the outputs that require grad (null for inputs they do not reach). */
function autogradGradAll(outputs: (Tensor | null)[], inputs: Tensor[], gradOutputs: (Tensor | null)[] | null, createGraph: boolean, retainGraph?: boolean): (Tensor | null)[] {
  const outs: Tensor[] = [];
  const gos: (Tensor | null)[] = [];
  outputs.forEach((o, i) => {
    if (o && o.requiresGrad) {
      outs.push(o);
      gos.push(gradOutputs ? gradOutputs[i] : null);
    }
  });
  if (!outs.length) return inputs.map(() => null);
  return autogradGrad(outs, inputs, { gradOutputs: gos, createGraph, retainGraph: retainGraph ?? createGraph, allowUnused: true });
}
type Stage = 'back' | 'back_trick' | 'double_back' | 'double_back_trick';
/** PyTorch's _fill_in_zeros: zeros where no gradient arrived (an error in strict mode). */
function fillInZeros(grads: (Tensor | null)[], refs: Tensor[], strict: boolean, createGraph: boolean, stage: Stage): Tensor[] {
  return grads.map((g, i) => {
    if (g === null) {
      if (strict) {
        if (stage === 'back') strictError(`The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
        if (stage === 'back_trick')
          strictError(`The gradient with respect to the input is independent of entry ${i} in the grad_outputs when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.`);
        if (stage === 'double_back') strictError(`The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
        strictError(`The hessian of the user-provided function is independent of entry ${i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD.`);
      }
      return zerosLike(refs[i]);
    }
    if (strict && createGraph && !g.requiresGrad) {
      if (!stage.includes('double')) strictError(`The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode when create_graph=True.`);
      strictError(`The hessian of the user-provided function is independent of input ${i}. This is not allowed in strict mode when create_graph=True.`);
    }
    return g;
  });
}
/** PyTorch's _validate_v: one tensor per entry of `other`, each of its shape (and dtype and device). */
function validateV(v: Tensor[], other: Tensor[], isOtherTuple: boolean, otherName: string): void {
  if (v.length !== other.length) {
    if (isOtherTuple) invalidArg('v', `an array of ${other.length} tensors (one per entry of ${otherName})`, `${v.length} tensors`);
    invalidArg('v', `a single Tensor (as ${otherName})`, `${v.length} tensors`);
  }
  v.forEach((t, i) => {
    const name = isOtherTuple ? `v[${i}]` : 'v';
    const like = other[i];
    if (t.shape.join() !== like.shape.join()) shapeError(name, `a tensor of shape [${like.shape.join(', ')}] (the shape of ${otherName}${isOtherTuple ? `[${i}]` : ''})`, t);
    checkSameTensorKind(name, t, like, isOtherTuple ? `${otherName}[${i}]` : otherName);
  });
}
function callFunc(func: TensorsFunction, inputs: Tensor[], fnName: string): [boolean, Tensor[]] {
  const out = func(...inputs);
  return asTuple(out, 'outputs of func', fnName);
}
function withGrad<T>(enabled: boolean, fn: () => T): T {
  return enabled ? enableGrad(fn) : noGrad(fn);
}
function post<T>(ts: T[], isTuple: boolean): T | T[] {
  return isTuple ? ts : ts[0];
}

function commonOptions(name: string, opts: unknown, extra: string[]): { createGraph: boolean; strict: boolean; o: Record<string, unknown> } {
  const o = checkOptionKeys('opts', opts as Record<string, unknown> | undefined, ['createGraph', 'strict', ...extra]);
  void name;
  return { createGraph: optBool('opts.createGraph', o.createGraph, false), strict: optBool('opts.strict', o.strict, false), o };
}

/**
 * The vector-Jacobian product vᵀ·J of func at inputs (torch.autograd.functional.vjp): returns
 * [func(inputs), vjp], vjp shaped as inputs. v: one tensor per output (may be omitted when func
 * returns a single one-element tensor).
 */
export function vjp(func: TensorsFunction, inputs: Tensors, v?: Tensors | null, opts?: FunctionalOptions, ...rest: never[]): [Tensors, Tensors] {
  noExtraArgs('vjp', 'func, inputs, v, opts', rest);
  checkFunc(func);
  const { createGraph, strict } = commonOptions('vjp', opts, []);
  const [isInputsTuple, ins0] = asTuple(inputs, 'inputs', 'vjp');
  checkFloating('inputs', ins0, isInputsTuple);
  let vs: Tensor[] | null = null;
  if (v !== undefined && v !== null) vs = asTuple(v, 'v', 'vjp')[1];
  const [ins, outputs, isOutputsTuple] = enableGrad(() => {
    const pre = gradPreprocess(ins0, createGraph, true);
    const [isOut, outs] = callFunc(func, pre, 'vjp');
    checkRequiresGrad(outs, 'outputs', strict);
    if (vs) {
      vs = gradPreprocess(vs, createGraph, false);
      validateV(vs, outs, isOut, 'the outputs of func');
    } else if (outs.length !== 1 || outs[0].numel() !== 1)
      invalidArg('v', 'a tensor (v can only be omitted when func returns a single Tensor with a single element)', v);
    return [pre, outs, isOut] as const;
  });
  const res = withGrad(createGraph || isGradEnabled(), () => {
    const g = autogradGradAll(outputs, ins, vs, createGraph);
    return fillInZeros(g, ins, strict, createGraph, 'back');
  });
  return [post(detachAll(outputs, createGraph), isOutputsTuple), post(detachAll(res, createGraph), isInputsTuple)];
}

/**
 * The Jacobian-vector product J·v of func at inputs (torch.autograd.functional.jvp), by the double
 * backward trick: returns [func(inputs), jvp], jvp shaped as the outputs. v: one tensor per input
 * (may be omitted when the input is a single one-element tensor).
 */
export function jvp(func: TensorsFunction, inputs: Tensors, v?: Tensors | null, opts?: FunctionalOptions, ...rest: never[]): [Tensors, Tensors] {
  noExtraArgs('jvp', 'func, inputs, v, opts', rest);
  checkFunc(func);
  const { createGraph, strict } = commonOptions('jvp', opts, []);
  const [isInputsTuple, ins0] = asTuple(inputs, 'inputs', 'jvp');
  checkFloating('inputs', ins0, isInputsTuple);
  let vs: Tensor[] | null = null;
  if (v !== undefined && v !== null) vs = asTuple(v, 'v', 'jvp')[1];
  const { outputs, isOut, gradOutputs, gradInputs } = enableGrad(() => {
    const ins = gradPreprocess(ins0, createGraph, true);
    if (vs) {
      vs = gradPreprocess(vs, createGraph, false);
      validateV(vs, ins, isInputsTuple, 'inputs');
    } else if (ins.length !== 1 || ins[0].numel() !== 1)
      invalidArg('v', 'a tensor (v can only be omitted when the input is a single Tensor with a single element)', v);
    const [isO, outs] = callFunc(func, ins, 'jvp');
    checkRequiresGrad(outs, 'outputs', strict);
    // the backward is linear in grad_outputs: their value does not matter (zeros, never NaN)
    const gos = outs.map((o) => zerosLike(o).requiresGrad_(true));
    const gis = autogradGradAll(outs, ins, gos, true);
    checkRequiresGrad(gis, 'grad_inputs', strict);
    return { outputs: outs, isOut: isO, gradOutputs: gos, gradInputs: gis };
  });
  const res = withGrad(createGraph || isGradEnabled(), () => {
    const g = autogradGradAll(gradInputs, gradOutputs, vs, createGraph);
    return fillInZeros(g, outputs, strict, createGraph, 'back_trick');
  });
  return [post(detachAll(outputs, createGraph), isOut), post(detachAll(res, createGraph), isOut)];
}

function checkStrategy(name: string, v: unknown): void {
  if (v === undefined || v === 'reverse-mode') return;
  if (v === 'forward-mode') notImplemented(`${name}: 'forward-mode' (forward-mode AD with vectorize)`);
  invalidArg(name, "'reverse-mode' (or 'forward-mode', not implemented)", v);
}
function checkVectorize(v: unknown): void {
  if (optBool('opts.vectorize', v, false)) notImplemented('opts.vectorize: true (vmap-based vectorized jacobian; use vectorize: false)');
}

function jacobianImpl(func: TensorsFunction, inputs: Tensors, createGraph: boolean, strict: boolean): Tensors | Tensor[][] {
  return enableGrad(() => {
    const [isInputsTuple, ins0] = asTuple(inputs, 'inputs', 'jacobian');
    checkFloating('inputs', ins0, isInputsTuple);
    const ins = gradPreprocess(ins0, createGraph, true);
    const [isOutputsTuple, outputs] = callFunc(func, ins, 'jacobian');
    checkRequiresGrad(outputs, 'outputs', strict);
    const jac: Tensor[][] = outputs.map((out, i) => {
      const rows: Tensor[][] = ins.map(() => []);
      const flat = out.reshape([-1]);
      const n = out.numel();
      for (let j = 0; j < n; j++) {
        const vj = autogradGradAll([flat.select(0, j)], ins, null, createGraph, true);
        vj.forEach((g, k) => {
          if (g !== null) {
            if (strict && createGraph && !g.requiresGrad)
              strictError(`The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode when create_graph=True.`);
            rows[k].push(g);
          } else {
            if (strict) strictError(`Output ${i} of the user-provided function is independent of input ${k}. This is not allowed in strict mode.`);
            rows[k].push(zerosLike(ins[k]));
          }
        });
      }
      return rows.map((r, k) => {
        const shape = [...out.shape, ...ins[k].shape];
        if (!r.length) return zerosLike(ins[k]).reshape([-1]).narrow(0, 0, 0).reshape(shape);
        return stack(r, 0).reshape(shape);
      });
    });
    const done = createGraph ? jac : jac.map((r) => r.map((t) => (t.requiresGrad ? t.detach() : t)));
    if (isOutputsTuple && isInputsTuple) return done;
    if (!isOutputsTuple && isInputsTuple) return done[0];
    if (isOutputsTuple && !isInputsTuple) return done.map((r) => r[0]);
    return done[0][0];
  });
}

/**
 * The Jacobian of func at inputs (torch.autograd.functional.jacobian), computed row by row in reverse
 * mode: for output i and input j, a tensor of shape [...output_i.shape, ...input_j.shape]. A single
 * output and a single input give one tensor; an array of inputs (or outputs) adds that level.
 */
export function jacobian(func: TensorsFunction, inputs: Tensors, opts?: JacobianOptions, ...rest: never[]): Tensors | Tensor[][] {
  noExtraArgs('jacobian', 'func, inputs, opts', rest);
  checkFunc(func);
  const { createGraph, strict, o } = commonOptions('jacobian', opts, ['vectorize', 'strategy']);
  checkVectorize(o.vectorize);
  checkStrategy('opts.strategy', o.strategy);
  return jacobianImpl(func, inputs, createGraph, strict);
}

/**
 * The Hessian of a scalar function at inputs (torch.autograd.functional.hessian): for inputs i and j a
 * tensor of shape [...input_i.shape, ...input_j.shape]; a single input gives one tensor, an array of
 * inputs an array of arrays. func must return a single one-element tensor.
 */
export function hessian(func: TensorsFunction, inputs: Tensors, opts?: HessianOptions, ...rest: never[]): Tensor | Tensor[][] {
  noExtraArgs('hessian', 'func, inputs, opts', rest);
  checkFunc(func);
  const { createGraph, strict, o } = commonOptions('hessian', opts, ['vectorize', 'outerJacobianStrategy']);
  checkVectorize(o.vectorize);
  checkStrategy('opts.outerJacobianStrategy', o.outerJacobianStrategy);
  const [isInputsTuple, ins] = asTuple(inputs, 'inputs', 'hessian');
  const single = (...inp: Tensor[]): Tensor => {
    const out = func(...inp);
    const [isOut, t] = asTuple(out, 'outputs of func', 'hessian');
    checkRequiresGrad(t, 'outputs', strict);
    if (isOut) typeArg('the output of func', 'a single Tensor (the function given to hessian)', out);
    if (t[0].numel() !== 1) shapeError('the output of func', 'a tensor with a single element (the function given to hessian)', t[0]);
    return t[0].squeeze();
  };
  const jacFunc = (...inp: Tensor[]): Tensor[] => {
    const jac = jacobianImpl(single, inp, true, false) as Tensor[];
    checkRequiresGrad(jac, 'jacobian', strict);
    return jac;
  };
  const res = jacobianImpl(jacFunc, ins, createGraph, strict) as Tensor[][];
  return isInputsTuple ? res : res[0][0];
}

function hvpCommon(name: 'vhp' | 'hvp', func: TensorsFunction, inputs: Tensors, v: Tensors | null | undefined, opts: FunctionalOptions | undefined): [Tensors, Tensors] {
  checkFunc(func);
  const { createGraph, strict } = commonOptions(name, opts, []);
  const [isInputsTuple, ins0] = asTuple(inputs, 'inputs', name);
  checkFloating('inputs', ins0, isInputsTuple);
  let vs: Tensor[] | null = null;
  if (v !== undefined && v !== null) vs = asTuple(v, 'v', name)[1];
  const { ins, outputs, isOut, jac, extra } = enableGrad(() => {
    const pre = gradPreprocess(ins0, createGraph, true);
    if (vs) {
      vs = gradPreprocess(vs, createGraph, false);
      validateV(vs, pre, isInputsTuple, 'inputs');
    } else if (pre.length !== 1 || pre[0].numel() !== 1)
      invalidArg('v', 'a tensor (v can only be omitted when the input is a single Tensor with a single element)', v);
    const [isO, outs] = callFunc(func, pre, name);
    checkRequiresGrad(outs, 'outputs', strict);
    if (isO) typeArg('the output of func', `a single Tensor (the function given to ${name})`, outs);
    if (outs[0].numel() !== 1) shapeError('the output of func', `a tensor with a single element (the function given to ${name})`, outs[0]);
    const j = autogradGradAll(outs, pre, null, true);
    if (name === 'vhp') {
      checkRequiresGrad(j, 'jacobian', strict);
      return { ins: pre, outputs: outs, isOut: isO, jac: j, extra: null };
    }
    const gradJac = pre.map((t) => zerosLike(t).requiresGrad_(true));
    const doubleBack = autogradGradAll(j, pre, gradJac, true);
    checkRequiresGrad(j, 'hessian', strict);
    return { ins: pre, outputs: outs, isOut: isO, jac: doubleBack, extra: gradJac };
  });
  const res = withGrad(createGraph || isGradEnabled(), () => {
    if (extra === null) return fillInZeros(autogradGradAll(jac, ins, vs, createGraph), ins, strict, createGraph, 'double_back');
    return fillInZeros(autogradGradAll(jac, extra, vs, createGraph), ins, strict, createGraph, 'double_back_trick');
  });
  return [post(detachAll(outputs, createGraph), isOut), post(detachAll(res, createGraph), isInputsTuple)];
}

/**
 * The vector-Hessian product vᵀ·H of a scalar function at inputs (torch.autograd.functional.vhp):
 * returns [func(inputs), vhp], vhp shaped as inputs.
 */
export function vhp(func: TensorsFunction, inputs: Tensors, v?: Tensors | null, opts?: FunctionalOptions, ...rest: never[]): [Tensors, Tensors] {
  noExtraArgs('vhp', 'func, inputs, v, opts', rest);
  return hvpCommon('vhp', func, inputs, v, opts);
}
/**
 * The Hessian-vector product H·v of a scalar function at inputs (torch.autograd.functional.hvp, by
 * the double backward trick): returns [func(inputs), hvp], hvp shaped as inputs.
 */
export function hvp(func: TensorsFunction, inputs: Tensors, v?: Tensors | null, opts?: FunctionalOptions, ...rest: never[]): [Tensors, Tensors] {
  noExtraArgs('hvp', 'func, inputs, v, opts', rest);
  return hvpCommon('hvp', func, inputs, v, opts);
}
