// The native error codes (native/core/error.h, exported by the addon as `errorCodes`) and the TS list
// (lib/errors.ts ERROR_CODES, `native: true` entries) are the same codes in the same order with the
// same kinds; and an error thrown inside native code reaches JS as an instance of the class its code's
// kind names (the addon was handed makeError), with the code.
import { native } from '../../lib/binding';
import * as torch from '../../lib';
import { ERROR_CODES, NATIVE_ERROR_CODES, TorchletError, TorchletTypeError, TorchletRangeError } from '../../lib/errors';

test('native/core/error.h and lib/errors.ts list the same codes, in order, with the same kinds', () => {
  const nativeList = native.errorCodes.map((c) => [c.code, c.kind]);
  const tsList = NATIVE_ERROR_CODES.map((c) => [c, ERROR_CODES[c].kind.toLowerCase()]);
  expect(nativeList).toEqual(tsList);
});

test('native errors are instances of the class of their kind, with their code', () => {
  const t = torch.zeros([2]);
  const call = (f: () => unknown): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('expected a throw');
  };
  const range = call(() => native.fill(t.arg(), {} as never)); // missing field: ERR_TORCHLET_INVALID_ARG (range)
  expect(range).toBeInstanceOf(TorchletRangeError);
  expect(range).toBeInstanceOf(RangeError);
  expect(range).toBeInstanceOf(TorchletError);
  expect((range as TorchletError).code).toBe('ERR_TORCHLET_INVALID_ARG');
  const type = call(() => native.fill(t.arg(), { value: 'x' } as never)); // ERR_TORCHLET_INVALID_ARG_TYPE (type)
  expect(type).toBeInstanceOf(TorchletTypeError);
  expect(type).toBeInstanceOf(TypeError);
  expect((type as TorchletError).code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
  const i = torch.zeros([2], { dtype: 'int64' });
  const dtype = call(() => native.softmax(i.arg(), i.arg(), { outer: 1, C: 2, inner: 1, log: false }));
  expect(dtype).toBeInstanceOf(TorchletTypeError);
  expect((dtype as TorchletError).code).toBe('ERR_TORCHLET_DTYPE');
  if (!torch.cuda.isAvailable()) {
    const plain = call(() => new native.Storage(0, 4, 1, false)); // CUDA storage where there is none
    expect(plain).toBeInstanceOf(TorchletError);
    expect((plain as TorchletError).code).toBe('ERR_TORCHLET_NO_CUDA');
  }
});
