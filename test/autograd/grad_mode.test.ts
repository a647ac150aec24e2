// test/autograd/grad_mode.test.ts — the grad-mode switches of lib/autograd.ts: setGradEnabled(mode)
// (torch.set_grad_enabled called as a function: global until changed; undone by the noGrad /
// enableGrad block it is called in, as PyTorch's context managers restore the mode they found),
// inferenceMode(fn) (fn's result, grad mode off inside, the previous mode back after fn returns or
// throws, nesting) and isInferenceModeEnabled(); with their argument errors. Every test leaves grad
// mode on (afterEach), so a failing one cannot leak a disabled mode into the next.
import * as torch from '../../lib';
import type { Tensor } from '../../lib';
import { setGradEnabled, inferenceMode, isInferenceModeEnabled, isGradEnabled, noGrad, enableGrad } from '../../lib/autograd';
import { thrown, toNumbers } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loose = (f: unknown) => f as (...a: any[]) => unknown;
const leaf = (): Tensor => torch.tensor([1, 2, 3], { dtype: 'float64' }).requiresGrad_();
/** Whether an op on a leaf that requires grad records a node now. */
const records = (x: Tensor = leaf()): boolean => {
  const y = x.mul(2);
  return y.requiresGrad && y.gradFn !== null;
};

afterEach(() => {
  setGradEnabled(true);
});

describe('setGradEnabled', () => {
  test('false: ops record nothing (no gradFn, no requiresGrad); true: they record again', () => {
    const x = leaf();
    expect(records(x)).toBe(true);
    setGradEnabled(false);
    expect(isGradEnabled()).toBe(false);
    const y = x.mul(2).add(1).sum();
    expect(y.gradFn).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(y.item()).toBe(15);
    expect(() => y.backward()).toThrow(/does not require grad/);
    expect(records(x)).toBe(false); // stays off until changed
    setGradEnabled(true);
    expect(isGradEnabled()).toBe(true);
    const z = x.mul(2).sum();
    expect(z.gradFn).not.toBeNull();
    z.backward();
    expect(toNumbers(x.grad!)).toEqual([2, 2, 2]);
  });

  test('is idempotent, and the public torch.isGradEnabled sees it', () => {
    setGradEnabled(false);
    setGradEnabled(false);
    expect(torch.isGradEnabled()).toBe(false);
    setGradEnabled(true);
    setGradEnabled(true);
    expect(torch.isGradEnabled()).toBe(true);
  });

  test('inside noGrad / enableGrad it lasts until the block ends, which restores the mode it found (as PyTorch)', () => {
    noGrad(() => {
      setGradEnabled(true);
      expect(records()).toBe(true);
    });
    expect(isGradEnabled()).toBe(true);
    setGradEnabled(false);
    enableGrad(() => {
      expect(records()).toBe(true);
      setGradEnabled(false);
      expect(records()).toBe(false);
    });
    expect(isGradEnabled()).toBe(false); // enableGrad restored the mode it found: off
    noGrad(() => setGradEnabled(true));
    expect(isGradEnabled()).toBe(false);
  });

  test('a non-boolean mode or an extra argument is a coded error, and changes nothing', () => {
    for (const v of [0, 1, 'false', null, undefined]) {
      const e = thrown(() => loose(setGradEnabled)(v));
      expect(e).toBeInstanceOf(torch.TorchletTypeError);
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^torchlet: Expected a boolean for mode but received/);
      expect(isGradEnabled()).toBe(true);
    }
    const e = thrown(() => loose(setGradEnabled)(false, true));
    expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(e.message).toMatch(/for setGradEnabled\(\)/);
    expect(isGradEnabled()).toBe(true);
  });
});

describe('inferenceMode', () => {
  test("returns fn's value; inside, grad mode is off and ops record nothing", () => {
    const x = leaf();
    const seen: boolean[] = [];
    const r = inferenceMode(() => {
      seen.push(isGradEnabled(), isInferenceModeEnabled());
      const y = x.mul(3);
      expect(y.gradFn).toBeNull();
      expect(y.requiresGrad).toBe(false);
      return { y, tag: 'done' as const };
    });
    expect(seen).toEqual([false, true]);
    expect(r.tag).toBe('done');
    expect(toNumbers(r.y)).toEqual([3, 6, 9]);
    expect(inferenceMode(() => 42)).toBe(42);
    expect(inferenceMode(() => undefined)).toBeUndefined();
    // after: on again, and recording works
    expect(isGradEnabled()).toBe(true);
    expect(isInferenceModeEnabled()).toBe(false);
    const z = x.mul(3).sum();
    z.backward();
    expect(toNumbers(x.grad!)).toEqual([3, 3, 3]);
  });

  test('restores the previous mode, on or off, when fn returns', () => {
    inferenceMode(() => undefined);
    expect(isGradEnabled()).toBe(true);
    setGradEnabled(false);
    inferenceMode(() => undefined);
    expect(isGradEnabled()).toBe(false);
  });

  test("restores the previous mode when fn throws, and the error is fn's own", () => {
    const boom = new Error('boom');
    let caught: unknown = null;
    try {
      inferenceMode(() => {
        throw boom;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    expect(isGradEnabled()).toBe(true);
    expect(isInferenceModeEnabled()).toBe(false);
    setGradEnabled(false);
    expect(() =>
      inferenceMode(() => {
        setGradEnabled(true); // a mode set inside is undone too
        throw new RangeError('inner');
      }),
    ).toThrow('inner');
    expect(isGradEnabled()).toBe(false);
    expect(isInferenceModeEnabled()).toBe(false);
  });

  test('nests: the inner call leaves the outer one in inference mode', () => {
    const states: [boolean, boolean][] = [];
    inferenceMode(() => {
      inferenceMode(() => states.push([isGradEnabled(), isInferenceModeEnabled()]));
      states.push([isGradEnabled(), isInferenceModeEnabled()]);
      try {
        inferenceMode(() => {
          throw new Error('x');
        });
      } catch {
        // the mode after a throwing inner call is checked below
      }
      states.push([isGradEnabled(), isInferenceModeEnabled()]);
    });
    states.push([isGradEnabled(), isInferenceModeEnabled()]);
    expect(states).toEqual([[false, true], [false, true], [false, true], [true, false]]);
  });

  test('isInferenceModeEnabled: false outside, in noGrad and after setGradEnabled(false)', () => {
    expect(isInferenceModeEnabled()).toBe(false);
    noGrad(() => expect(isInferenceModeEnabled()).toBe(false));
    setGradEnabled(false);
    expect(isInferenceModeEnabled()).toBe(false);
  });

  test('a non-function fn or an extra argument is a coded error, and changes nothing', () => {
    for (const v of [undefined, null, 3, {}]) {
      const e = thrown(() => loose(inferenceMode)(v));
      expect(e).toBeInstanceOf(torch.TorchletTypeError);
      expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG_TYPE');
      expect(e.message).toMatch(/^torchlet: Expected a function for fn but received/);
      expect(isInferenceModeEnabled()).toBe(false);
      expect(isGradEnabled()).toBe(true);
    }
    let ran = false;
    const e = thrown(() => loose(inferenceMode)(() => (ran = true), 1));
    expect(e.code).toBe('ERR_TORCHLET_INVALID_ARG');
    expect(e.message).toMatch(/for inferenceMode\(\)/);
    expect(ran).toBe(false);
    expect(thrown(() => loose(isInferenceModeEnabled)(true)).code).toBe('ERR_TORCHLET_INVALID_ARG');
  });
});
