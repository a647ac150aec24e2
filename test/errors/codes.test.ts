// The error family of lib/errors.ts: the code list is well-formed, each class is a TorchletError and,
// as its kind says, a TypeError or RangeError; makeError (the factory the native addon is given)
// maps every code to the class of its kind; the argument helpers throw the codes they promise.
import {
  ERROR_CODES, ERROR_KINDS, ALL_ERROR_CODES, NATIVE_ERROR_CODES, ErrorCode, ErrorKind,
  TorchletError, TorchletTypeError, TorchletRangeError, makeError,
  invalidArg, typeArg, shapeError, dtypeError, deviceError, disposedError, internalError, withIo,
} from '../../lib/errors';
import * as torch from '../../lib';
import { CliError } from '../../lib/cli/predict';

const CODE_RE = /^ERR_TORCHLET_[A-Z]+(_[A-Z]+)*$/;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('the code list', () => {
  test('every code is well-formed, unique, and has a known kind', () => {
    expect(ALL_ERROR_CODES.length).toBeGreaterThan(0);
    expect(new Set(ALL_ERROR_CODES).size).toBe(ALL_ERROR_CODES.length);
    for (const c of ALL_ERROR_CODES) {
      expect(c).toMatch(CODE_RE);
      expect(['Type', 'Range', 'Plain']).toContain(ERROR_KINDS[c]);
      expect(ERROR_KINDS[c]).toBe(ERROR_CODES[c].kind);
    }
  });

  test('the codes shared with the native addon come first, in native/core/error.h order, with its kinds', () => {
    const native: [string, ErrorKind][] = [
      ['ERR_TORCHLET_INVALID_ARG', 'Range'],
      ['ERR_TORCHLET_INVALID_ARG_TYPE', 'Type'],
      ['ERR_TORCHLET_SHAPE', 'Range'],
      ['ERR_TORCHLET_DTYPE', 'Type'],
      ['ERR_TORCHLET_DEVICE', 'Plain'],
      ['ERR_TORCHLET_DEVICE_MISMATCH', 'Plain'],
      ['ERR_TORCHLET_NO_CUDA', 'Plain'],
      ['ERR_TORCHLET_NOT_IMPLEMENTED', 'Plain'],
      ['ERR_TORCHLET_OUT_OF_MEMORY', 'Plain'],
      ['ERR_TORCHLET_DISPOSED', 'Plain'],
      ['ERR_TORCHLET_IO', 'Plain'],
      ['ERR_TORCHLET_INTERNAL', 'Plain'],
    ];
    expect(NATIVE_ERROR_CODES.map((c) => [c, ERROR_KINDS[c]])).toEqual(native);
    expect(ALL_ERROR_CODES.slice(0, native.length)).toEqual(NATIVE_ERROR_CODES);
  });

  test('the generic ERR_TORCHLET_INVALID is gone', () => {
    expect(ALL_ERROR_CODES).not.toContain('ERR_TORCHLET_INVALID');
  });

  test('the kind table is frozen', () => {
    expect(Object.isFrozen(ERROR_KINDS)).toBe(true);
  });
});

describe('the classes', () => {
  test('TorchletError: an Error, not a TypeError or RangeError', () => {
    const e = new TorchletError('torchlet: x', 'ERR_TORCHLET_IO');
    expect(e).toBeInstanceOf(TorchletError);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(TypeError);
    expect(e).not.toBeInstanceOf(RangeError);
    expect(e.name).toBe('TorchletError');
    expect(e.code).toBe('ERR_TORCHLET_IO');
    expect(e.message).toBe('torchlet: x');
    expect(String(e.stack)).toMatch(/^TorchletError: torchlet: x/);
  });

  test('TorchletTypeError: a TypeError and a TorchletError', () => {
    const e = new TorchletTypeError('torchlet: t');
    expect(e).toBeInstanceOf(TorchletError);
    expect(e).toBeInstanceOf(TypeError);
    expect(e).toBeInstanceOf(TorchletTypeError);
    expect(e).not.toBeInstanceOf(RangeError);
    expect(e).not.toBeInstanceOf(TorchletRangeError);
    expect(e.name).toBe('TorchletTypeError');
    expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
  });

  test('TorchletRangeError: a RangeError and a TorchletError', () => {
    const e = new TorchletRangeError('torchlet: r');
    expect(e).toBeInstanceOf(TorchletError);
    expect(e).toBeInstanceOf(RangeError);
    expect(e).toBeInstanceOf(TorchletRangeError);
    expect(e).not.toBeInstanceOf(TypeError);
    expect(e.name).toBe('TorchletRangeError');
    expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
  });

  test('plain TypeErrors, RangeErrors, Errors and non-errors are not TorchletErrors', () => {
    for (const v of [new TypeError('x'), new RangeError('x'), new Error('x'), Object.assign(new Error('x'), { code: 'ERR_TORCHLET_IO' }),
      { code: 'ERR_TORCHLET_IO', message: 'x' }, null, undefined, 'ERR_TORCHLET_IO', 3])
      expect(v instanceof TorchletError).toBe(false);
  });

  test('subclasses of TorchletError keep ordinary instanceof', () => {
    const e = new CliError('torchlet: bad flag');
    expect(e).toBeInstanceOf(CliError);
    expect(e).toBeInstanceOf(TorchletError);
    expect(e.code).toBe('ERR_TORCHLET_CLI');
    expect(new TorchletError('x', 'ERR_TORCHLET_IO') instanceof CliError).toBe(false);
    expect(new TorchletTypeError('x') instanceof CliError).toBe(false);
  });

  test('the brand is not enumerable: errors compare and serialise as before', () => {
    const e = new TorchletRangeError('torchlet: r');
    expect(Object.getOwnPropertySymbols(e).every((s) => !Object.getOwnPropertyDescriptor(e, s)!.enumerable)).toBe(true);
    expect(Object.keys(e)).toEqual(['code']);
  });

  test('the public entry point exports the classes', () => {
    expect(torch.TorchletError).toBe(TorchletError);
    expect(torch.TorchletTypeError).toBe(TorchletTypeError);
    expect(torch.TorchletRangeError).toBe(TorchletRangeError);
    expect(torch.ERROR_CODES).toBe(ERROR_CODES);
  });
});

describe('makeError', () => {
  test.each(ALL_ERROR_CODES.map((c) => [c, ERROR_KINDS[c]] as [ErrorCode, ErrorKind]))('%s -> %s', (code, kind) => {
    const e = makeError(code, `torchlet: message of ${code}`);
    expect(e).toBeInstanceOf(TorchletError);
    expect((e as TorchletError).code).toBe(code);
    expect(e.message).toBe(`torchlet: message of ${code}`);
    expect(e instanceof TypeError).toBe(kind === 'Type');
    expect(e instanceof RangeError).toBe(kind === 'Range');
    expect(e.constructor).toBe(kind === 'Type' ? TorchletTypeError : kind === 'Range' ? TorchletRangeError : TorchletError);
  });

  test('a code it does not know still gives a TorchletError with that code', () => {
    const e = makeError('ERR_TORCHLET_SOMETHING_NEW', 'torchlet: new');
    expect(e).toBeInstanceOf(TorchletError);
    expect((e as TorchletError).code).toBe('ERR_TORCHLET_SOMETHING_NEW');
  });
});

describe('the helpers throw their codes', () => {
  test.each([
    ['invalidArg', () => invalidArg('x', 'a positive number', -1), 'ERR_TORCHLET_INVALID_ARG', RangeError],
    ['typeArg', () => typeArg('x', 'a number', 'a'), 'ERR_TORCHLET_INVALID_ARG_TYPE', TypeError],
    ['shapeError', () => shapeError('input', 'a 2-D tensor', torch.zeros([3])), 'ERR_TORCHLET_SHAPE', RangeError],
    ['dtypeError', () => dtypeError('input', 'a floating-point tensor', torch.zeros([3], { dtype: 'int64' })), 'ERR_TORCHLET_DTYPE', TypeError],
    ['deviceError', () => deviceError('device', 'a device', 'tpu'), 'ERR_TORCHLET_DEVICE', null],
    ['disposedError', () => {
      throw disposedError('input');
    }, 'ERR_TORCHLET_DISPOSED', null],
    ['internalError', () => {
      throw internalError('broken');
    }, 'ERR_TORCHLET_INTERNAL', null],
    ['withIo', () => withIo('cannot read /nonexistent/x', () => {
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    }), 'ERR_TORCHLET_IO', null],
  ] as [string, () => unknown, ErrorCode, (typeof TypeError | typeof RangeError | null)][])('%s', (_name, fn, code, cls) => {
    const e = thrown(fn) as TorchletError;
    expect(e).toBeInstanceOf(TorchletError);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/^torchlet: /);
    expect(e instanceof TypeError).toBe(cls === TypeError);
    expect(e instanceof RangeError).toBe(cls === RangeError);
  });

  test('the argument format is kept: "torchlet: Expected <what> for <name> but received <got>"', () => {
    expect(() => invalidArg('p', 'a probability in [0, 1]', 2)).toThrow('torchlet: Expected a probability in [0, 1] for p but received 2');
    expect(() => shapeError('input', 'a 2-D tensor', torch.zeros([3]))).toThrow(
      'torchlet: Expected a 2-D tensor for input but received a float32 tensor of shape [3]',
    );
  });

  test('withIo keeps the system error as cause and passes TorchletErrors through', () => {
    const sys = new Error('EACCES');
    const e = thrown(() => withIo('cannot write f', () => {
      throw sys;
    })) as TorchletError;
    expect(e.message).toBe('torchlet: cannot write f: EACCES');
    expect(e.cause).toBe(sys);
    const inner = new TorchletError('torchlet: inner', 'ERR_TORCHLET_BAD_FILE');
    expect(thrown(() => withIo('x', () => {
      throw inner;
    }))).toBe(inner);
  });
});

describe('errors from the library carry their codes', () => {
  const code = (fn: () => unknown) => (thrown(fn) as TorchletError).code;
  test('argument, shape, dtype, device and disposed errors', () => {
    expect(code(() => torch.zeros([2, -1]))).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(code(() => torch.zeros('x' as never))).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
    expect(code(() => torch.add(torch.zeros([2, 3]), torch.zeros([4])))).toBe('ERR_TORCHLET_SHAPE');
    expect(code(() => torch.F.softmax(torch.zeros([2], { dtype: 'int64' }), 0))).toBe('ERR_TORCHLET_DTYPE');
    expect(code(() => torch.zeros([2], { device: 'tpu' }))).toBe('ERR_TORCHLET_DEVICE');
    const t = torch.zeros([2]);
    t.dispose();
    expect(code(() => t.add(1))).toBe('ERR_TORCHLET_DISPOSED');
    expect(code(() => t.toArray())).toBe('ERR_TORCHLET_DISPOSED');
  });
  test('IO and file errors', () => {
    expect(code(() => torch.load('/nonexistent/dir/model.safetensors'))).toBe('ERR_TORCHLET_IO');
    expect(code(() => torch.data.readIdx(Buffer.from([1, 2, 3, 4])))).toBe('ERR_TORCHLET_BAD_FILE');
    expect(code(() => torch.data.readIdxFile('/nonexistent/file-idx1-ubyte'))).toBe('ERR_TORCHLET_IO');
  });
});

describe('strict options and arguments (checkOptionKeys, noExtraArgs)', () => {
  const { checkOptionKeys, noExtraArgs, TorchletRangeError } = jest.requireActual('../../lib/errors') as typeof import('../../lib/errors');
  test('an unknown key is named, with the camelCase spelling of a snake_case key', () => {
    expect(() => checkOptionKeys('opts', { weight_decay: 1 }, ['lr', 'weightDecay'])).toThrow(
      /did you mean 'weightDecay'.*for opts\.weight_decay but received "weight_decay"/,
    );
    expect(() => checkOptionKeys('opts', { bogus: 1 }, ['lr'])).toThrow(TorchletRangeError);
    expect(checkOptionKeys('opts', { lr: 1 }, ['lr'])).toEqual({ lr: 1 });
  });
  test('extra positional arguments are refused, none is fine', () => {
    expect(() => noExtraArgs('f', 'a, b', [3])).toThrow(/at most the arguments \(a, b\) for f\(\) but received "1 more"/);
    expect(() => noExtraArgs('f', 'a, b', [])).not.toThrow();
  });
});
