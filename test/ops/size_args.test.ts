// test/ops/size_args.test.ts — PyTorch's size arguments for empty/zeros/ones/rand/randn: an array (or
// one number) and options, or the sizes as separate numbers optionally followed by options
// (`torch.ones(2, 1, 4)`, which once returned shape [2] without a word); anything after the options
// is an error naming the function.
import * as torch from '../../lib';

const fns = { empty: torch.empty, zeros: torch.zeros, ones: torch.ones, rand: torch.rand, randn: torch.randn };

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe.each(Object.entries(fns))('%s', (name, fn) => {
  const f = fn as (...a: unknown[]) => torch.Tensor;
  test('sizes as separate numbers, with and without options, equal the array form', () => {
    expect(f(2, 1, 4).shape).toEqual([2, 1, 4]);
    expect(f([2, 1, 4]).shape).toEqual([2, 1, 4]);
    expect(f(3).shape).toEqual([3]);
    const t = f(2, 3, { dtype: 'float64' });
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float64');
  });
  if (name === 'zeros' || name === 'ones')
    test('values', () => expect(Array.from(f(2, 2).toArray() as Float32Array)).toEqual(Array(4).fill(name === 'ones' ? 1 : 0)));
  test('anything after the options, a bad size or a bad options value is a coded error', () => {
    expect(codeOf(() => f(2, {}, 3))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(codeOf(() => f([2], {}, 3))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(codeOf(() => f(2, -1))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(codeOf(() => f(2, 'x'))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(codeOf(() => f(2, 1.5))).toBeDefined();
    expect(codeOf(() => f(2, { dtyp: 'float64' }))).toBe('ERR_TORCHLET_INVALID_ARG');
  });
});
