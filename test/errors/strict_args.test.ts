// test/errors/strict_args.test.ts — the entry points added or rewritten for issue 11 (native norms and
// dropout, F.batchNormRelu, the conv algorithm query, torch.jit.freeze, the norm modules and the
// models' options) reject an unknown option key (naming it, with the camelCase hint for snake_case)
// and extra positional arguments, with a coded error, instead of ignoring them.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { expectArgError } from '../helpers';

const { F, nn } = torch;
// calls with a deliberate mistake, typed loosely on purpose (plain JavaScript callers have no types)
const loose = <T>(f: T) => f as unknown as (...a: unknown[]) => unknown;

describe('strict arguments of the norm, dropout, conv-algorithm and freeze entry points', () => {
  const x = torch.randn([2, 4, 3, 3]);
  const rm = torch.zeros([4]);
  const rv = torch.ones([4]);

  test.each([
    ['F.batchNorm', () => loose(F.batchNorm)(x, rm, rv, { training: true, weight_decay: 1 }), 'opts.weight_decay'],
    ['F.batchNormRelu', () => loose(F.batchNormRelu)(x, rm, rv, { epsilon: 1e-5 }), 'opts.epsilon'],
    ['F.layerNorm', () => loose(F.layerNorm)(x, [3, 3], { elementwise_affine: true }), 'opts.elementwise_affine'],
    ['F.groupNorm', () => loose(F.groupNorm)(x, 2, { affine: true }), 'opts.affine'],
    ['F.instanceNorm', () => loose(F.instanceNorm)(x, { use_input_stats: false }), /'useInputStats'/],
    ['F.dropout', () => loose(F.dropout)(x, { p: 0.5, scale: true }), 'opts.scale'],
    ['F.dropout2d', () => loose(F.dropout2d)(x, { prob: 0.5 }), 'opts.prob'],
    ['F.alphaDropout', () => loose(F.alphaDropout)(x, { rate: 0.5 }), 'opts.rate'],
    ['F.convAlgorithms', () => loose(F.convAlgorithms)([1, 4, 5, 5], [4, 4, 3, 3], { pad: 1 }), 'opts.pad'],
    ['nn.BatchNorm2d', () => new (nn.BatchNorm2d as unknown as new (...a: unknown[]) => unknown)(4, { track_running_stats: false }), /'trackRunningStats'/],
    ['nn.LayerNorm', () => new (nn.LayerNorm as unknown as new (...a: unknown[]) => unknown)(3, { bias: false }), 'opts.bias'],
    ['nn.GroupNorm', () => new (nn.GroupNorm as unknown as new (...a: unknown[]) => unknown)(2, 4, { momentum: 0.1 }), 'opts.momentum'],
    ['models.torchvisionResnet18', () => loose(torch.models.torchvisionResnet18)({ num_classes: 10 }), /'numClasses'/],
    ['models.lenet5', () => loose(torch.models.lenet5)({ classes: 10 }), 'opts.classes'],
    ['jit.freeze', () => loose(torch.jit.freeze)(new nn.Sequential(new nn.Conv2d(4, 4, 1)), x, { inplace: true }), 'opts.inplace'],
  ] as [string, () => unknown, string | RegExp][])('%s: an unknown option key is an error naming it', (_n, f, name) => {
    expectArgError(f, name);
    try {
      f();
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_TORCHLET_INVALID_ARG');
    }
  });

  test.each([
    ['F.batchNorm', () => loose(F.batchNorm)(x, rm, rv, {}, 0.1), /batchNorm\(\)/],
    ['F.batchNormRelu', () => loose(F.batchNormRelu)(x, rm, rv, {}, 1e-5), /batchNormRelu\(\)/],
    ['F.layerNorm', () => loose(F.layerNorm)(x, [3, 3], {}, 1e-5), /layerNorm\(\)/],
    ['F.groupNorm', () => loose(F.groupNorm)(x, 2, {}, null), /groupNorm\(\)/],
    ['F.instanceNorm', () => loose(F.instanceNorm)(x, {}, rm), /instanceNorm\(\)/],
    ['F.dropout (PyTorch-style positional p)', () => loose(F.dropout)(x, {}, 0.9), /dropout\(\)/],
    ['F.dropout3d', () => loose(F.dropout3d)(torch.randn([1, 2, 2, 2, 2]), {}, true), /dropout3d\(\)/],
    ['F.convAlgorithms', () => loose(F.convAlgorithms)([1, 4, 5, 5], [4, 4, 3, 3], {}, 'winograd'), /convAlgorithms\(\)/],
    ['jit.freeze', () => loose(torch.jit.freeze)(new nn.Sequential(new nn.Conv2d(4, 4, 1)), x, {}, true), /freeze\(\)/],
  ] as [string, () => unknown, RegExp][])('%s: an extra positional argument is an error', (_n, f, name) => {
    expectArgError(f, name);
  });

  test('the correct calls still work', () => {
    const y: Tensor = F.batchNorm(x, rm.clone(), rv.clone(), { training: true, momentum: 0.1, eps: 1e-5 });
    expect(y.shape).toEqual(x.shape);
    expect(F.dropout(x, { p: 0.5, training: false })).toBe(x);
    expect(new nn.BatchNorm2d(4, { trackRunningStats: false, affine: false }).runningMean).toBeNull();
  });
});
