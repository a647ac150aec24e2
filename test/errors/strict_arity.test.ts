// test/errors/strict_arity.test.ts — issue 14: every public function, constructor and method rejects an
// extra positional argument, and every one that takes an options object rejects an unknown key,
// with a coded error naming the problem. The API is enumerated (test/api_surface.ts), not
// hand-picked: each function's declared parameters are read from its source; a call with plausible
// valid arguments (the first of CANDIDATES that runs, or an entry of VALID) is extended with
//  - one positional argument past the declared ones (skipped optional parameters as undefined):
//    the error must be a TorchletError whose message names the function ("name()") and says it
//    takes at most its parameters;
//  - at the options parameter (one named opts / options), an object with an unknown key, and with
//    a snake_case spelling of a known key: the error must name the key.
// Functions that legitimately take varargs (torch.ones(2, 3, 4)) are listed in VARARGS with the
// call that must still be refused; a rest parameter not listed there fails the test.
import * as torch from '../../lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TorchletError } from '../../lib/errors';
import { strictArityMissing, unwrapStrict } from '../../lib/strict';
import { publicFunctions, publicClasses, publicInstances, methodsOf, paramList, type Fn, type Param } from '../api_surface';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-arity-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const X = () => torch.randn([2, 3]);
const X4 = () => torch.randn([1, 2, 4, 4]);
const I = () => torch.tensor([0, 1], { dtype: 'int64' });
const I2 = () => torch.tensor([[0, 1, 0], [1, 0, 1]], { dtype: 'int64' });
const M = () => torch.tensor([[1, 0, 1], [0, 1, 0]], { dtype: 'bool' });
const N = () => torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int64' });
const leaf = () => torch.zeros([2], { requiresGrad: true });
/** Argument lists tried in order for a target without a VALID entry: the first that runs is used. */
const CANDIDATES: (() => unknown[])[] = [
  () => [],
  () => [X()],
  () => [X(), X()],
  () => [X(), 1],
  () => [X(), 0],
  () => [X(), 0, I()],
  () => [X(), 0, I2()],
  () => [X(), 0, I2(), X()],
  () => [X(), 0, I(), X()],
  () => [X(), M()],
  () => [X(), M(), 0],
  () => [X(), [3, 2]],
  () => [X(), X(), X()],
  () => [[2, 3]],
  () => [0],
  () => [1],
  () => [2],
  () => [2, 3],
  () => [0, 1],
  () => [0, I()],
  () => [0, I2()],
  () => [0, I2(), X()],
  () => [0, I(), X()],
  () => [M()],
  () => [M(), 0],
  () => [M(), X()],
  () => [X(), 0, 1],
  () => [X(), 0, 0, 1],
  () => [X4()],
  () => [X4(), 2],
  () => [X4(), torch.randn([2, 2, 3, 3])],
  () => [X4(), [2]],
  () => [torch.randn([2, 3, 4])],
  () => [torch.randn([2, 3, 4]), torch.randn([2, 4, 3])],
  () => [torch.randn([3, 2])],
  () => [[leaf()]],
  () => [[X(), X()]],
  () => ['a'],
  () => ['float64'],
  () => [() => undefined],
];
/**
 * Calls for targets no candidate fits, or whose candidate would have a side effect (these need not
 * run: the argument checks come first): the extra argument and the options object go after them.
 */
const SAFE_FASHION = { root: tmp, download: false, baseUrl: 'http://127.0.0.1:9/', timeoutMs: 2000 };
const sgd = () => new torch.optim.SGD([leaf()]);
const VALID: Record<string, () => unknown[]> = {
  'torch.save': () => [{ a: X() }, path.join(tmp, 'a.safetensors')],
  'torch.saveAsync': () => [{ a: X() }, path.join(tmp, 'b.safetensors')],
  'torch.load': () => [path.join(tmp, 'a.safetensors')],
  'torch.loadAsync': () => [path.join(tmp, 'a.safetensors')],
  'torch.data.FashionMNIST.create': () => [SAFE_FASHION],
  'torch.data.downloadFile': () => ['http://127.0.0.1:9/x', path.join(tmp, 'dl')],
  'new torch.data.FashionMNIST': () => [SAFE_FASHION],
  'torch.eye': () => [2, 2],
  'torch.sort': () => [X(), 0],
  'torch.argsort': () => [X(), 0],
  'Tensor#sort': () => [0],
  'Tensor#argsort': () => [0],
  'torch.randintLike': () => [X(), 0, 5],
  'Tensor#indexPut': () => [[I()], torch.zeros([2, 3])],
  'Tensor#indexPut_': () => [[I()], torch.zeros([2, 3])],
  'torch.indexPut': () => [X(), [I()], torch.zeros([2, 3])],
  'torch.scatterReduce': () => [X(), 1, I2(), torch.randn([2, 3]), 'sum'],
  'torch.scatterReduce_': () => [X(), 1, I2(), torch.randn([2, 3]), 'sum'],
  'torch.indexReduce': () => [X(), 0, I(), X(), 'prod'],
  'torch.indexReduce_': () => [X(), 0, I(), X(), 'prod'],
  'torch.put': () => [X(), I(), torch.randn([2])],
  'torch.put_': () => [X(), I(), torch.randn([2])],
  'torch.indexPut_': () => [X(), [I()], torch.zeros([2, 3])],
  'new torch.data.ImageFolder': () => [tmp],
  'new torch.data.MNIST': () => [tmp],
  'new torch.data.KMNIST': () => [tmp],
  'new torch.data.EMNIST': () => [tmp, { split: 'mnist' }],
  'new torch.data.QMNIST': () => [tmp],
  'new torch.data.CIFAR10': () => [tmp],
  'new torch.data.CIFAR100': () => [tmp],
  'new torch.models.TorchvisionResNet': () => [[1, 1, 1, 1], { numClasses: 2 }],
  // torchvision's models (never called with these: the checks run before anything is built)
  'torch.models.torchvisionResnet34': () => [{}],
  'torch.models.torchvisionResnet50': () => [{}],
  'torch.models.torchvisionResnet101': () => [{}],
  'torch.models.torchvisionResnet152': () => [{}],
  'torch.models.torchvisionResnext50_32x4d': () => [{}],
  'torch.models.torchvisionResnext101_32x8d': () => [{}],
  'torch.models.torchvisionResnext101_64x4d': () => [{}],
  'torch.models.torchvisionWideResnet50_2': () => [{}],
  'torch.models.torchvisionWideResnet101_2': () => [{}],
  'torch.models.torchvisionMobilenetV2': () => [{}],
  'torch.models.torchvisionVgg11': () => [{}],
  'torch.models.torchvisionVgg11Bn': () => [{}],
  'torch.models.torchvisionVgg13': () => [{}],
  'torch.models.torchvisionVgg13Bn': () => [{}],
  'torch.models.torchvisionVgg16': () => [{}],
  'torch.models.torchvisionVgg16Bn': () => [{}],
  'torch.models.torchvisionVgg19': () => [{}],
  'torch.models.torchvisionVgg19Bn': () => [{}],
  'new torch.models.MobileNetV2': () => [{}],
  'new torch.models.InvertedResidual': () => [16, 16, 1, 6],
  'new torch.models.VGG': () => [new torch.nn.Sequential(), {}],
  'torch.models.pretrained': () => ['mobilenet_v2', { weights: null }],
  'torch.hub.downloadUrlToFile': () => ['http://127.0.0.1:9/x-00.pth', path.join(tmp, 'hub', 'x-00.pth'), { progress: false, timeoutMs: 2000 }],
  'torch.hub.loadStateDictFromUrl': () => ['http://127.0.0.1:9/x-00.pth', { modelDir: path.join(tmp, 'hub'), progress: false, timeoutMs: 2000 }],
  'torch.data.transforms.functional.affine': () => [torch.rand([3, 4, 4]), 0, [0, 0], 1, [0, 0]],
  'torch.data.transforms.functional.normalize': () => [torch.rand([3, 4, 4]), [0.5, 0.5, 0.5], [0.2, 0.2, 0.2]],
  'torch.data.transforms.functional.erase': () => [torch.rand([3, 4, 4]), 0, 0, 2, 2, 0],
  'torch.data.transforms.functional.resizedCrop': () => [torch.rand([3, 4, 4]), 0, 0, 2, 2, 3],
  'torch.data.utils.saveImage': () => [torch.rand([3, 4, 4]), path.join(tmp, 'grid.png')],
  'torch.F.batchNorm': () => [X4(), torch.zeros([2]), torch.ones([2])],
  'torch.F.batchNormRelu': () => [X4(), torch.zeros([2]), torch.ones([2])],
  'torch.F.conv1d': () => [torch.randn([1, 2, 5]), torch.randn([2, 2, 3])],
  'torch.F.conv3d': () => [torch.randn([1, 2, 3, 3, 3]), torch.randn([2, 2, 1, 1, 1])],
  'torch.F.conv2dReluMaxPool2d': () => [X4(), torch.randn([2, 2, 3, 3]), null, {}, 2],
  'torch.F.convAlgorithms': () => [[1, 4, 5, 5], [4, 4, 3, 3]],
  'torch.F.layerNorm': () => [X(), [3]],
  'torch.F.maxUnpool2d': () => [...(torch.F.maxPool2d(X4(), 2, { returnIndices: true }) as unknown as unknown[]), 2],
  'torch.F.maxPool3d': () => [torch.randn([1, 1, 2, 2, 2]), 2],
  'torch.F.avgPool3d': () => [torch.randn([1, 1, 2, 2, 2]), 2],
  'torch.F.adaptiveMaxPool3d': () => [torch.randn([1, 1, 2, 2, 2]), 1],
  'torch.F.lpPool1d': () => [torch.randn([1, 2, 4]), 2, 2],
  'torch.F.lpPool2d': () => [X4(), 2, 2],
  'torch.data.decodeImage': () => [Buffer.alloc(4)],
  'torch.data.readIdx': () => [new Uint8Array(4)],
  'torch.data.readIdxFile': () => [path.join(tmp, 'none.idx')],
  'torch.data.readImage': () => [path.join(tmp, 'none.png')],
  'torch.fromBuffer': () => [new Float32Array(2)],
  'torch.randint': () => [0, 5, [2]],
  'torch.linspace': () => [0, 1, 5],
  'torch.logspace': () => [0, 1, 5],
  'torch.multinomial': () => [torch.tensor([0.5, 0.5]), 1],
  'torch.bincount': () => [torch.tensor([0, 2, 2])],
  'Tensor#multinomial': () => [1],
  'Tensor#to': () => ['float64'],
  'Tensor#cumsum': () => [0],
  'Tensor#cumprod': () => [0],
  'Tensor#cummax': () => [0],
  'Tensor#cummin': () => [0],
  'Tensor#logsumexp': () => [0],
  'Tensor#narrow': () => [0, 0, 1],
  'torch.narrow': () => [X(), 0, 0, 1],
  'torch.F.convTranspose1d': () => [torch.randn([1, 2, 5]), torch.randn([2, 2, 3])],
  'torch.F.convTranspose3d': () => [torch.randn([1, 2, 3, 3, 3]), torch.randn([2, 2, 1, 1, 1])],
  'new torch.nn.ConvTranspose1d': () => [2, 2, 1],
  'new torch.nn.ConvTranspose2d': () => [2, 2, 1],
  'new torch.nn.ConvTranspose3d': () => [2, 2, 1],
  'torch.F.binaryCrossEntropy': () => [torch.rand([2, 3]), torch.rand([2, 3])],
  'torch.F.gaussianNllLoss': () => [X(), X(), torch.ones([2, 3])],
  'torch.F.cosineEmbeddingLoss': () => [X(), X(), torch.tensor([1, -1])],
  'torch.F.interpolate': () => [X4(), { scaleFactor: 2 }],
  'torch.F.embedding': () => [torch.tensor([0, 1]), torch.randn([3, 2])],
  'torch.F.embeddingBag': () => [torch.tensor([[0, 1]]), torch.randn([3, 2])],
  'new torch.nn.TransformerEncoderLayer': () => [4, 2],
  'new torch.nn.TransformerEncoder': () => [new torch.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 }), 1],
  'new torch.nn.TransformerDecoderLayer': () => [4, 2],
  'new torch.nn.TransformerDecoder': () => [new torch.nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8 }), 1],
  'new torch.nn.Transformer': () => [{ dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 }],
  'torch.nn.utils.rnn.packPaddedSequence': () => [torch.randn([3, 2, 2]), [3, 1]],
  'torch.nn.utils.rnn.padPackedSequence': () => [torch.nn.utils.rnn.packPaddedSequence(torch.randn([3, 2, 2]), [3, 1])],
  'new torch.nn.utils.rnn.PackedSequence': () => [torch.randn([3, 2]), torch.tensor([2, 1], { dtype: 'int64' })],
  'new torch.nn.Bilinear': () => [2, 3, 4],
  'torch.F.multiMarginLoss': () => [X(), I()],
  'torch.F.multiLabelMarginLoss': () => [X(), torch.tensor([[0, -1, 1], [2, 1, -1]], { dtype: 'int64' })],
  'torch.nn.utils.weightNorm': () => [new torch.nn.Linear(2, 2)],
  'torch.nn.utils.removeWeightNorm': () => [torch.nn.utils.weightNorm(new torch.nn.Linear(2, 2))],
  'torch.nn.utils.spectralNorm': () => [new torch.nn.Linear(2, 2)],
  'torch.nn.utils.removeSpectralNorm': () => [torch.nn.utils.spectralNorm(new torch.nn.Linear(2, 2))],
  'torch.F.fold': () => [torch.randn([1, 8, 6]), [3, 4], 2],
  'torch.F.gridSample': () => [X4(), torch.zeros([1, 3, 3, 2])],
  'torch.F.affineGrid': () => [torch.randn([1, 2, 3]), [1, 2, 4, 4]],
  'torch.autograd.grad': () => {
    const x = leaf();
    return [x.mul(2).sum(), x];
  },
  'torch.autograd.backward': () => [leaf().mul(2).sum()],
  'torch.F.crossEntropy': () => [X(), I()],
  'torch.F.nllLoss': () => [X(), I()],
  'new torch.nn.Conv1d': () => [2, 2, 1],
  'new torch.nn.Conv2d': () => [2, 2, 1],
  'new torch.nn.Conv3d': () => [2, 2, 1],
  'new torch.nn.GroupNorm': () => [1, 2],
  'new torch.nn.MultiheadAttention': () => [4, 2],
  'new torch.optim.lrScheduler.StepLR': () => [sgd(), { stepSize: 2 }],
  'new torch.optim.lrScheduler.MultiStepLR': () => [sgd(), { milestones: [1] }],
  'new torch.optim.lrScheduler.ConstantLR': () => [sgd()],
  'new torch.optim.lrScheduler.LinearLR': () => [sgd()],
  'new torch.optim.lrScheduler.ExponentialLR': () => [sgd(), { gamma: 0.5 }],
  'new torch.optim.lrScheduler.PolynomialLR': () => [sgd()],
  'new torch.optim.lrScheduler.CosineAnnealingLR': () => [sgd(), { TMax: 3 }],
  'new torch.optim.lrScheduler.CosineAnnealingWarmRestarts': () => [sgd(), { T0: 3 }],
  'new torch.optim.lrScheduler.CyclicLR': () => [sgd(), { baseLr: 0.01, maxLr: 0.1 }],
  'new torch.optim.lrScheduler.OneCycleLR': () => [sgd(), { maxLr: 0.1, totalSteps: 10 }],
  'new torch.optim.lrScheduler.ReduceLROnPlateau': () => [sgd()],
  'new torch.optim.lrScheduler.LambdaLR': () => [sgd(), () => 1],
  'new torch.optim.lrScheduler.MultiplicativeLR': () => [sgd(), () => 1],
  'new torch.optim.lrScheduler.LRScheduler': () => [sgd()],
  'new torch.optim.lrScheduler.SequentialLR': () => {
    const o = sgd();
    return [o, { schedulers: [new torch.optim.lrScheduler.LinearLR(o), new torch.optim.lrScheduler.ConstantLR(o)], milestones: [2] }];
  },
  'new torch.optim.lrScheduler.ChainedScheduler': () => [[new torch.optim.lrScheduler.LinearLR(sgd())]],
  'new torch.data.DataLoader': () => [new torch.data.TensorDataset(X())],
  'new torch.data.Subset': () => [new torch.data.TensorDataset(X()), [0]],
  'new torch.data.ConcatDataset': () => [[new torch.data.TensorDataset(X())]],
  'new torch.data.ChainDataset': () => [[{ *[Symbol.iterator]() { yield 1; } }]],
  'new torch.data.WeightedRandomSampler': () => [[1, 2], 2],
  'new torch.data.BatchSampler': () => [[0, 1, 2], 2, false],
  'new torch.data.Image': () => [new Uint8Array(12), 2, 2, 'RGB'],
  'new torch.data.ImageDataset': () => [new Uint8Array(8), new Uint8Array(2), [2, 2]],
  'new torch.data.transforms.Compose': () => [[new torch.data.transforms.ToTensor()]],
  'new torch.data.transforms.Lambda': () => [(v: unknown) => v],
  'torch.data.randomSplit': () => [new torch.data.TensorDataset(torch.randn([4, 3])), [2, 2]],
  'torch.data.transforms.transformFromSpec': () => [{ name: 'ToTensor', args: [] }],
  'torch.jit.freeze': () => [new torch.nn.Linear(3, 2), X()],
  'torch.onnx.export': () => [new torch.nn.Linear(3, 2), X(), path.join(tmp, 'm.onnx')],
  'torch.jit.optimizeForInference': () => [new torch.nn.Linear(3, 2), X()],
  'torch.nn.utils.vectorToParameters': () => [torch.zeros([2]), [leaf()]],
  'torch.nn.init.calculateGain': () => ['relu'],
  'torch.addmm': () => [X(), torch.randn([2, 4]), torch.randn([4, 3])],
  'torch.addmv': () => [torch.randn([2]), X(), torch.randn([3])],
  'torch.addbmm': () => [X(), torch.randn([2, 2, 4]), torch.randn([2, 4, 3])],
  'torch.baddbmm': () => [X(), torch.randn([1, 2, 4]), torch.randn([1, 4, 3])],
  'torch.addr': () => [X(), torch.randn([2]), torch.randn([3])],
  'Tensor#addmm': () => [torch.randn([2, 4]), torch.randn([4, 3])],
  'Tensor#addmv': () => [X(), torch.randn([3])],
  'Tensor#addbmm': () => [torch.randn([2, 2, 4]), torch.randn([2, 4, 3])],
  'Tensor#baddbmm': () => [torch.randn([1, 2, 4]), torch.randn([1, 4, 3])],
  'Tensor#addr': () => [torch.randn([2]), torch.randn([3])],
  'torch.F.ctcLoss': () => [torch.randn([3, 2, 4]).logSoftmax(2), torch.tensor([[1, 2], [3, 1]], { dtype: 'int64' }), [3, 3], [2, 2]],
  'torch.linalg.solve': () => [torch.eye(3).mul(2), torch.randn([3, 2])],
  'torch.linalg.cholesky': () => [torch.eye(3).mul(2)],
  'torch.autograd.functional.vjp': () => [(x: torch.Tensor) => x.mul(2), torch.randn([3]), torch.ones([3])],
  'torch.autograd.functional.jvp': () => [(x: torch.Tensor) => x.mul(2), torch.randn([3]), torch.ones([3])],
  'torch.autograd.functional.jacobian': () => [(x: torch.Tensor) => x.mul(2), torch.randn([3])],
  'torch.autograd.functional.hessian': () => [(x: torch.Tensor) => x.pow(2).sum(), torch.randn([3])],
  'torch.autograd.functional.vhp': () => [(x: torch.Tensor) => x.pow(2).sum(), torch.randn([3]), torch.ones([3])],
  'torch.autograd.functional.hvp': () => [(x: torch.Tensor) => x.pow(2).sum(), torch.randn([3]), torch.ones([3])],
  'torch.utils.checkpoint.checkpointSequential': () => [[new torch.nn.Linear(3, 3), new torch.nn.ReLU()], 1, torch.randn([2, 3], { requiresGrad: true })],
  'new torch.optim.swaUtils.AveragedModel': () => [new torch.nn.Linear(3, 2)],
  'new torch.optim.swaUtils.SWALR': () => [sgd(), { swaLr: 0.05 }],
  'new torch.distributions.Dirichlet': () => [torch.tensor([1, 2, 3], { dtype: 'float32' })],
  'new torch.distributions.Categorical': () => [torch.tensor([0.2, 0.3, 0.5])],
  'new torch.distributions.OneHotCategorical': () => [torch.tensor([0.2, 0.3, 0.5])],
  'new torch.distributions.MultivariateNormal': () => [torch.zeros([2]), { covarianceMatrix: torch.eye(2) }],
  'new torch.distributions.Independent': () => [new torch.distributions.Normal(torch.zeros([2]), torch.ones([2])), 1],
};
/** Calls of a method of the instances, made from the instance itself. */
const VALID_METHOD: Record<string, Args> = {
  loadStateDict: (self) => [(self as { stateDict(): unknown }).stateDict()],
  scatterReduce: () => [1, I2(), torch.randn([2, 3]), 'amax'],
  scatterReduce_: () => [1, I2(), torch.randn([2, 3]), 'amax'],
  indexReduce: () => [0, I(), torch.randn([2, 3]), 'mean'],
  indexReduce_: () => [0, I(), torch.randn([2, 3]), 'mean'],
  put: () => [I(), torch.randn([2])],
  put_: () => [I(), torch.randn([2])],
};
/** The tensor a Tensor method is called on, where a [2, 3] float32 one does not fit. */
const RECEIVER: Record<string, () => torch.Tensor> = {
  item: () => torch.tensor([1]),
  backward: () => leaf().sum(),
  multinomial: () => torch.tensor([0.5, 0.5]),
  bincount: () => torch.tensor([0, 2, 2]),
  addmv: () => torch.randn([2]),
};
const receiver = (m: string) => ((Object.hasOwn(RECEIVER, m) ? RECEIVER[m] : undefined) ?? (/^bitwise/.test(m) ? N : X))();

type Args = (self?: unknown) => unknown[];
interface Target {
  name: string;
  /** the function, constructor or method itself */
  fn: unknown;
  params: Param[] | null;
  /** calls the target with the arguments `args` makes (given the instance, for a method) */
  call: (args: Args) => unknown;
}

/**
 * The parameters a method is held to: the widest of its own and those of the methods it overrides
 * (lib/strict.ts: a base class may call its hook with arguments the override does not use).
 */
function methodParams(obj: object, m: string): Param[] | null {
  let best: Param[] | null = null;
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, m);
    if (!d || typeof d.value !== 'function') continue;
    const ps = paramList(d.value);
    if (!ps) return null;
    if (ps.some((q) => q.rest)) return ps; // lib/strict.ts leaves the method as it is
    if (!best || ps.length > best.length) best = best ? [...best, ...ps.slice(best.length)] : ps;
  }
  return best;
}

function targets(): Target[] {
  const out: Target[] = [];
  for (const [n, f] of publicFunctions(torch)) out.push({ name: n, fn: f, params: paramList(f), call: (a) => f(...a()) });
  for (const [n, C] of publicClasses(torch)) out.push({ name: `new ${n}`, fn: C, params: paramList(C), call: (a) => new C(...a()) });
  const tensorProto = torch.Tensor.prototype as unknown as Record<string, Fn>;
  for (const m of methodsOf(X()))
    out.push({ name: `Tensor#${m}`, fn: tensorProto[m], params: methodParams(X(), m), call: (a) => {
      const self = receiver(m) as unknown as Record<string, Fn>;
      return self[m](...a(self));
    } });
  for (const [label, make] of publicInstances(torch)) {
    const proto = make() as Record<string, Fn>;
    for (const m of methodsOf(proto))
      out.push({ name: `${label}#${m}`, fn: proto[m], params: methodParams(proto, m), call: (a) => {
      const self = make() as Record<string, Fn>;
      return self[m](...a(self));
    } });
  }
  return out;
}
const TARGETS = targets();

test('every public function and class is reached by the strict wrappers (lib/index.ts STRICT_MODULES)', () => {
  expect(strictArityMissing()).toEqual([]);
});

test('the enumeration reads every parameter list', () => {
  expect(TARGETS.filter((t) => t.params === null).map((t) => t.name)).toEqual([]);
  expect(TARGETS.length).toBeGreaterThan(500);
});

async function run(t: Target, args: Args): Promise<{ ok: boolean; err?: unknown }> {
  try {
    let r: unknown;
    torch.tidy(() => {
      r = t.call(args);
    });
    if (r instanceof Promise) await r;
    return { ok: true };
  } catch (e) {
    return { ok: false, err: e };
  }
}
const describeErr = (e: unknown) =>
  e instanceof Error ? `${e.constructor.name} [${String((e as { code?: unknown }).code)}]: ${e.message.split('\n')[0]}` : `a thrown ${String(e)}`;
const shortName = (name: string) => name.replace(/^new /, '').split(/[.#]/).pop()!;

/** Functions and constructors that take varargs, each with a call that must be refused all the same. */
const VARARGS: Record<string, { why: string; refused: [() => unknown[], string | RegExp][] }> = {
  'torch.zeros': { why: 'torch.zeros(2, 3) as well as torch.zeros([2, 3])', refused: [[() => [[2, 3], 4], /opts|zeros\(/], [() => [2, 3, { zzUnknownOption: 1 }], 'zzUnknownOption']] },
  'torch.ones': { why: 'torch.ones(2, 1, 4)', refused: [[() => [[2, 3], 4], /opts|ones\(/], [() => [2, 3, { zzUnknownOption: 1 }], 'zzUnknownOption']] },
  'torch.empty': { why: 'torch.empty(2, 3)', refused: [[() => [[2, 3], 4], /opts|empty\(/], [() => [2, 3, { zzUnknownOption: 1 }], 'zzUnknownOption']] },
  'torch.randn': { why: 'torch.randn(2, 3)', refused: [[() => [[2, 3], 4], /opts|randn\(/], [() => [2, 3, { zzUnknownOption: 1 }], 'zzUnknownOption']] },
  'torch.rand': { why: 'torch.rand(2, 3)', refused: [[() => [[2, 3], 4], /opts|rand\(/], [() => [2, 3, { zzUnknownOption: 1 }], 'zzUnknownOption']] },
  'torch.einsum': { why: "torch.einsum('ij,jk', a, b): any number of operands", refused: [[() => ['ij,jk', X(), torch.randn([3, 2]), X()], /operand/]] },
  'new torch.nn.Identity': { why: "PyTorch's nn.Identity(*args, **kwargs) takes any arguments and ignores them (a stand-in for any layer)", refused: [] },
  'new torch.nn.Sequential': { why: 'new nn.Sequential(a, b, c): any number of modules', refused: [[() => [new torch.nn.ReLU(), 7], /modules\[1\]|Sequential/]] },
  'new torch.data.TensorDataset': { why: 'new TensorDataset(x, y, ...): any number of tensors', refused: [[() => [X(), 7], /tensors\[1\]|TensorDataset/]] },
  'torch.data.compose': { why: 'compose(f, g, ...): any number of functions', refused: [[() => [(v: unknown) => v, 7], /transforms\[1\]|compose/]] },
  'torch.utils.checkpoint.checkpoint': {
    why: 'checkpoint(fn, ...args, opts?): the arguments of fn, any number of them',
    refused: [[() => [(x: torch.Tensor) => x.mul(2), torch.randn([2], { requiresGrad: true }), { zzUnknownOption: 1 }], 'zzUnknownOption']],
  },
  'Tensor#view': { why: 'x.view(2, -1) as well as x.view([2, -1])', refused: [[() => [[6], 1], /view/]] },
  'Tensor#reshape': { why: 'x.reshape(2, -1)', refused: [[() => [[6], 1], /reshape/]] },
  'Tensor#permute': { why: 'x.permute(1, 0)', refused: [[() => [[1, 0], 1], /permute/]] },
  'Tensor#expand': { why: 'x.expand(2, 3)', refused: [[() => [[2, 3], 1], /expand/]] },
  'Tensor#repeat': { why: 'x.repeat(2, 1)', refused: [[() => [[2, 1], 1], /repeat/]] },
  'Tensor#tile': { why: 'x.tile(2, 1)', refused: [[() => [[2, 1], 1], /tile/]] },
  'Tensor#flip': { why: 'x.flip(0, 1)', refused: [[() => [[0, 1], 1], /flip/]] },
  'Tensor#index': { why: "x.index(0, ':'): one index per dimension", refused: [[() => [0, 0, 0], /ind/]] },
  'torch.chainMatmul': { why: 'torch.chainMatmul(a, b, c): any number of matrices', refused: [[() => [X(), 7], /matrices\[1\]|chainMatmul/]] },
  'torch.meshgrid': { why: 'torch.meshgrid(x, y, {indexing}): any number of tensors', refused: [[() => [torch.ones([2]), 7], /opts|tensors\[1\]/]] },
  'torch.cartesianProd': { why: 'torch.cartesianProd(a, b, c): any number of tensors', refused: [[() => [torch.ones([2]), 7], /tensors\[1\]/]] },
  'torch.broadcastShapes': { why: 'torch.broadcastShapes([2, 1], [3]): any number of shapes', refused: [[() => [[2], 'x'], /shapes\[1\]/]] },
  'torch.broadcastTensors': { why: 'torch.broadcastTensors(a, b): any number of tensors', refused: [[() => [X(), 7], /tensors\[1\]/]] },
  'torch.atleast1d': { why: 'torch.atleast1d(a, b): any number of tensors', refused: [[() => [X(), 7], /tensors\[1\]/]] },
  'torch.atleast2d': { why: 'torch.atleast2d(a, b): any number of tensors', refused: [[() => [X(), 7], /tensors\[1\]/]] },
  'torch.atleast3d': { why: 'torch.atleast3d(a, b): any number of tensors', refused: [[() => [X(), 7], /tensors\[1\]/]] },
  'torch.blockDiag': { why: 'torch.blockDiag(a, b, c): any number of tensors', refused: [[() => [X(), 7], /tensors\[1\]/]] },
  'Tensor#set': { why: 'x.set(v, 0, 1): one index per dimension', refused: [[() => [1, 0, 0, 0], /ind/]] },
};

/** A valid call of a target (null when none is known and it takes options). */
async function validArgs(t: Target, declared: number, takesOptions: boolean): Promise<Args | null> {
  if (VALID[t.name]) return VALID[t.name];
  const method = t.name.split('#')[1];
  if (method && VALID_METHOD[method]) return VALID_METHOD[method];
  for (const c of CANDIDATES) {
    if (c().length > declared) continue;
    if ((await run(t, c)).ok) return c;
  }
  // without an options parameter only the extra argument is checked, and the strict wrapper checks
  // the count before anything else: any leading arguments do
  return takesOptions ? null : () => [];
}

const OPTIONS_PARAM = /^(opts|options)$/;

describe('every public function, constructor and method', () => {
  test.each(TARGETS.map((t) => [t.name, t] as [string, Target]))('%s', async (name, t) => {
    const params = t.params!;
    const last = params[params.length - 1];
    const problems: string[] = [];
    if (last && last.rest && last.name !== 'rest') {
      const v = VARARGS[name];
      if (!v) throw new Error(`${name} takes varargs (...${last.name}) but is not listed in VARARGS`);
      for (const [args, mention] of v.refused) {
        const r = await run(t, args);
        if (r.ok) problems.push(`${name}(${args().length} args): accepted`);
        else if (!(r.err instanceof TorchletError) || !(typeof mention === 'string' ? r.err.message.includes(mention) : mention.test(r.err.message)))
          problems.push(`${name}: ${describeErr(r.err)} does not mention ${String(mention)}`);
      }
      expect(problems).toEqual([]);
      return;
    }
    const declared = params.filter((p) => !p.rest).length;
    const k = params.findIndex((p) => OPTIONS_PARAM.test(p.name));
    const valid = await validArgs(t, declared, k >= 0);
    if (!valid) throw new Error(`${name}: no valid call found (add one to VALID)`);
    const padded = (n: number, self?: unknown) => {
      const a = valid(self);
      while (a.length < n) a.push(undefined);
      return a;
    };
    // one positional argument too many
    const extra = await run(t, (self) => [...padded(declared, self), 7]);
    const names = [shortName(name), (unwrapStrict(t.fn) as { name: string }).name].map((n) => `${n}(`);
    if (extra.ok) problems.push(`${name}: an extra positional argument is accepted`);
    else if (!(extra.err instanceof TorchletError) || !/at most|no arguments/.test(extra.err.message) || !names.some((n) => (extra.err as Error).message.includes(n)))
      problems.push(`${name}: an extra positional argument gives ${describeErr(extra.err)}`);
    // an unknown option key, camelCase and snake_case
    if (k >= 0)
      for (const key of ['zzUnknownOption', 'zz_unknown_option']) {
        const r = await run(t, (self) => {
          const a = padded(k, self);
          const given = a[k];
          a[k] = { ...(given && typeof given === 'object' ? given : {}), [key]: 1 };
          return a;
        });
        if (r.ok) problems.push(`${name}: the unknown option '${key}' is accepted`);
        else if (!(r.err instanceof TorchletError) || !r.err.message.includes(key)) problems.push(`${name}: {${key}} gives ${describeErr(r.err)}`);
      }
    expect(problems).toEqual([]);
  });
});
