// test/types/api_md.ts — a compile-only test of the public API contract (/work/shared/API.md):
// every signature and example listed there, written as a user would write it, section by section,
// must type-check under `strict` (`npm run test:types`, i.e. `tsc -p tsconfig.test.json`, which maps
// the module name 'torchlet' to lib/index.ts through `paths`, so the import below is verbatim).
// Nothing here runs (the code sits in functions no one calls); the `@ts-expect-error` lines are
// misuses that must stay type errors, so the test also fails when the types become too loose.
// When API.md changes, change this file with it.
import * as torch from 'torchlet'; // CommonJS: const torch = require('torchlet')
const { nn, F, optim } = torch;

type Tensor = torch.Tensor;
declare const x: Tensor;
declare const y: Tensor;
declare const target: Tensor;

/** ## Tensors */
export async function tensors(): Promise<void> {
  // Creation
  const a: Tensor = torch.tensor([[1, 2], [3, 4]], { dtype: 'float32', device: 'cpu', requiresGrad: false });
  torch.tensor(new Float32Array([1, 2, 3]));
  torch.tensor([1, 2, 3], { dtype: 'int64' });
  torch.zeros([2, 3]);
  torch.ones([2, 3], { dtype: 'float64' });
  torch.empty([4]);
  torch.full([2, 2], 7);
  torch.randn([2, 3]);
  torch.rand([2, 3], { requiresGrad: true });
  torch.arange(10);
  torch.fromBuffer(new Float32Array(6), [2, 3]);
  torch.manualSeed(0);
  // dtypes
  const dtypes: torch.DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];
  void dtypes;
  // Properties
  const shape: number[] = a.shape;
  const dtype: torch.DType = a.dtype;
  const device: string = a.device;
  const rg: boolean = a.requiresGrad;
  const g: Tensor | null = a.grad;
  const nd: number = a.ndim;
  const n: number = a.numel();
  void [shape, dtype, device, rg, g, nd, n];
  // Moving
  a.to('cpu');
  a.to('cuda');
  a.to('float64');
  a.cuda();
  a.cpu();
  // Reading
  const arr: torch.TypedArray = a.toArray();
  const arr2: torch.TypedArray = await a.data();
  const list = a.tolist();
  const one: number = a.sum().item();
  void [arr, arr2, list, one];
  // Shape
  a.view(4);
  a.view(-1, 2);
  a.reshape([4]);
  a.flatten();
  a.flatten(1, -1);
  a.permute(1, 0);
  a.transpose(0, 1);
  a.unsqueeze(0);
  a.squeeze();
  a.contiguous();
  a.index(0);
  a.narrow(1, 0, 1);
  // Math with broadcasting
  a.add(1).sub(y).mul(2).div(y).neg().exp().log().sqrt().pow(2).matmul(y);
  a.sum();
  a.mean();
  a.max();
  a.min();
  const mx: { values: Tensor; indices: Tensor } = a.max(1);
  void mx;
  // Conventions: two results destructure as an array too; elementwise functions as torch.f(x) and x.f()
  const [mv, mi]: Tensor[] = [...a.max(1)];
  const [vv, vi] = a.min(0, true);
  void [mv, mi, vv.add(1), vi.add(1)];
  torch.max(a, y);
  torch.clamp(a, 0, 1);
  a.clamp(null, y).clampMin(0).clampMax(2);
  torch.abs(a);
  a.abs().sign().floor().sin().atan2(y).remainder(2).lerp(y, 0.5);
  a.std(1, { correction: 1, keepdim: true });
  a.var(undefined, { unbiased: false });
  a.norm(2, 1, { keepdim: true });
  a.norm('fro');
  torch.logsumexp(a, 1);
  a.add_(1).mul_(y).clamp_(0, 1);
  const version: number = a._version;
  void version;
  a.sum().backward(undefined, { retainGraph: true });
  // @ts-expect-error std's options go in one object
  a.std(1, 1);
  a.argmax(1);
  a.eq(y);
  torch.cat([a, y], 0);
  torch.stack([a, y]);
  torch.matmul(a, y);
  torch.bmm(a, y);
  // Autograd
  const loss = a.mul(a).sum();
  loss.backward();
  const grad: Tensor | null = a.grad;
  void grad;
  a.detach();
  const r: Tensor = torch.noGrad(() => a.mul(2));
  a.requiresGrad_();
  void r;
  // torch.autograd.grad(outputs, inputs, {gradOutputs, retainGraph, createGraph}) returns an array
  const gs: (Tensor | null)[] = torch.autograd.grad(a.mul(a).sum(), [a], { gradOutputs: null, retainGraph: true, createGraph: true });
  const [ga] = torch.autograd.grad([a.sum()], a, { allowUnused: true });
  void [gs, ga];
  // @ts-expect-error options are camelCase
  torch.autograd.grad(a.sum(), a, { create_graph: true });
  torch.autograd.backward([a.sum()], null, { inputs: [a], createGraph: false });
  a.sum().backward({ createGraph: true, inputs: a });
  a.mul(2).retainGrad();
  a.registerHook((g: Tensor) => g.mul(2)).remove();
  const anomalous: number = torch.autograd.detectAnomaly(() => 1);
  void anomalous;
  // Memory
  a.dispose();
  const kept: Tensor = torch.tidy(() => x.add(1));
  void kept;
  torch.memory();
  // CUDA
  const ok: boolean = torch.cuda.isAvailable();
  const count: number = torch.cuda.deviceCount();
  torch.cuda.synchronize();
  const bytes: number = torch.cuda.memoryAllocated();
  void [ok, count, bytes];

  // sizes as varargs too, where PyTorch takes them (API.md: `torch.ones(2, 3)`)
  const va: Tensor = torch.zeros(2, 3);
  const vb: Tensor = torch.ones(2, 1, 4, { dtype: 'float64' });
  void [va, vb];
  // @ts-expect-error options come last
  torch.ones(2, { dtype: 'float64' }, 3);
  // @ts-expect-error dtypes are the six strings above
  torch.zeros([2], { dtype: 'float16' });
  // @ts-expect-error item() gives a number
  const s: string = x.item();
  void s;
}

/** ## nn (modules) */
export function modules(): void {
  class Net extends nn.Module {
    conv = new nn.Conv2d(1, 4, 3);
    bn = new nn.BatchNorm2d(4);
    forward(inp: Tensor): Tensor {
      return this.bn.forward(this.conv.forward(inp));
    }
  }
  const m = new Net();
  const out: Tensor = m.forward(x);
  void out;
  const ps: torch.nn.Parameter[] = m.parameters();
  const named: [string, torch.nn.Parameter][] = m.namedParameters();
  const kids: torch.nn.Module[] = m.children();
  const all: torch.nn.Module[] = m.modules();
  void [ps, named, kids, all];
  m.train();
  m.eval();
  const training: boolean = m.training;
  void training;
  m.to('cpu');
  m.apply((mod) => void mod);
  m.zeroGrad();
  const sd: Record<string, Tensor> = m.stateDict();
  const res: { missingKeys: string[]; unexpectedKeys: string[] } = m.loadStateDict(sd, { strict: true });
  void res;
  m.registerBuffer('extra', torch.zeros([1]));
  const text: string = m.toString();
  void text;
  // BatchNorm's buffers
  const rm: Tensor | null = m.bn.runningMean;
  const rv: Tensor | null = m.bn.runningVar;
  const nbt: Tensor | null = m.bn.numBatchesTracked;
  void [rm, rv, nbt];

  // the table, row by row
  new nn.Conv2d(3, 16, 3, { stride: 1, padding: 0, dilation: 1, groups: 1, bias: true });
  new nn.Conv2d(3, 16, [3, 5], { stride: [1, 2], padding: [1, 2], dilation: [1, 1] });
  new nn.Conv2d(3, 16, 3, { padding: 'same' });
  new nn.Conv2d(3, 16, 3, { padding: 'valid' });
  new nn.Conv3d(3, 16, 3, { stride: 1, padding: 1, dilation: 1, groups: 1, bias: false });
  new nn.Conv3d(3, 16, [3, 3, 3], { padding: 'same' });
  new nn.Linear(128, 10, { bias: true });
  new nn.MaxPool2d(2, { stride: 2, padding: 0, dilation: 1, ceilMode: false, returnIndices: false });
  new nn.MaxUnpool2d(2, { stride: 2, padding: 0 });
  new nn.AvgPool2d(2, { stride: 2, padding: 0, ceilMode: false, countIncludePad: true, divisorOverride: 3 });
  new nn.AdaptiveAvgPool2d(1);
  new nn.AdaptiveAvgPool2d([7, 7]);
  new nn.AdaptiveAvgPool2d([1, null]);
  new nn.AdaptiveMaxPool2d([null, 3], { returnIndices: true });
  new nn.BatchNorm1d(64, { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true });
  new nn.BatchNorm2d(64, { eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true });
  new nn.LayerNorm(64, { eps: 1e-5, elementwiseAffine: true });
  new nn.LayerNorm([8, 8]);
  new nn.InstanceNorm2d(3, { eps: 1e-5, momentum: 0.1, affine: false, trackRunningStats: false });
  new nn.GroupNorm(4, 64, { eps: 1e-5, affine: true });
  new nn.Dropout(0.5);
  new nn.Dropout();
  new nn.Dropout2d(0.5);
  new nn.Dropout3d(0.5);
  new nn.AlphaDropout(0.5);
  new nn.ReLU();
  new nn.Sigmoid();
  new nn.Tanh();
  new nn.SELU();
  new nn.PReLU({ numParameters: 1, init: 0.25 });
  new nn.Softmax(1);
  new nn.LogSoftmax(1);
  const seq = new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.Tanh(), new nn.Flatten());
  const first: torch.nn.Module = seq[0];
  for (const layer of seq) void layer;
  void first;
  new nn.ModuleList([new nn.Linear(2, 2)]);
  new nn.Flatten();
  new nn.Flatten(1, -1);
  new nn.Identity();
  const mha = new nn.MultiheadAttention(64, 8);
  const [attnOut, attnWeights]: [Tensor, Tensor | null] = mha.forward(x, x, x);
  void [attnOut, attnWeights];
  new nn.MultiheadAttention(64, 8, { dropout: 0.1, bias: true, batchFirst: true });
  // @ts-expect-error snake_case option
  new nn.MultiheadAttention(64, 8, { batch_first: true });
  const encLayer = new nn.TransformerEncoderLayer(64, 8, { dimFeedforward: 128, dropout: 0.1, activation: 'gelu', layerNormEps: 1e-5, batchFirst: false, normFirst: true });
  new nn.TransformerEncoderLayer(64, 8, { activation: (t: Tensor) => t.relu() });
  // @ts-expect-error an activation PyTorch does not name
  new nn.TransformerEncoderLayer(64, 8, { activation: 'swish' });
  const enc = new nn.TransformerEncoder(encLayer, 2, { norm: new nn.LayerNorm(64) });
  const encOut: Tensor = enc.forward(x, { mask: null, srcKeyPaddingMask: null });
  const layerOut: Tensor = encLayer.forward(x, { srcMask: null, srcKeyPaddingMask: null });
  void [encOut, layerOut];
  const lstm = new nn.LSTM(10, 20, { numLayers: 2, bias: true, batchFirst: true, dropout: 0.1, bidirectional: true });
  const [lstmOut, [hN, cN]]: [Tensor, [Tensor, Tensor]] = lstm.forward(x, [x, x]);
  const gru = new nn.GRU(10, 20);
  const [gruOut, gruH]: [Tensor, Tensor] = gru.forward(x);
  // @ts-expect-error GRU takes one initial state, not [h0, c0]
  gru.forward(x, [x, x]);
  const [h1, c1]: [Tensor, Tensor] = new nn.LSTMCell(10, 20, { bias: false }).forward(x, [x, x]);
  const h2: Tensor = new nn.GRUCell(10, 20).forward(x, x);
  void [lstmOut, hN, cN, gruOut, gruH, h1, c1, h2];
  const ce = new nn.CrossEntropyLoss({ reduction: 'mean', labelSmoothing: 0 });
  const l: Tensor = ce.forward(x, target);
  void l;
  new nn.NLLLoss();
  new nn.MSELoss();

  // nn.init
  const w = new nn.Linear(4, 4).weight;
  nn.init.kaimingNormal_(w, { mode: 'fan_in', nonlinearity: 'leaky_relu' });
  nn.init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
  nn.init.kaimingUniform_(w);
  nn.init.xavierUniform_(w);
  nn.init.xavierNormal_(w);
  nn.init.normal_(w);
  nn.init.uniform_(w);
  nn.init.constant_(w, 0);
  nn.init.zeros_(w);
  nn.init.ones_(w);

  // @ts-expect-error options go in one object, not positionally
  new nn.Conv2d(3, 16, 3, 1, 1);
  // @ts-expect-error padding strings are 'same' and 'valid' only
  new nn.Conv2d(3, 16, 3, { padding: 'full' });
  // @ts-expect-error PyTorch's snake_case keyword names are not options here
  new nn.BatchNorm2d(8, { track_running_stats: false });
  // @ts-expect-error mode is 'fan_in' or 'fan_out'
  nn.init.kaimingNormal_(w, { mode: 'fan_avg' });
}

/** ## F (functional) */
export function functional(): void {
  const w = torch.randn([4, 1, 3, 3]);
  F.conv2d(x, w);
  F.conv2d(x, w, null, { stride: 1, padding: 1, dilation: 1, groups: 1 });
  F.conv3d(x, w, undefined, { stride: 1, padding: 'same' });
  F.linear(x, w);
  F.linear(x, w, y);
  F.maxPool2d(x, 2);
  F.maxPool2d(x, 2, { stride: 2, padding: 0, dilation: 1, ceilMode: false });
  const [pooled, indices]: [Tensor, Tensor] = F.maxPool2d(x, 2, { returnIndices: true });
  F.avgPool2d(x, 2, { stride: 2, padding: 0, ceilMode: false, countIncludePad: true, divisorOverride: 4 });
  F.adaptiveAvgPool2d(x, 1);
  F.adaptiveMaxPool2d(x, [2, null]);
  F.maxUnpool2d(pooled, indices, 2);
  F.maxUnpool2d(pooled, indices, 2, { stride: 2 });
  F.batchNorm(x, y, y, { weight: w, bias: w, training: false, momentum: 0.1, eps: 1e-5 });
  F.batchNorm(x, null, null, { training: true });
  F.layerNorm(x, [4], { weight: w, bias: w, eps: 1e-5 });
  F.instanceNorm(x, { runningMean: null, runningVar: null, weight: w, bias: w, useInputStats: true, momentum: 0.1, eps: 1e-5 });
  F.groupNorm(x, 2, { weight: w, bias: w, eps: 1e-5 });
  F.dropout(x, { p: 0.5, training: true });
  F.dropout2d(x, { p: 0.5, training: true });
  F.dropout3d(x, { p: 0.5 });
  F.alphaDropout(x, { training: false });
  F.relu(x);
  F.sigmoid(x);
  F.tanh(x);
  F.selu(x);
  F.prelu(x, w);
  F.softmax(x, 1);
  F.logSoftmax(x, -1);
  F.crossEntropy(x, target, { reduction: 'mean', labelSmoothing: 0 });
  F.nllLoss(x, target, { reduction: 'sum' });
  F.mseLoss(x, y, { reduction: 'none' });

  // @ts-expect-error reduction is 'mean' | 'sum' | 'none'
  F.mseLoss(x, y, { reduction: 'avg' });
  // @ts-expect-error softmax needs its dim
  F.softmax(x);
}

/** ## optim */
export function optimizers(): void {
  const model = new nn.Linear(4, 2);
  const adam = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
  new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-2 });
  const sgd = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false });
  // parameter groups as in PyTorch
  new optim.SGD([{ params: [model.weight] }, { params: [model.bias!], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
  adam.zeroGrad();
  adam.step();
  const st = adam.stateDict();
  adam.loadStateDict(st);
  sgd.step();

  // @ts-expect-error options are camelCase (weightDecay)
  new optim.Adam(model.parameters(), { weight_decay: 1e-4 });
}

/** API.md conventions: module utilities and initialisers added with issue 15 */
export function moduleUtilities(): void {
  const model = new nn.Sequential(new nn.Linear(4, 2), new nn.ReLU());
  model.requiresGrad_(false).requiresGrad_();
  model.double().float();
  const pre: torch.nn.RemovableHandle = model.registerForwardPreHook((_m, inputs) => inputs);
  const post = model.registerForwardHook((_m, _inputs, output) => output);
  pre.remove();
  post.remove();
  const back = model.registerFullBackwardHook((_m, gradInput, _gradOutput) => gradInput.map((g) => (g ? g.mul(0.5) : null)));
  back.remove();
  const w = torch.empty([8, 4]);
  nn.init.orthogonal_(w, { gain: 2 });
  nn.init.truncNormal_(w, { mean: 0, std: 0.02, a: -0.04, b: 0.04 });
  nn.init.kaimingUniform_(w, { a: Math.sqrt(5), mode: 'fan_in', nonlinearity: 'leaky_relu' });
  // @ts-expect-error a hook is a function
  model.registerForwardHook(3);
}

/** API.md conventions: nn.ConvTranspose2d, nn.Embedding and the layers added with issue 15 item 1 */
export function layersIssue15(ids: Tensor, offsets: Tensor): void {
  const up = new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 1, bias: false });
  const y: Tensor = up.forward(x, [32, 32]);
  new nn.ConvTranspose1d(4, 4, 5).forward(y);
  new nn.ConvTranspose3d(4, 4, [1, 3, 3], { stride: [1, 2, 2] }).forward(y, [4, 8, 8]);
  F.convTranspose3d(x, y);
  F.convTranspose2d(x, up.weight, null, { stride: 2, outputPadding: 1 });
  F.convTranspose1d(x, y, undefined, { padding: [1] });
  const emb = new nn.Embedding(1000, 64, { paddingIdx: 0, maxNorm: 1 });
  emb.forward(ids);
  nn.Embedding.fromPretrained(emb.weight, { freeze: false });
  F.embedding(ids, emb.weight, { paddingIdx: 0, scaleGradByFreq: true });
  const bag = new nn.EmbeddingBag(1000, 64, { mode: 'sum' });
  bag.forward(ids, offsets, y);
  F.embeddingBag(ids, emb.weight, offsets, { mode: 'max', includeLastOffset: true });
  new nn.Sequential(new nn.PixelShuffle(2), new nn.PixelUnshuffle(2), new nn.Unflatten(1, [2, -1]));
  F.pixelShuffle(x, 2);
  F.pixelUnshuffle(x, 2);
  const heads = new nn.ModuleDict({ cls: new nn.Linear(64, 10) });
  heads.set('box', new nn.Linear(64, 4)).get('cls').forward(x);
  const scales = new nn.ParameterList([torch.ones([3])]);
  const p0: torch.nn.Parameter = scales[0];
  scales.append(p0).at(-1);
  new nn.ParameterDict({ alpha: torch.zeros([1]) }).get('alpha');
  // @ts-expect-error options are camelCase (outputPadding)
  F.convTranspose2d(x, y, null, { output_padding: 1 });
  // @ts-expect-error the mode is 'sum', 'mean' or 'max'
  new nn.EmbeddingBag(10, 2, { mode: 'min' });
}

/** API.md conventions: the optimizers added with issue 15 */
export function moreOptimizers(): void {
  const model = new nn.Linear(4, 2);
  new optim.RMSprop(model.parameters(), { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: true });
  new optim.Adagrad(model.parameters(), { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0.1, eps: 1e-10 });
  new optim.Adadelta(model.parameters(), { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 });
  new optim.Adamax(model.parameters(), { lr: 2e-3, betas: [0.9, 0.999] });
  new optim.NAdam(model.parameters(), { lr: 2e-3, momentumDecay: 4e-3 });
  const radam = new optim.RAdam([{ params: [model.weight] }, { params: [model.bias!], lr: 1e-2 }], { lr: 1e-3 });
  radam.step();
  radam.loadStateDict(radam.stateDict());
  // @ts-expect-error options are camelCase (momentumDecay)
  new optim.NAdam(model.parameters(), { momentum_decay: 4e-3 });
}

/** API.md conventions: learning-rate schedulers in optim.lrScheduler */
export function schedulers(): void {
  const model = new nn.Linear(4, 2);
  const sgd = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const step = new optim.lrScheduler.StepLR(sgd, { stepSize: 30, gamma: 0.1 });
  step.step();
  const lrs: number[] = step.getLastLr();
  const last: number = step.lastEpoch;
  step.loadStateDict(step.stateDict());
  new optim.lrScheduler.CosineAnnealingLR(sgd, { TMax: 100, etaMin: 0 });
  new optim.lrScheduler.OneCycleLR(sgd, { maxLr: 0.1, totalSteps: 1000 });
  new optim.lrScheduler.OneCycleLR(sgd, { maxLr: [0.1], epochs: 10, stepsPerEpoch: 100, annealStrategy: 'linear' });
  new optim.lrScheduler.CyclicLR(sgd, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 100, mode: 'triangular2' });
  new optim.lrScheduler.LambdaLR(sgd, (epoch) => 0.95 ** epoch);
  const plateau = new optim.lrScheduler.ReduceLROnPlateau(sgd, { mode: 'min', patience: 5 });
  plateau.step(0.5);
  const warm = new optim.lrScheduler.LinearLR(sgd, { startFactor: 0.1, totalIters: 5 });
  const cos = new optim.lrScheduler.CosineAnnealingLR(sgd, { TMax: 95 });
  new optim.lrScheduler.SequentialLR(sgd, { schedulers: [warm, cos], milestones: [5] });
  new optim.lrScheduler.ChainedScheduler([warm, cos]);
  void lrs;
  void last;

  // nn.utils
  const total: Tensor = nn.utils.clipGradNorm_(model.parameters(), 1.0, { normType: 2, errorIfNonfinite: false });
  nn.utils.clipGradNorm_(model.parameters(), 1.0, { normType: 'inf' });
  nn.utils.clipGradValue_(model.parameters(), 0.5);
  const vec: Tensor = nn.utils.parametersToVector(model.parameters());
  nn.utils.vectorToParameters(vec, model.parameters());
  void total;
  // @ts-expect-error options are camelCase (normType)
  nn.utils.clipGradNorm_(model.parameters(), 1.0, { norm_type: 2 });

  // @ts-expect-error options are camelCase (stepSize)
  new optim.lrScheduler.StepLR(sgd, { step_size: 30 });
  // @ts-expect-error OneCycleLR needs maxLr
  new optim.lrScheduler.OneCycleLR(sgd, { totalSteps: 10 });
}

/** ## Saving and loading */
export function saving(): void {
  const model = torch.models.fashionCnn();
  torch.save(model.stateDict(), 'model.safetensors');
  const sd: Record<string, Tensor> = torch.load('model.safetensors');
  model.loadStateDict(sd);

  // @ts-expect-error save takes named tensors, not a module
  torch.save(model, 'model.safetensors');
}

/** ## Data */
export async function data(): Promise<void> {
  const train = new torch.data.FashionMNIST({ root: '/usr/share/datasets/fashion-mnist', train: true, download: true });
  const test = await torch.data.FashionMNIST.create({ train: false, download: true });
  void [train, test];
  const ds = new torch.data.TensorDataset(torch.randn([100, 4]), torch.zeros([100], { dtype: 'int64' }));
  const [trainSet, valSet] = torch.data.randomSplit(ds, [80, 20], { seed: 0 });
  void valSet;
  const loader = new torch.data.DataLoader(trainSet, { batchSize: 16, shuffle: true, dropLast: false });
  for (const [xb, yb] of loader) void [xb, yb];
  const t1 = torch.data.toTensor();
  const t2 = torch.data.normalize(0.5, 0.5);
  const t3 = torch.data.normalize([0.5], [0.5]);
  void [t1, t2, t3];

  // @ts-expect-error batchSize is a number
  new torch.data.DataLoader(ds, { batchSize: '16' });
}

/** ## Conventions: the activation, padding and resampling spellings (issue 15) */
export function conventionsLayers(): void {
  const a: Tensor[] = [
    F.gelu(x), F.gelu(x, { approximate: 'tanh' }), F.leakyRelu(x, { negativeSlope: 0.01 }), F.leakyRelu(x, 0.2),
    F.silu(x), F.elu(x, { alpha: 1 }), F.celu(x, { alpha: 2, inplace: false }), F.softplus(x, { beta: 1, threshold: 20 }),
    F.mish(x), F.hardswish(x), F.hardsigmoid(x, { inplace: true }), F.softsign(x), F.hardtanh(x, { minVal: -1, maxVal: 1 }),
    F.relu6(x), F.logsigmoid(x), F.threshold(x, 0.1, 20), F.glu(x), F.glu(x, 1),
    F.interpolate(x, { size: [4, 4], scaleFactor: undefined, mode: 'bilinear', alignCorners: false }),
    F.interpolate(x, { scaleFactor: 2, recomputeScaleFactor: true }),
    F.pad(x, [1, 1]), F.pad(x, [1, 1, 2, 2], { mode: 'constant', value: 0 }), F.pad(x, [1, 1], 'reflect'),
  ];
  const m: torch.nn.Module[] = [
    new nn.GELU({ approximate: 'none' }), new nn.LeakyReLU(0.2), new nn.LeakyReLU({ negativeSlope: 0.1, inplace: true }),
    new nn.ELU(), new nn.CELU(1.5), new nn.SiLU(), new nn.Mish(), new nn.Hardswish(), new nn.Hardsigmoid(), new nn.ReLU6({ inplace: true }),
    new nn.Softplus({ beta: 2 }), new nn.Softsign(), new nn.Hardtanh(-2, 2), new nn.LogSigmoid(), new nn.Threshold(0.1, 20), new nn.GLU(1),
    new nn.Upsample({ scaleFactor: 2, mode: 'nearest' }), new nn.UpsamplingNearest2d({ size: 8 }), new nn.UpsamplingBilinear2d({ scaleFactor: 2 }),
  ];
  void [a, m];
  // @ts-expect-error gelu's approximate is 'none' | 'tanh'
  F.gelu(x, { approximate: true });
  // @ts-expect-error pad takes the pad list
  F.pad(x);
}

/** ## Conventions: the indexing, ordering and shape spellings (issue 14) */
export function conventionsIndexing(index: Tensor, src: Tensor, mask: Tensor, cond: Tensor): void {
  const g: Tensor = torch.gather(x, 1, index);
  x.scatter_(1, index, src);
  x.scatter_(1, index, 0.5, { reduce: 'add' });
  x.scatterAdd_(1, index, src);
  const s: Tensor = torch.indexSelect(x, 0, index);
  const m: Tensor = x.maskedFill(mask, 0);
  const w: Tensor = torch.where(cond, x, y);
  const w2: Tensor = torch.where(cond, x, 0);
  const nz: Tensor[] = torch.where(cond);
  const { values, indices } = torch.topk(x, 3);
  const [v2, i2] = x.topk(3, { dim: 0, largest: false, sorted: true });
  const [sv, si] = torch.sort(x, { dim: 1, descending: true, stable: true });
  const f: Tensor = torch.flip(x, [0, 1]);
  const r: Tensor = torch.roll(x, 1, 0);
  const e: Tensor = torch.einsum('bij,bjk->bik', x, y);
  const sl: Tensor = x.index(':', '::2', '1:-1', null, '...');
  x.set(0, mask);
  const u: Tensor[] = torch.unique(x, { returnInverse: true });
  const gen = new torch.Generator().manualSeed(0);
  const ri: Tensor = torch.randint(0, 10, [3], { generator: gen });
  void [g, s, m, w, w2, nz, values, indices, v2, i2, sv, si, f, r, e, sl, u, ri];
  // @ts-expect-error reduce is 'add' or 'multiply'
  x.scatter_(1, index, src, { reduce: 'mean' });
  // @ts-expect-error topk's options are one object
  torch.topk(x, 3, 0);
  // @ts-expect-error the slice step goes in the string ('::2'), not as a number array of three
  x.index({ start: 0, stop: 2 });
}

/** ## Conventions: the losses (issue 15) */
export function conventionsLosses(w: Tensor, pw: Tensor, v: Tensor, probs: Tensor): void {
  const losses: Tensor[] = [
    F.binaryCrossEntropy(x, y, { weight: w, reduction: 'sum' }),
    F.binaryCrossEntropyWithLogits(x, target, { weight: w, posWeight: pw, reduction: 'none' }),
    F.l1Loss(x, y),
    F.smoothL1Loss(x, y, { beta: 0.5, reduction: 'mean' }),
    F.huberLoss(x, y, { delta: 2 }),
    F.klDiv(x, target, { reduction: 'batchmean', logTarget: true }),
    F.gaussianNllLoss(x, y, v, { full: true, eps: 1e-6 }),
    F.marginRankingLoss(x, y, target, { margin: 0.1 }),
    F.cosineEmbeddingLoss(x, y, target, { margin: 0.2 }),
    F.crossEntropy(x, target, { weight: w, ignoreIndex: -1, labelSmoothing: 0.1, reduction: 'mean' }),
    F.crossEntropy(x, probs, { labelSmoothing: 0.1 }),
    F.nllLoss(x, target, { weight: w, ignoreIndex: 0 }),
    new nn.BCELoss({ weight: w }).forward(x, y),
    new nn.BCEWithLogitsLoss({ posWeight: pw }).forward(x, y),
    new nn.L1Loss().forward(x, y),
    new nn.SmoothL1Loss({ beta: 1 }).forward(x, y),
    new nn.HuberLoss({ delta: 1 }).forward(x, y),
    new nn.KLDivLoss({ reduction: 'batchmean', logTarget: false }).forward(x, y),
    new nn.GaussianNLLLoss({ full: false, eps: 1e-6 }).forward(x, y, v),
    new nn.MarginRankingLoss({ margin: 0 }).forward(x, y, target),
    new nn.CosineEmbeddingLoss({ margin: 0 }).forward(x, y, target),
    new nn.CrossEntropyLoss({ weight: w, ignoreIndex: -100, labelSmoothing: 0.1 }).forward(x, target),
    new nn.NLLLoss({ weight: w }).forward(x, target),
  ];
  void losses;
  // @ts-expect-error klDiv's batchmean is its own: l1Loss takes 'mean' | 'sum' | 'none'
  F.l1Loss(x, y, { reduction: 'batchmean' });
  // @ts-expect-error PyTorch's snake_case keys are not options (pos_weight -> posWeight)
  F.binaryCrossEntropyWithLogits(x, y, { pos_weight: pw });
}

/** The README / API example: the seed's FashionCNN, written in torchlet. */
export function readmeExample(trainLoader: Iterable<[Tensor, Tensor]>): void {
  class FashionCNN extends nn.Module {
    conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
    conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
    fc1 = new nn.Linear(64 * 7 * 7, 128);
    dropout = new nn.Dropout(0.5);
    fc2 = new nn.Linear(128, 10);
    forward(x: torch.Tensor) {
      x = F.maxPool2d(F.relu(this.conv1.forward(x)), 2);
      x = F.maxPool2d(F.relu(this.conv2.forward(x)), 2);
      x = x.view(x.shape[0], -1);
      return this.fc2.forward(this.dropout.forward(F.relu(this.fc1.forward(x))));
    }
  }
  const model = new FashionCNN();
  model.apply((m) => {
    if (m instanceof nn.Conv2d || m instanceof nn.Linear) {
      nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      if (m.bias) nn.init.constant_(m.bias, 0);
    }
  });
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
  for (const [x, y] of trainLoader) {
    torch.tidy(() => {
      const loss = F.crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    });
  }
}
