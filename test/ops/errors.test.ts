// Argument errors: every bad argument must throw a JS error (never crash the process) whose
// message starts with "torchlet:" and names the argument, in the library's format
// "torchlet: Expected <what> for <name> but received <got>".
import * as torch from '../../lib';
import type { Tensor } from '../../lib';

const F = torch.F;
const f64 = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'float64' });
const f32 = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'float32' });
const i64 = (shape: number[]): Tensor => torch.zeros(shape, { dtype: 'int64' });
const leaf = (shape: number[]): Tensor => f64(shape).requiresGrad_();

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs fn; it must throw an Error whose message starts with "torchlet:" and matches `names`. */
function expectArgError(fn: () => unknown, names: string | RegExp): void {
  let err: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    err = e;
  }
  if (!threw) throw new Error(`expected an error naming ${String(names)}, but nothing was thrown`);
  expect(err).toBeInstanceOf(Error);
  const msg = (err as Error).message;
  expect(msg).toMatch(/^torchlet: /);
  const re = typeof names === 'string' ? new RegExp(`for ${escape(names)}\\b`) : names;
  expect(msg).toMatch(re);
}

type Row = [string, () => unknown, string | RegExp];

const conv: Row[] = [
  ['2-D input (wrong rank)', () => F.conv2d(f64([3, 5]), f64([4, 3, 3, 3])), 'input'],
  ['5-D input (wrong rank)', () => F.conv2d(f64([1, 1, 3, 5, 5]), f64([4, 3, 3, 3])), 'input'],
  ['3-D weight (wrong rank)', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3])), 'weight'],
  ['input channels != weight in-channels x groups', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 2, 3, 3])), /for input\b[^]*|channels/],
  ['groups does not divide input channels', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 1, 3, 3]), null, { groups: 2 }), 'groups'],
  ['groups does not divide output channels', () => F.conv2d(f64([1, 4, 5, 5]), f64([3, 2, 3, 3]), null, { groups: 2 }), 'groups'],
  ['groups 0', () => F.conv2d(f64([1, 4, 5, 5]), f64([4, 4, 3, 3]), null, { groups: 0 }), 'groups'],
  ['groups -2', () => F.conv2d(f64([1, 4, 5, 5]), f64([4, 4, 3, 3]), null, { groups: -2 }), 'groups'],
  ['groups 1.5', () => F.conv2d(f64([1, 4, 5, 5]), f64([4, 4, 3, 3]), null, { groups: 1.5 }), 'groups'],
  ['zero kernel height', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 0, 3])), 'weight'],
  ['zero kernel width', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 0])), 'weight'],
  ['stride 0', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: 0 }), 'stride'],
  ['stride [1, 0]', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: [1, 0] }), 'stride'],
  ['stride -1', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: -1 }), 'stride'],
  ['stride of 3 numbers', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: [1, 1, 1] }), 'stride'],
  ['padding -1', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { padding: -1 }), 'padding'],
  ["padding 'same' with stride 2", () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { padding: 'same', stride: 2 }), 'padding'],
  ["padding 'full' (unknown string)", () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { padding: 'full' as 'same' }), 'padding'],
  ['dilation 0', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { dilation: 0 }), 'dilation'],
  ['output size 0 (input smaller than kernel)', () => F.conv2d(f64([1, 3, 2, 2]), f64([4, 3, 3, 3])), 'input'],
  ['output size <= 0 through dilation', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { dilation: 3 }), 'input'],
  ['output size 0 in one dim only', () => F.conv2d(f64([1, 3, 5, 2]), f64([4, 3, 3, 3])), 'input'],
  ['int64 input', () => F.conv2d(i64([1, 3, 5, 5]), i64([4, 3, 3, 3])), 'input'],
  ['float32 input with float64 weight', () => F.conv2d(f32([1, 3, 5, 5]), f64([4, 3, 3, 3])), 'weight'],
  ['bias of the wrong length', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), f64([3])), 'bias'],
  ['2-D bias', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), f64([4, 1])), 'bias'],
  ['float32 bias with float64 input', () => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), f32([4])), 'bias'],
  ['input is not a tensor', () => F.conv2d([1, 2, 3] as unknown as Tensor, f64([4, 3, 3, 3])), 'input'],
  ['nn.Conv2d kernelSize 0', () => new torch.nn.Conv2d(3, 4, 0), 'kernelSize'],
  ['nn.Conv2d kernelSize -1', () => new torch.nn.Conv2d(3, 4, -1), 'kernelSize'],
  ['nn.Conv2d kernelSize [3, 0]', () => new torch.nn.Conv2d(3, 4, [3, 0]), 'kernelSize'],
  ['nn.Conv2d stride 0', () => new torch.nn.Conv2d(3, 4, 3, { stride: 0 }), 'stride'],
  ['nn.Conv2d groups not dividing inChannels', () => new torch.nn.Conv2d(3, 4, 3, { groups: 2 }), 'groups'],
  ['nn.Conv2d groups not dividing outChannels', () => new torch.nn.Conv2d(4, 3, 3, { groups: 2 }), 'groups'],
  ['nn.Conv2d groups 0', () => new torch.nn.Conv2d(4, 4, 3, { groups: 0 }), 'groups'],
  ['nn.Conv2d inChannels 0', () => new torch.nn.Conv2d(0, 4, 3), 'inChannels'],
  ['nn.Conv2d outChannels 2.5', () => new torch.nn.Conv2d(3, 2.5, 3), 'outChannels'],
  ["nn.Conv2d padding 'same' with stride 2", () => new torch.nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), 'padding'],
  ['nn.Conv2d forward with the wrong channel count', () => new torch.nn.Conv2d(3, 4, 3).forward(f32([1, 2, 5, 5])), /for input\b/],
];

const pool: Row[] = [
  ['2-D input (wrong rank)', () => F.maxPool2d(f64([4, 4]), 2), 'input'],
  ['5-D input (wrong rank)', () => F.maxPool2d(f64([1, 1, 1, 4, 4]), 2), 'input'],
  ['int64 input', () => F.maxPool2d(i64([1, 1, 4, 4]), 2), 'input'],
  ['kernelSize 0', () => F.maxPool2d(f64([1, 1, 4, 4]), 0), 'kernelSize'],
  ['kernelSize -2', () => F.maxPool2d(f64([1, 1, 4, 4]), -2), 'kernelSize'],
  ['kernelSize [2, 0]', () => F.maxPool2d(f64([1, 1, 4, 4]), [2, 0]), 'kernelSize'],
  ['stride 0', () => F.maxPool2d(f64([1, 1, 4, 4]), 2, { stride: 0 }), 'stride'],
  ['padding -1', () => F.maxPool2d(f64([1, 1, 4, 4]), 2, { padding: -1 }), 'padding'],
  ['padding more than half the kernel', () => F.maxPool2d(f64([1, 1, 6, 6]), 2, { padding: 2 }), 'padding'],
  ['dilation 0', () => F.maxPool2d(f64([1, 1, 4, 4]), 2, { dilation: 0 }), 'dilation'],
  ['output size 0 (input smaller than kernel)', () => F.maxPool2d(f64([1, 1, 2, 2]), 3), 'input'],
  ['output size 0 through dilation', () => F.maxPool2d(f64([1, 1, 4, 4]), 3, { dilation: 2 }), 'input'],
  ['nn.MaxPool2d kernelSize 0', () => new torch.nn.MaxPool2d(0), 'kernelSize'],
  ['nn.MaxPool2d stride 0', () => new torch.nn.MaxPool2d(2, { stride: 0 }), 'stride'],
  ['nn.MaxPool2d padding more than half the kernel', () => new torch.nn.MaxPool2d(2, { padding: 2 }), 'padding'],
];

const lin: Row[] = [
  ['linear: input last dim != inFeatures', () => F.linear(f64([2, 5]), f64([3, 4])), 'input'],
  ['linear: 1-D weight', () => F.linear(f64([2, 4]), f64([4])), 'weight'],
  ['linear: 0-D input', () => F.linear(f64([]), f64([3, 1])), 'input'],
  ['linear: bias of the wrong length', () => F.linear(f64([2, 4]), f64([3, 4]), f64([4])), 'bias'],
  ['linear: float32 weight with float64 input', () => F.linear(f64([2, 4]), f32([3, 4])), 'weight'],
  ['linear: int64 input', () => F.linear(i64([2, 4]), i64([3, 4])), 'input'],
  ['nn.Linear inFeatures -1', () => new torch.nn.Linear(-1, 3), 'inFeatures'],
  ['nn.Linear outFeatures 1.5', () => new torch.nn.Linear(3, 1.5), 'outFeatures'],
  ['matmul: inner dims differ', () => torch.matmul(f64([2, 3]), f64([4, 5])), 'other'],
  ['matmul: batch dims do not broadcast', () => torch.matmul(f64([2, 3, 4]), f64([3, 4, 5])), 'other'],
  ['matmul: 0-D operand', () => torch.matmul(f64([]), f64([3])), 'input'],
  ['matmul: int64 operands', () => torch.matmul(i64([2, 2]), i64([2, 2])), 'input'],
  ['matmul: dtype mismatch', () => torch.matmul(f64([2, 2]), f32([2, 2])), 'other'],
  ['bmm: 2-D input', () => torch.bmm(f64([2, 3]), f64([2, 3, 4])), 'input'],
  ['bmm: 2-D mat2', () => torch.bmm(f64([2, 2, 3]), f64([3, 4])), 'mat2'],
  ['bmm: batch sizes differ', () => torch.bmm(f64([2, 2, 3]), f64([3, 3, 4])), 'mat2'],
];

const elem: Row[] = [
  ['add: [2,3] + [4]', () => torch.add(f64([2, 3]), f64([4])), 'other'],
  ['sub: [2,3] - [3,2]', () => torch.sub(f64([2, 3]), f64([3, 2])), 'other'],
  ['mul: [2,3,4] * [2,4]', () => torch.mul(f64([2, 3, 4]), f64([2, 4])), 'other'],
  ['div: [5] / [4]', () => torch.div(f64([5]), f64([4])), 'other'],
  ['pow: [2,3] ** [2]', () => torch.pow(f64([2, 3]), f64([2])), /for (exponent|other)\b/],
  ['Tensor.add: [2,3] + [3,3]', () => f64([2, 3]).add(f64([3, 3])), 'other'],
  ['add: other is a string', () => torch.add(f64([2]), 'a' as unknown as Tensor), 'other'],
  ['add: input is not a tensor', () => torch.add([1, 2] as unknown as Tensor, 1), 'input'],
];

const drop: Row[] = [
  ['dropout p -0.1', () => F.dropout(f64([4]), { p: -0.1 }), 'p'],
  ['dropout p 1.5', () => F.dropout(f64([4]), { p: 1.5 }), 'p'],
  ['dropout p NaN', () => F.dropout(f64([4]), { p: NaN }), 'p'],
  ['dropout p as a string', () => F.dropout(f64([4]), { p: '0.5' as unknown as number }), 'p'],
  ['dropout p 1.5 in eval mode too', () => F.dropout(f64([4]), { p: 1.5, training: false }), 'p'],
  ['nn.Dropout(2)', () => new torch.nn.Dropout(2), 'p'],
  ['nn.Dropout(-1)', () => new torch.nn.Dropout(-1), 'p'],
  ['dropout of an int64 tensor', () => F.dropout(i64([4]), { p: 0.5 }), 'input'],
];

const loss: Row[] = [
  ['crossEntropy: float target', () => F.crossEntropy(f64([3, 4]), f64([3])), 'target'],
  ['crossEntropy: float target (class probabilities) of the input shape', () => F.crossEntropy(f64([3, 4]), f64([3, 4])), 'target'],
  ['crossEntropy: target of the wrong length', () => F.crossEntropy(f64([3, 4]), i64([2])), 'target'],
  ['crossEntropy: 2-D int target', () => F.crossEntropy(f64([3, 4]), i64([3, 1])), 'target'],
  ['crossEntropy: int64 input', () => F.crossEntropy(i64([3, 4]), i64([3])), 'input'],
  ['crossEntropy: labelSmoothing 1.5', () => F.crossEntropy(f64([3, 4]), i64([3]), { labelSmoothing: 1.5 }), 'labelSmoothing'],
  ['crossEntropy: labelSmoothing -0.1', () => F.crossEntropy(f64([3, 4]), i64([3]), { labelSmoothing: -0.1 }), 'labelSmoothing'],
  ["crossEntropy: reduction 'avg'", () => F.crossEntropy(f64([3, 4]), i64([3]), { reduction: 'avg' as 'mean' }), 'reduction'],
  ['crossEntropy: target is not a tensor', () => F.crossEntropy(f64([3, 4]), [0, 1, 2] as unknown as Tensor), 'target'],
  ['nllLoss: float target', () => F.nllLoss(f64([3, 4]), f64([3])), 'target'],
  ['nllLoss: target of the wrong length', () => F.nllLoss(f64([3, 4]), i64([4])), 'target'],
  ["nllLoss: reduction 'max'", () => F.nllLoss(f64([3, 4]), i64([3]), { reduction: 'max' as 'mean' }), 'reduction'],
  ['mseLoss: shape mismatch', () => F.mseLoss(f64([3, 4]), f64([4, 3])), 'target'],
  ['mseLoss: broadcastable but different shape', () => F.mseLoss(f64([3, 4]), f64([4])), 'target'],
  ["mseLoss: reduction 'avg'", () => F.mseLoss(f64([3]), f64([3]), { reduction: 'avg' as 'mean' }), 'reduction'],
];

const act: Row[] = [
  ['softmax: dim 2 on a 2-D tensor', () => F.softmax(f64([2, 3]), 2), 'dim'],
  ['softmax: dim -3 on a 2-D tensor', () => F.softmax(f64([2, 3]), -3), 'dim'],
  ['softmax: no dim', () => (F.softmax as (x: Tensor) => Tensor)(f64([2, 3])), 'dim'],
  ['logSoftmax: dim 1.5', () => F.logSoftmax(f64([2, 3]), 1.5), 'dim'],
  ['softmax: int64 input', () => F.softmax(i64([2, 3]), 1), 'input'],
  ['nn.Softmax dim 0.5', () => new torch.nn.Softmax(0.5), 'dim'],
];

const red: Row[] = [
  ['sum: dim 3 on a 3-D tensor', () => f64([2, 3, 4]).sum(3), 'dim'],
  ['sum: repeated dims', () => f64([2, 3, 4]).sum([0, -3]), 'dim'],
  ['mean: dim -4 on a 3-D tensor', () => f64([2, 3, 4]).mean(-4), 'dim'],
  ['mean of an int64 tensor', () => i64([2, 3]).mean(), 'input'],
  ['max: dim 2 on a 2-D tensor', () => f64([2, 3]).max(2), 'dim'],
  ['argmax: dim 5', () => f64([2, 3]).argmax(5), 'dim'],
  ['max of an empty tensor', () => f64([0]).max(), 'input'],
];

const views: Row[] = [
  ['view: wrong element count', () => f64([2, 3]).view(4, 2), 'shape'],
  ['view: two -1', () => f64([2, 3]).view(-1, -1), 'shape'],
  ['view: size -2', () => f64([2, 3]).view(-2, -3), 'shape'],
  ['view of a non-contiguous tensor', () => f64([2, 3]).t().view(6), 'input'],
  ['reshape: wrong element count', () => f64([2, 3]).reshape(7), 'shape'],
  ['permute: wrong number of dims', () => f64([2, 3, 4]).permute(0, 1), 'dims'],
  ['permute: repeated dims', () => f64([2, 3, 4]).permute(0, 1, 1), 'dims'],
  ['transpose: dim out of range', () => f64([2, 3]).transpose(0, 2), /for dim[01]\b/],
  ['narrow: start out of range', () => f64([2, 3]).narrow(1, 4, 1), 'start'],
  ['narrow: length past the end', () => f64([2, 3]).narrow(1, 1, 3), 'length'],
  ['narrow: negative length', () => f64([2, 3]).narrow(1, 1, -1), 'length'],
  ['select: index out of range', () => f64([2, 3]).select(1, 3), 'index'],
  ['expand: incompatible size', () => f64([2, 3]).expand(2, 4), 'shape'],
  ['expand: fewer dims', () => f64([2, 3]).expand(3), 'shape'],
  ['flatten: startDim > endDim', () => f64([2, 3, 4]).flatten(2, 1), 'startDim'],
  ['unsqueeze: dim out of range', () => f64([2, 3]).unsqueeze(4), 'dim'],
];

const creation: Row[] = [
  ['tensor: ragged nested array', () => torch.tensor([[1, 2], [3]]), 'data'],
  ['tensor: strings', () => torch.tensor(['a'] as unknown as number[]), 'data'],
  ['tensor: unknown dtype', () => torch.tensor([1], { dtype: 'float16' as 'float32' }), 'dtype'],
  ['fromBuffer: shape with the wrong element count', () => torch.fromBuffer(new Float64Array(6), [4, 2]), 'shape'],
  ['fromBuffer: not a typed array', () => torch.fromBuffer([1, 2] as unknown as Float64Array), 'data'],
  ['zeros: negative size', () => torch.zeros([2, -1]), 'shape'],
  ['zeros: fractional size', () => torch.zeros([2.5]), 'shape'],
  ['randn: int64 dtype', () => torch.randn([2], { dtype: 'int64' }), 'dtype'],
  ['arange: step 0', () => torch.arange(0, 5, 0), 'step'],
  ['requiresGrad_ on an int64 tensor', () => i64([2]).requiresGrad_(), 'requiresGrad'],
  ['backward() of a non-scalar without gradient', () => leaf([3]).mul(2).backward(), 'gradient'],
  ['manualSeed(-1)', () => torch.manualSeed(-1), 'seed'],
  ['manualSeed(1.5)', () => torch.manualSeed(1.5), 'seed'],
  ["device 'tpu'", () => torch.zeros([2], { device: 'tpu' }), 'device'],
  ['setNumThreads(0)', () => torch.setNumThreads(0), /for n\b/],
];

const optim: Row[] = [
  ['Adam lr -1', () => new torch.optim.Adam([leaf([2])], { lr: -1 }), 'lr'],
  ['Adam lr NaN', () => new torch.optim.Adam([leaf([2])], { lr: NaN }), 'lr'],
  ['Adam betas[0] = 1', () => new torch.optim.Adam([leaf([2])], { betas: [1, 0.999] }), /for betas\[0\]/],
  ['Adam betas[1] = 1', () => new torch.optim.Adam([leaf([2])], { betas: [0.9, 1] }), /for betas\[1\]/],
  ['Adam betas[1] = -0.1', () => new torch.optim.Adam([leaf([2])], { betas: [0.9, -0.1] }), /for betas\[1\]/],
  ['Adam eps -1', () => new torch.optim.Adam([leaf([2])], { eps: -1 }), 'eps'],
  ['Adam weightDecay -1', () => new torch.optim.Adam([leaf([2])], { weightDecay: -1 }), 'weightDecay'],
  ['AdamW lr -1', () => new torch.optim.AdamW([leaf([2])], { lr: -1 }), 'lr'],
  ['Adam group with lr -1', () => new torch.optim.Adam([{ params: [leaf([2])], lr: -1 }]), 'lr'],
  ['SGD lr -0.1', () => new torch.optim.SGD([leaf([2])], { lr: -0.1 }), 'lr'],
  ['SGD momentum -1', () => new torch.optim.SGD([leaf([2])], { momentum: -1 }), 'momentum'],
  ['SGD weightDecay -1', () => new torch.optim.SGD([leaf([2])], { weightDecay: -1 }), 'weightDecay'],
  ['SGD nesterov without momentum', () => new torch.optim.SGD([leaf([2])], { nesterov: true }), 'nesterov'],
  ['SGD nesterov with dampening', () => new torch.optim.SGD([leaf([2])], { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'nesterov'],
  ['empty params', () => new torch.optim.SGD([], { lr: 0.1 }), 'params'],
  ['a param that does not require grad', () => new torch.optim.SGD([f64([2])], { lr: 0.1 }), /for params\[0\]/],
  ['a non-leaf param', () => new torch.optim.Adam([leaf([2]).mul(2)]), /for params\[0\]/],
];

const init: Row[] = [
  ['kaimingNormal_ of a 1-D tensor', () => torch.nn.init.kaimingNormal_(f32([5])), 'tensor'],
  ["kaimingUniform_ mode 'fan_avg'", () => torch.nn.init.kaimingUniform_(f32([3, 4]), { mode: 'fan_avg' as 'fan_in' }), 'mode'],
  ["calculateGain('swish')", () => torch.nn.init.calculateGain('swish' as 'relu'), 'nonlinearity'],
  ['xavierUniform_ of a 1-D tensor', () => torch.nn.init.xavierUniform_(f32([5])), 'tensor'],
];

describe('argument errors name the argument', () => {
  describe.each([
    ['conv2d', conv],
    ['maxPool2d', pool],
    ['linear / matmul', lin],
    ['elementwise broadcasting', elem],
    ['dropout', drop],
    ['losses', loss],
    ['softmax', act],
    ['reductions', red],
    ['views', views],
    ['creation and autograd', creation],
    ['optimizers', optim],
    ['init', init],
  ] as [string, Row[]][])('%s', (_group, rows) => {
    test.each(rows)('%s', (_name, fn, names) => {
      expectArgError(fn, names);
    });
  });

  test('errors are TypeError for a wrong type and RangeError for a bad value', () => {
    expect(() => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: 'x' as unknown as number })).toThrow(TypeError);
    expect(() => F.conv2d(f64([1, 3, 5, 5]), f64([4, 3, 3, 3]), null, { stride: 0 })).toThrow(RangeError);
    expect(() => F.dropout(f64([2]), { p: 2 })).toThrow(RangeError);
  });

  test('a failed op leaves the library usable (no crash, later ops work)', () => {
    expect(() => F.conv2d(f64([1, 3, 2, 2]), f64([4, 3, 3, 3]))).toThrow();
    const y = F.conv2d(torch.ones([1, 1, 3, 3], { dtype: 'float64' }), torch.ones([1, 1, 3, 3], { dtype: 'float64' }));
    expect(y.item()).toBe(9);
  });
});
