// test/ops/conv_algorithms.test.ts — the CPU convolution algorithms of native/cpu/conv.cc, each
// forced through torch.backends.conv.algorithm ('auto', 'perImage', 'batched', 'depthwise',
// 'winograd', 'direct'): against PyTorch (test/fixtures/conv_algorithms.json: shapes that take each algorithm
// through odd sizes, padding 0-2, groups, batch 1, 1x1 and 2x2 maps whose kernel taps only partly
// meet the input, strides, dilation, 1-D and 3-D), output and all gradients in float64 and float32;
// the inference path (ReLU epilogue, pre-packed weights) equal to relu(conv) bit for bit; float64
// finite-difference gradchecks under each preference; what F.convAlgorithms and
// nn.Conv2d#algorithms report; and the preference's argument errors. CPU only: CUDA runs one
// implicit-GEMM kernel for every shape (test/ops/skips.ts).
import * as torch from '../../lib';
import type { Tensor, ConvAlgorithmPreference } from '../../lib';
import { describeOp } from '../devices';
import { gradcheck } from '../gradcheck';
import { casesOf, convOpts, expectArgError, fixtureCases, fromFixture, maxAbs, randnT, withAlgorithm } from '../helpers';
import { native } from '../../lib/binding';
import type { ConvParams } from '../../binding';
import { convInference, PackedWeights } from '../../lib/ops/conv';

const F = torch.F;
const cases = casesOf('conv_algorithms');
const PREFS: ConvAlgorithmPreference[] = ['auto', 'perImage', 'batched', 'depthwise', 'winograd', 'direct'];
const conv = (x: Tensor, w: Tensor, b: Tensor | null, opts: object): Tensor =>
  ({ 3: F.conv1d, 4: F.conv2d, 5: F.conv3d })[x.ndim]!(x, w, b, opts);


describeOp('conv_algorithms', (run) => {
  for (const pref of PREFS)
    fixtureCases(run, cases, (ins, c) => withAlgorithm(pref, () => conv(ins.x!, ins.weight!, ins.bias, convOpts(c))), {
      block: `vs PyTorch, preference '${pref}'`,
      min: 20,
      op: (c) => c.op,
    });

  describe('inference (convInference): ReLU epilogue and pre-packed weights give relu(conv) exactly', () => {
    for (const pref of PREFS)
      test.each(cases)(`'${pref}': %s`, (_n, c) => {
        for (const dtype of ['float64', 'float32'] as const) {
          const x = fromFixture(c.inputs.x!, dtype);
          const w = fromFixture(c.inputs.weight!, dtype);
          const b = c.inputs.bias ? fromFixture(c.inputs.bias, dtype) : null;
          const nd = (x.ndim - 2) as 1 | 2 | 3;
          withAlgorithm(pref, () => {
            const plain = torch.noGrad(() => conv(x, w, b, convOpts(c)));
            const cache: PackedWeights = new Map();
            for (const relu of [false, true]) {
              const y = convInference(nd, x, w, b, convOpts(c), relu, cache);
              expect(y.toArray()).toEqual((relu ? F.relu(plain) : plain).toArray());
            }
            expect(new Set(cache.values()).size).toBe(1); // packed once, used twice
          });
        }
      });
    test('native argument errors: a packed weight of the wrong size or layout, relu or packed where they do not apply', () => {
      const x = torch.randn([1, 2, 5, 5]);
      const w = torch.randn([3, 2, 3, 3]);
      const y = torch.empty([1, 3, 3, 3]);
      const p: ConvParams = { N: 1, C: 2, OC: 3, groups: 1, in: [1, 5, 5], kernel: [1, 3, 3], out: [1, 3, 3], stride: [1, 1, 1], pad: [0, 0, 0], dilation: [1, 1, 1], algo: 0, relu: false, packed: true, frozen: false };
      expect(() => native.convForward(x.arg(), w.arg(), null, y.arg(), p)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/packed weight has 54 elements/) }));
      expect(() => native.convBackwardInput(y.arg(), w.arg(), x.arg(), { ...p, packed: false, relu: true })).toThrow(/relu applies to conv_forward only/);
      expect(() => native.convBackwardInput(y.arg(), w.arg(), x.arg(), p)).toThrow(/packed applies to conv_forward and conv2d_relu_max_pool2d_forward only/);
      expect(() => native.convBackwardWeight(y.arg(), x.arg(), w.arg(), null, { ...p, packed: false, frozen: true })).toThrow(/frozen applies to conv_forward, conv2d_relu_max_pool2d_forward and conv_pack_weight only/);
      // the fused forward reads a GEMM's or one-group Winograd's packed layout, not Direct's
      const pool = { N: 1, C: 3, H: 3, W: 3, OH: 1, OW: 1, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 };
      const pooled = torch.empty([1, 3, 1, 1]);
      const tap = torch.empty([1, 3, 1, 1], { dtype: 'uint8' });
      const fused = (wt: Tensor, q: ConvParams) => native.conv2dReluMaxPool2dForward(x.arg(), wt.arg(), null, pooled.arg(), tap.arg(), q, pool);
      expect(() => fused(w, p)).toThrow(expect.objectContaining({ code: 'ERR_TORCHLET_INVALID_ARG', message: expect.stringMatching(/packed weight has 54 elements/) }));
      const direct: ConvParams = { ...p, algo: 9 }; // torch.backends.conv.algorithm 'direct'
      const info = torch.empty([5], { dtype: 'int64' });
      native.convAlgorithms(info.arg(), direct);
      const codes = Array.from(info.toArray() as BigInt64Array, Number);
      expect(codes[0]).toBe(9);
      const wd = torch.empty([codes[3]]);
      native.convPackWeight(w.arg(), wd.arg(), { ...direct, packed: false });
      expect(() => fused(wd, direct)).toThrow(/pre-packed weights need a GEMM or one-group Winograd layout; this shape packs for Direct/);
      expect(() => native.convPackWeight(w.arg(), torch.empty([5]).arg(), { ...p, packed: false })).toThrow(/out has 5 elements/);
    });
  });

  describe('float64 finite-difference gradients under each preference', () => {
    const shapes: [string, number[], number[], object][] = [
      ['winograd 3x3 pad 1, odd sizes', [2, 8, 5, 3], [8, 8, 3, 3], { padding: 1 }],
      ['3x3 on a 1x1 map (only the centre tap is live)', [3, 4, 1, 1], [5, 4, 3, 3], { padding: 1 }],
      ['stride 2 on a 3x3 map', [2, 3, 3, 3], [4, 3, 3, 3], { stride: 2, padding: 1 }],
      ['depthwise multiplier 2, dilation 2', [2, 3, 5, 6], [6, 1, 3, 3], { padding: 2, dilation: 2, groups: 3 }],
      ['6x6 stride 2 (Winograd through space to depth)', [2, 3, 13, 11], [4, 3, 6, 6], { stride: 2, padding: 1 }],
      ['3x3 on rows 18 wide (Direct\'s row tiles)', [1, 2, 5, 18], [3, 2, 3, 3], { padding: 1 }],
    ];
    for (const pref of PREFS)
      test.each(shapes)(`'${pref}': %s`, (_n, xs, ws, opts) => {
        const x = randnT(xs, 1);
        const w = randnT(ws, 2, 0.3);
        const b = randnT([ws[0]], 3);
        withAlgorithm(pref, () => gradcheck(([a, k, c]) => conv(a, k, c, opts), [x, w, b]));
      });
  });

  describe('the algorithms agree on larger shapes (several chunks and threads; batch-1 GEMMs threaded)', () => {
    test.each([
      // batch 1 on small maps: the batched path's gathered im2col, into the threaded skinny GEMM
      // (4 columns; its B packed by both threads) and the threaded micro-kernel GEMM (16 columns)
      ['batch 1, 3x3 on a 2x2 map, 128 -> 128', [1, 128, 2, 2], [128, 128, 3, 3], { padding: 1 }],
      ['batch 1, 3x3 stride 2 on a 4x4 map, 128 -> 96', [1, 128, 4, 4], [96, 128, 3, 3], { stride: 2, padding: 1 }],
      ['batch 1, 3x3 on a 4x4 map, 64 -> 80', [1, 64, 4, 4], [80, 64, 3, 3], { padding: 1 }],
      // small maps where the direct conv's border groups run only the taps that meet the input
      // (every pixel of a 2x2 map; corners and edges of 4x4 to 6x6 maps), and the group of the rest
      ['border groups: 3x3 on a 2x2 map, 8 -> 40', [32, 8, 2, 2], [40, 8, 3, 3], { padding: 1 }],
      ['border groups: 5x5 on a 6x6 map, padding 2, 2 groups', [16, 12, 6, 6], [20, 6, 5, 5], { padding: 2, groups: 2 }],
      ['border groups: 3x3 stride 2 dilation 2 on 7x5', [24, 6, 7, 5], [18, 6, 3, 3], { stride: 2, padding: 2, dilation: 2 }],
      ['border groups: 3-D 3x3x3 on 3x3x3', [32, 4, 3, 3, 3], [20, 4, 3, 3, 3], { padding: 1 }],
      // at most 16 output channels: the direct conv's narrow tile (28 pixels), with border groups
      ['narrow tile, border groups: 3x3 on a 4x4 map, 8 -> 12', [16, 8, 4, 4], [12, 8, 3, 3], { padding: 1 }],
      ['3x3 8x8 map, 16 -> 16', [24, 16, 8, 8], [16, 16, 3, 3], { padding: 1 }],
      // Winograd's channels-last copy: blocks of 16 channels and 16 columns plus both tails
      ['3x3 20x37 map, 35 -> 16', [2, 35, 20, 37], [16, 35, 3, 3], { padding: 1 }],
      ['3x3 9x17 map, 16 -> 17, no padding', [3, 16, 9, 17], [17, 16, 3, 3], {}],
      ['3x3 stride 2, 8 -> 12', [20, 8, 9, 9], [12, 8, 3, 3], { stride: 2, padding: 1 }],
      ['depthwise 3x3', [9, 12, 10, 10], [12, 1, 3, 3], { padding: 1, groups: 12 }],
      // strided Winograd (space to depth): AlexNet's 11x11 stride 4 (auto picks it), a non-square
      // stride and kernel with several chunks of tile rows, 9x9 stride 3 at batch 1 with padding 4
      ['space to depth: 11x11 stride 4, 3 -> 40', [12, 3, 61, 57], [40, 3, 11, 11], { stride: 4, padding: 2 }],
      ['space to depth: 6x9 stride 2x3, 5 -> 20', [9, 5, 37, 41], [20, 5, 6, 9], { stride: [2, 3], padding: [2, 1] }],
      ['space to depth: 9x9 stride 3, batch 1, 16 -> 24', [1, 16, 40, 35], [24, 16, 9, 9], { stride: 3, padding: 4 }],
      // Direct's row tiles (short reductions, rows >= one vector): a 7x7 stride-2 stem with a partial
      // block of channels; rows of several tiles (stride 4 across); batch 1 with 1, 2 and 3 vectors a row
      ['row tiles: 7x7 stride 2 stem, 3 -> 20', [6, 3, 45, 51], [20, 3, 7, 7], { stride: 2, padding: 3 }],
      ['row tiles: 5x3 stride 1x4 on 150-wide rows, 2 -> 13', [3, 2, 21, 150], [13, 2, 5, 3], { stride: [1, 4], padding: [2, 1] }],
      ['row tiles: batch 1, 3x3 on 47-wide rows, 4 -> 8', [1, 4, 9, 47], [8, 4, 3, 3], { padding: [1, 0] }],
      // the direct weight gradient: several chunks of images (about 1024 pixels each) and blocks of
      // tiles per work item, boxes of pixels per tap (padding), two panels of output channels
      ['direct weight gradient: 3x3 8x8 map, 24 -> 40, three image chunks', [40, 24, 8, 8], [40, 24, 3, 3], { padding: 1 }],
      ['direct weight gradient: 5x5 padding 2 on 12x12, 2 groups', [16, 16, 12, 12], [36, 8, 5, 5], { padding: 2, groups: 2 }],
      ['direct weight gradient: 3x3 stride 2 dilation 2 on 11x9', [30, 20, 11, 9], [24, 20, 3, 3], { stride: 2, padding: 2, dilation: 2 }],
      ['direct weight gradient: 1x1 on 6x6', [48, 40, 6, 6], [24, 40, 1, 1], {}],
      ['direct weight gradient: 1x1 stride 2 on 8x8', [24, 40, 8, 8], [24, 40, 1, 1], { stride: 2 }],
      ['direct weight gradient: 3-D 3x3x3 on 4x4x4', [20, 12, 4, 4, 4], [16, 12, 3, 3, 3], { padding: 1 }],
    ] as [string, number[], number[], object][])('%s', (name, xs, ws, opts) => {
      // the border-group and narrow-tile shapes in float64 too (a narrower vector, other tile sizes)
      for (const dtype of /border|narrow|direct weight|space to depth|row tiles/.test(name) ? (['float32', 'float64'] as const) : (['float32'] as const))
        agree(xs, ws, opts, dtype);
    });
    function agree(xs: number[], ws: number[], opts: object, dtype: 'float32' | 'float64'): void {
      const x0 = randnT(xs, 4, 1).to(dtype);
      const w0 = randnT(ws, 5, 0.2).to(dtype);
      let g: Tensor | null = null; // dy: random, the same under every preference
      const results = PREFS.map((pref) => {
        const x = x0.detach().requiresGrad_();
        const w = w0.detach().requiresGrad_();
        const y = withAlgorithm(pref, () => conv(x, w, null, opts));
        g ??= randnT(y.shape, 6).to(dtype);
        y.backward(g);
        return [y, x.grad!, w.grad!];
      });
      const ref = results[1]; // perImage
      for (const r of results)
        r.forEach((t, i) => {
          const a = t.toArray() as Float32Array;
          const b = ref[i].toArray() as Float32Array;
          const d = maxAbs(a.map((v, k) => v - b[k]));
          const m = maxAbs(b);
          expect(d).toBeLessThanOrEqual((dtype === 'float32' ? 2e-5 : 1e-12) * Math.max(1, m));
        });
    }
  });

  test('padded copies kept between calls: layers of other shapes in between, new inputs, the same zero borders', () => {
    // the direct and gathered paths keep each thread's padded copy and reuse its zero borders when the
    // next call pads the same geometry; every output here is checked against the per-image GEMMs
    const shapes: [number[], number[], object][] = [
      [[1, 16, 8, 8], [24, 16, 3, 3], { padding: 1 }], // direct, a copy per thread
      [[1, 16, 6, 6], [20, 16, 5, 5], { padding: 2 }],
      [[1, 32, 2, 2], [40, 32, 3, 3], { padding: 1 }], // batched, gathered
      [[16, 12, 6, 6], [20, 12, 5, 5], { padding: 2 }],
      [[1, 16, 4, 4], [24, 16, 3, 3], { padding: 1 }],
    ];
    const weights = shapes.map(([, ws]) => torch.randn(ws));
    for (const round of [0, 1, 2])
      for (const i of [0, 1, 0, 2, 0, 3, 4, 2, 4, 1]) {
        const [xs, , opts] = shapes[i];
        const x = torch.randn(xs).add(round); // all new values, nonzero means: stale borders would show
        const y = torch.noGrad(() => F.conv2d(x, weights[i], null, opts));
        const ref = withAlgorithm('perImage', () => torch.noGrad(() => F.conv2d(x, weights[i], null, opts)));
        const r = ref.toArray() as Float32Array;
        expect(maxAbs((y.toArray() as Float32Array).map((v, j) => v - r[j]))).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(r)));
      }
    expect(F.convAlgorithms(...shapes[0]).forward).toBe('direct');
    expect(F.convAlgorithms(...shapes[2]).forward).toBe('batched');
  });

  describe('which algorithm runs', () => {
    const algos = (xs: number[], ws: number[], opts: object) => F.convAlgorithms(xs, ws, opts);
    test('by shape, with the default preference', () => {
      expect(torch.backends.conv.algorithm).toBe('auto');
      // 3x3 stride 1, >= 16 channels in and out, maps >= 6x6 with >= 128 2x2 tiles in the batch: Winograd
      expect(algos([64, 64, 8, 8], [64, 64, 3, 3], { padding: 1 })).toEqual({ forward: 'winograd', backwardInput: 'winograd', backwardWeight: 'direct' });
      expect(algos([64, 64, 16, 16], [64, 64, 3, 3], { padding: 1 })).toEqual({ forward: 'winograd', backwardInput: 'winograd', backwardWeight: 'direct' });
      expect(algos([7, 64, 8, 8], [64, 64, 3, 3], { padding: 1 }).forward).toBe('direct'); // 112 tiles
      expect(algos([64, 8, 8, 8], [64, 8, 3, 3], { padding: 1 }).forward).toBe('direct'); // 8 input channels
      expect(algos([64, 64, 5, 5], [64, 64, 3, 3], { padding: 1 }).forward).toBe('direct'); // 5x5 map
      // larger maps run direct when the reduction is long (>= 384) and the shifted GEMM's junk columns
      // are >= 10% of its grid: 5x5 'same' on 12x12 (25%) and 32x32 (11%); not with 8 channels (Kg 72)
      // nor for a dilated 3x3 on 64x64 (6%)
      expect(algos([16, 96, 12, 12], [256, 96, 5, 5], { padding: 2 }).forward).toBe('direct');
      expect(algos([8, 64, 32, 32], [64, 64, 5, 5], { padding: 2 }).forward).toBe('direct');
      expect(algos([64, 8, 32, 32], [12, 8, 3, 3], { padding: 1 }).forward).toBe('shifted');
      // short reductions (3 channels x 3x3 up to 256) on rows of >= 16 pixels using >= 3/4 of their
      // vectors, with >= 16 output channels: Direct (its row tiles); one input channel or 8 output
      // channels stay shifted, and 16 channels in take Winograd
      expect(algos([64, 8, 32, 32], [32, 8, 3, 3], { padding: 1 }).forward).toBe('direct');
      expect(algos([64, 3, 32, 32], [64, 3, 3, 3], { padding: 1 }).forward).toBe('direct');
      expect(algos([64, 1, 28, 28], [32, 1, 3, 3], { padding: 1 }).forward).toBe('shifted');
      expect(algos([64, 3, 28, 28], [8, 3, 5, 5], {}).forward).toBe('shifted');
      expect(algos([64, 3, 20, 20], [64, 3, 3, 3], { padding: 1 }).forward).toBe('shifted'); // 20 of 32 lanes
      expect(algos([64, 16, 32, 32], [32, 16, 3, 3], { padding: 1 }).forward).toBe('winograd');
      expect(algos([2, 64, 64, 64], [64, 64, 3, 3], { padding: 1, dilation: 2 }).forward).toBe('shifted');
      // the input gradient is Winograd where its own shape is (padding <= 2), the forward pass aside
      expect(algos([64, 64, 8, 8], [64, 64, 3, 3], { padding: 3 })).toEqual({ forward: 'winograd', backwardInput: 'shifted', backwardWeight: 'direct' });
      // forward passes that would write an im2col matrix run direct; too few pixels (batch 1, 2x2) stay batched
      expect(algos([64, 128, 4, 4], [128, 128, 3, 3], { padding: 1 })).toEqual({ forward: 'direct', backwardInput: 'direct', backwardWeight: 'direct' });
      // the weight gradient runs direct on maps of up to 16x16 (256 pixels; 1x1 convs below 64) with a
      // reduction of >= 32 and >= 8 output channels; the GEMMs elsewhere
      expect(algos([64, 64, 24, 24], [64, 64, 3, 3], { padding: 1 }).backwardWeight).toBe('shifted');
      expect(algos([64, 64, 24, 24], [128, 64, 3, 3], { padding: 1, stride: 2 }).backwardWeight).toBe('direct');
      expect(algos([64, 480, 6, 6], [192, 480, 1, 1], {}).backwardWeight).toBe('direct');
      expect(algos([64, 192, 12, 12], [64, 192, 1, 1], {}).backwardWeight).toBe('pointwise');
      expect(algos([64, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }).backwardWeight).toBe('shifted'); // Kg 25
      expect(algos([64, 64, 8, 8], [4, 64, 3, 3], { padding: 1 }).backwardWeight).toBe('shifted'); // 4 channels out
      // the input gradient: direct where the shifted GEMM's grid is >= 10% junk and the reduction long
      // (AlexNet's 5x5 on 12x12), not with 6 input channels (LeNet's second conv)
      expect(algos([64, 96, 12, 12], [256, 96, 5, 5], { padding: 2 }).backwardInput).toBe('direct');
      expect(algos([64, 6, 14, 14], [16, 6, 5, 5], {}).backwardInput).toBe('shifted');
      // a strided conv's input gradient is no forward conv: col2im / batched
      expect(algos([64, 128, 4, 4], [256, 128, 3, 3], { padding: 1, stride: 2 }).backwardInput).toBe('batched');
      expect(algos([64, 256, 2, 2], [512, 256, 3, 3], { padding: 1, stride: 2 }).forward).toBe('direct');
      expect(algos([1, 256, 2, 2], [256, 256, 3, 3], { padding: 1 }).forward).toBe('batched');
      expect(algos([8, 32, 16, 16], [32, 1, 3, 3], { padding: 1, groups: 32 })).toEqual({ forward: 'shifted', backwardInput: 'depthwise', backwardWeight: 'shifted' });
      withAlgorithm('depthwise', () =>
        expect(algos([8, 32, 16, 16], [32, 1, 3, 3], { padding: 1, groups: 32 })).toEqual({ forward: 'depthwise', backwardInput: 'depthwise', backwardWeight: 'depthwise' }));
      expect(algos([8, 3, 64, 64], [16, 3, 5, 5], { stride: 2, padding: 2 })).toEqual({ forward: 'direct', backwardInput: 'col2im', backwardWeight: 'im2col' });
      // strided convs whose kernel spans (2 s, 3 s] with >= 7 s^2 taps: Winograd on the phase planes
      // (AlexNet's stem, 48 phase channels); its input gradient is no forward conv. A 5x5 stride 2 (25 <
      // 28 taps) and the 7x7 stride 2 stems (a 4x4 conv of the phases) stay direct.
      expect(algos([64, 3, 112, 112], [96, 3, 11, 11], { stride: 4, padding: 1 })).toEqual({ forward: 'winograd', backwardInput: 'col2im', backwardWeight: 'im2col' });
      expect(algos([64, 3, 96, 96], [64, 3, 7, 7], { stride: 2, padding: 3 }).forward).toBe('direct');
      expect(algos([64, 8, 64, 64], [32, 8, 5, 5], { stride: 2, padding: 2 }).forward).toBe('direct');
      expect(algos([1, 3, 64, 64], [96, 3, 11, 11], { stride: 4, padding: 1 }).forward).toBe('direct'); // 49 tiles
      withAlgorithm('winograd', () => {
        expect(algos([1, 3, 64, 64], [96, 3, 11, 11], { stride: 4, padding: 1 }).forward).toBe('winograd');
        expect(algos([2, 3, 112, 112], [96, 1, 11, 11], { stride: 4, padding: 1, groups: 3 }).forward).not.toBe('winograd');
        expect(algos([2, 3, 112, 112], [96, 3, 11, 11], { stride: 4, padding: 1, dilation: 2 }).forward).not.toBe('winograd');
      });
      expect(algos([8, 16, 32, 32], [32, 16, 1, 1], {})).toEqual({ forward: 'pointwise', backwardInput: 'pointwise', backwardWeight: 'pointwise' });
      expect(algos([8, 1, 28, 28], [32, 1, 3, 3], { padding: 1 }).forward).toBe('shifted');
      expect(algos([8, 64, 32, 32], [64, 64, 3, 3], { padding: 1 }).forward).toBe('winograd');
      withAlgorithm('winograd', () =>
        expect(algos([8, 64, 32, 32], [64, 64, 3, 3], { padding: 1 })).toEqual({ forward: 'winograd', backwardInput: 'winograd', backwardWeight: 'shifted' }));
      // padding 3 > 2: the input gradient is not a Winograd conv
      withAlgorithm('winograd', () => expect(algos([8, 64, 32, 32], [64, 64, 3, 3], { padding: 3 }).backwardInput).toBe('shifted'));
    });
    test('a preference applies where it can, auto elsewhere', () => {
      withAlgorithm('perImage', () => expect(algos([64, 64, 8, 8], [64, 64, 3, 3], { padding: 1 }).forward).toBe('shifted'));
      withAlgorithm('batched', () => expect(algos([8, 64, 32, 32], [64, 64, 3, 3], { padding: 1 }).forward).toBe('batched'));
      withAlgorithm('direct', () => {
        expect(algos([8, 64, 32, 32], [64, 64, 3, 3], { padding: 1 })).toEqual({ forward: 'direct', backwardInput: 'direct', backwardWeight: 'direct' });
        // padding beyond the kernel's extent: the input gradient is no padded forward conv
        expect(algos([8, 64, 32, 32], [64, 64, 3, 3], { padding: 3 }).backwardInput).toBe('shifted');
        expect(algos([1, 256, 2, 2], [256, 256, 3, 3], { padding: 1 }).forward).toBe('direct');
      });
      withAlgorithm('winograd', () => {
        expect(algos([8, 2, 32, 32], [4, 2, 3, 3], { padding: 1 }).forward).toBe('winograd');
        expect(algos([8, 2, 32, 32], [4, 2, 3, 3], { padding: 1, stride: 2 }).forward).toBe('direct');
      });
      withAlgorithm('depthwise', () => expect(algos([8, 2, 32, 32], [4, 2, 3, 3], { padding: 1 }).forward).toBe('shifted'));
      // a 3x3 conv on a 1x1 map runs as the 1x1 conv of its centre tap: no padding left, so 'perImage' gives 'pointwise'
      withAlgorithm('perImage', () => expect(algos([2, 512, 1, 1], [512, 512, 3, 3], { padding: 1 }).forward).toBe('pointwise'));
    });
    test('nn.Conv2d#algorithms reports its last forward pass', () => {
      const m = new torch.nn.Conv2d(16, 16, 3, { padding: 1 });
      expect(m.algorithms).toBeNull();
      m.forward(torch.randn([2, 16, 4, 4])).dispose();
      expect(m.algorithms).toEqual(F.convAlgorithms([2, 16, 4, 4], [16, 16, 3, 3], { padding: 1 }));
      expect(m.algorithms!.forward).toBe('direct'); // 2 x 16 pixels
    });
    test('unbatched input shapes', () => {
      expect(algos([64, 8, 8], [64, 64, 3, 3], { padding: 1 })).toEqual(algos([1, 64, 8, 8], [64, 64, 3, 3], { padding: 1 }));
    });
  });

  describe('argument errors', () => {
    test('an unknown preference names the setting and the choices', () => {
      expectArgError(() => {
        torch.backends.conv.algorithm = 'fast' as ConvAlgorithmPreference;
      }, /one of 'auto', 'perImage', 'batched', 'depthwise', 'winograd', 'direct' for torch\.backends\.conv\.algorithm/);
      expect(torch.backends.conv.algorithm).toBe('auto');
    });
    test('bad shapes and options', () => {
      expectArgError(() => F.convAlgorithms([1, 2], [3, 2, 3, 3]), 'inputShape');
      expectArgError(() => F.convAlgorithms([1, 2, 5, 5], [3, 2]), 'weightShape');
      expectArgError(() => F.convAlgorithms([1, 2, 5, 5], [3, 2, 3, 3], { strides: 2 } as object), 'opts.strides');
      expectArgError(() => F.convAlgorithms([1, 3, 5, 5], [3, 2, 3, 3]), 'input');
    });
  });
});
