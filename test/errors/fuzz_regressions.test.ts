// test/errors/fuzz_regressions.test.ts — one regression test per finding of the fuzzer
// (bench/fuzz.js, bench/results/reliability-fuzz-2026-11-30.md) and of the strict-argument sweep
// (strict_arity.test.ts): each call below used to be accepted silently or to throw a plain JS error.
import * as torch from '../../lib';
import { TorchletError } from '../../lib/errors';

const { nn, F, optim } = torch;
type AnyFn = (...a: unknown[]) => unknown;
type AnyCtor = new (...a: unknown[]) => unknown;
const loose = (f: unknown) => f as AnyFn;
const looseNew = (C: unknown) => C as AnyCtor;

/** Calls f and returns the coded error it throws (failing when it returns or throws anything else). */
function codedError(f: () => unknown): TorchletError {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof TorchletError)) throw new Error(`expected a TorchletError, got ${err === null ? 'a normal return' : String(err)}`);
  expect(err.code).toMatch(/^ERR_TORCHLET_[A-Z_]+$/);
  return err;
}

describe('silent accepts found by the fuzzer', () => {
  test.each([
    ['nn.MSELoss reduction Infinity', () => new (looseNew(nn.MSELoss))({ reduction: Infinity }), /reduction/],
    ['nn.NLLLoss reduction -Infinity', () => new (looseNew(nn.NLLLoss))({ reduction: -Infinity }), /reduction/],
    ['nn.CrossEntropyLoss ignoreIndex NaN', () => new (looseNew(nn.CrossEntropyLoss))({ ignoreIndex: NaN }), /ignoreIndex/],
    ['nn.CrossEntropyLoss labelSmoothing 2', () => new (looseNew(nn.CrossEntropyLoss))({ labelSmoothing: 2 }), /labelSmoothing/],
    ['F.nllLoss ignoreIndex Infinity', () => F.nllLoss(torch.randn([2, 3]), torch.tensor([0, 1], { dtype: 'int64' }), { ignoreIndex: Infinity }), /ignoreIndex/],
    ['optim.Adam amsgrad Infinity', () => new (looseNew(optim.Adam))([torch.zeros([2], { requiresGrad: true })], { amsgrad: Infinity }), /amsgrad/],
    ['optim.Adam lr Infinity', () => new optim.Adam([torch.zeros([2], { requiresGrad: true })], { lr: Infinity }), /lr/],
    ['optim.SGD lr NaN', () => new optim.SGD([torch.zeros([2], { requiresGrad: true })], { lr: NaN }), /lr/],
    ['optim.SGD nesterov 1', () => new (looseNew(optim.SGD))([torch.zeros([2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9, nesterov: 1 }), /nesterov/],
    ['F.alphaDropout training Infinity', () => F.alphaDropout(torch.randn([4]), { p: 0.5, training: Infinity as unknown as boolean }), /training/],
    ['F.dropout training "no"', () => F.dropout(torch.randn([4]), { training: 'no' as unknown as boolean }), /training/],
    ['nn.Linear bias Infinity', () => new (looseNew(nn.Linear))(3, 2, { bias: Infinity }), /bias/],
    ['nn.InstanceNorm2d momentum NaN', () => new (looseNew(nn.InstanceNorm2d))(2, { momentum: NaN }), /momentum/],
    ['nn.AvgPool2d countIncludePad -Infinity', () => new (looseNew(nn.AvgPool2d))(2, { countIncludePad: -Infinity }), /countIncludePad/],
    ['nn.PReLU init NaN', () => new torch.nn.PReLU({ init: NaN }), /init/],
    ['F.instanceNorm runningVar NaN', () => F.instanceNorm(torch.randn([1, 2, 3, 3]), { runningVar: NaN as never }), /runningVar/],
    ['models.vggBlock numConvs 2^31', () => torch.models.vggBlock(2 ** 31, 1, 1), /numConvs/],
    ['new models.BasicBlock downsample NaN', () => new (looseNew(torch.models.BasicBlock))(2, 2, { downsample: NaN }), /downsample/],
    ['nn.AdaptiveMaxPool2d returnIndices NaN', () => new (looseNew(nn.AdaptiveMaxPool2d))(2, { returnIndices: NaN }), /returnIndices/],
    ['nn.init.xavierNormal_ gain Infinity', () => torch.nn.init.xavierNormal_(torch.empty([3, 4]), { gain: Infinity }), /gain/],
    ['nn.init.xavierUniform_ gain NaN', () => torch.nn.init.xavierUniform_(torch.empty([3, 4]), { gain: NaN }), /gain/],
    ['nn.BatchNorm2d affine NaN', () => new (looseNew(nn.BatchNorm2d))(2, { affine: NaN }), /affine/],
    ['nn.LayerNorm elementwiseAffine 1', () => new (looseNew(nn.LayerNorm))(2, { elementwiseAffine: 1 }), /elementwiseAffine/],
    ['nn.LSTM batchFirst "yes"', () => new (looseNew(nn.LSTM))(2, 3, { batchFirst: 'yes' }), /batchFirst/],
    ['nn.TransformerEncoderLayer normFirst 1', () => new (looseNew(nn.TransformerEncoderLayer))(4, 2, { normFirst: 1 }), /normFirst/],
    ['x.sum keepdim NaN', () => (torch.randn([2, 3]) as unknown as { sum(d: number, o: object): unknown }).sum(0, { keepdim: NaN }), /keepdim/],
    ['nn.Conv2d bias 0', () => new (looseNew(nn.Conv2d))(1, 2, 3, { bias: 0 }), /bias/],
    ['nn.MultiheadAttention bias "yes"', () => new (looseNew(nn.MultiheadAttention))(4, 2, { bias: 'yes' }), /bias/],
  ] as [string, () => unknown, RegExp][])('%s is refused, naming the option', (_n, f, name) => {
    expect(codedError(f).message).toMatch(name);
  });

  test('the correct calls still work', () => {
    expect(new nn.MSELoss({ reduction: 'sum' }).forward(torch.ones([2]), torch.zeros([2])).item()).toBe(2);
    expect(new nn.Linear(3, 2, { bias: false }).bias).toBeNull();
    expect(F.dropout(torch.ones([3]), { training: false }).toArray()).toEqual(new Float32Array([1, 1, 1]));
    const x = torch.tensor([NaN, 1]);
    // nanToNum(x, nan) (PyTorch's positional nan) and nanToNum(x, {nan}) both still work
    expect(torch.nanToNum(x, 5).toArray()).toEqual(new Float32Array([5, 1]));
    expect(x.nanToNum({ nan: 3 }).toArray()).toEqual(new Float32Array([3, 1]));
  });
});

describe('plain JS errors found by the fuzzer', () => {
  test('x._castTo(a Proxy) is a coded error, not "Cannot convert object to primitive value"', () => {
    const x = torch.randn([2]);
    expect(codedError(() => loose(x._castTo.bind(x))(new Proxy({}, {}))).message).toMatch(/dtype/);
  });
  test('an error class given a message without a primitive form does not throw a TypeError', () => {
    const e = new (looseNew(torch.TorchletTypeError))(Object.create(null)) as Error;
    expect(e).toBeInstanceOf(TorchletError);
    expect(e.message).toBe('[object Object]');
  });
});

describe('strict arguments (issue 14) on the issue\'s own examples', () => {
  test('new nn.Conv2d(1, 32, 3, 2) does not drop the stride: an error naming the options, or Conv2d', () => {
    expect(codedError(() => new (looseNew(nn.Conv2d))(1, 32, 3, 2)).message).toMatch(/an options object for opts but received 2/);
    expect(codedError(() => new (looseNew(nn.Conv2d))(1, 32, 3, {}, 2)).message).toMatch(
      /at most the arguments \(inChannels, outChannels, kernelSize, opts\) for torch\.nn\.Conv2d\(\) but received 1 more argument/,
    );
    expect(new nn.Conv2d(1, 32, 3, { stride: 2 }).stride).toEqual([2, 2]);
  });
  test('F.dropout(x, 0.9) is p = 0.9, as PyTorch\'s positional p (never silently the default 0.5); p twice is refused', () => {
    torch.manualSeed(3);
    const a = F.dropout(torch.ones([4000]), 0.9);
    torch.manualSeed(3);
    const b = F.dropout(torch.ones([4000]), { p: 0.9 });
    expect(a.tolist()).toEqual(b.tolist());
    expect(a.eq(0).float().mean().item()).toBeGreaterThan(0.85); // not p = 0.5
    expect(F.dropout(torch.ones([3]), 0.9, { training: false }).tolist()).toEqual([1, 1, 1]);
    expect(codedError(() => loose(F.dropout)(torch.ones([4]), 0.9, { p: 0.2 })).message).toMatch(/opts\.p/);
    expect(codedError(() => loose(F.dropout)(torch.ones([4]), { p: 0.9 }, { training: true })).code).toBe('ERR_TORCHLET_INVALID_ARG');
  });
  test('torch.ones(2, 1, 4) is shape [2, 1, 4] (varargs), torch.ones([2, 3], 4) is refused', () => {
    expect(loose(torch.ones)(2, 1, 4)).toHaveProperty('shape', [2, 1, 4]);
    codedError(() => loose(torch.ones)([2, 3], 4));
  });
  test('x.view([6], 1) is refused; x.view(3, 2) and x.view([3, 2]) work', () => {
    const x = torch.randn([2, 3]);
    expect(codedError(() => loose(x.view.bind(x))([6], 1)).message).toMatch(/view\(\)/);
    expect(x.view(3, 2).shape).toEqual([3, 2]);
    expect(x.view([3, 2]).shape).toEqual([3, 2]);
  });
  test('a snake_case option key is named with its camelCase spelling', () => {
    expect(codedError(() => new (looseNew(optim.SGD))([torch.zeros([2], { requiresGrad: true })], { lr: 0.1, weight_decay: 0.1 })).message).toMatch(/did you mean 'weightDecay'.*opts\.weight_decay/);
  });
  test('an extra positional argument to a method, a function and a constructor: ERR_TORCHLET_INVALID_ARG naming it', () => {
    const x = torch.randn([2, 3]);
    expect(codedError(() => loose(x.sum.bind(x))(0, true, 7)).message).toMatch(/Tensor\.sum\(\)/);
    expect(codedError(() => loose(torch.matmul)(x, x.t(), x)).message).toMatch(/torch\.matmul\(\)/);
    expect(codedError(() => new (looseNew(nn.ReLU))(true, 7)).message).toMatch(/at most the arguments \(inplace \| opts\) for ReLU\(\)/);
    expect(codedError(() => new (looseNew(nn.Sigmoid))(7)).message).toMatch(/no arguments for torch\.nn\.Sigmoid\(\)/);
    expect(new (looseNew(nn.Identity))(54, { unusedArgument1: 0.1 })).toBeInstanceOf(nn.Identity); // PyTorch's Identity ignores its arguments
    // trailing undefined arguments are fine (what a wrapper passing optional arguments on gives)
    expect(loose(torch.matmul)(x, x.t(), undefined)).toHaveProperty('shape', [2, 2]);
  });
  test('the public classes keep their identity: instanceof, constructor, extends, statics', () => {
    const l = new nn.Linear(3, 2);
    expect(l).toBeInstanceOf(nn.Linear);
    expect(l).toBeInstanceOf(nn.Module);
    expect(l.constructor).toBe(nn.Linear);
    class Net extends nn.Module {
      fc = new nn.Linear(3, 2);
      forward(x: torch.Tensor): torch.Tensor {
        return this.fc.forward(x);
      }
    }
    const n = new Net();
    expect(n).toBeInstanceOf(nn.Module);
    expect(n.forward(torch.randn([1, 3])).shape).toEqual([1, 2]);
    const e = new torch.TorchletRangeError('torchlet: r');
    expect(e).toBeInstanceOf(torch.TorchletError);
    expect(e).toBeInstanceOf(RangeError);
    expect(typeof torch.data.FashionMNIST.create).toBe('function');
  });
});
