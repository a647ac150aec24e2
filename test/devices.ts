// test/devices.ts — the devices a test suite runs on, as tfjs runs one suite per backend.
// DEVICES: 'cpu', plus 'cuda' when torch.cuda.isAvailable(); TORCHLET_TEST_DEVICES=cpu,cuda (or
// =cuda, =cpu) overrides the list. describeDevices(name, fn) runs fn's block once per device; a
// device asked for but unavailable here (CUDA on a machine without a GPU or a CUDA build) gets a
// describe.skip whose title says why, so the report shows what did not run instead of hiding it.
// describeOp(op, fn) is the runner of the op tests (test/ops/<op>.test.ts): describeDevices plus the
// skip list test/ops/skips.ts, per device and per dtype.
import * as torch from '../lib';
import type { Tensor, DType } from '../lib';
import { cudaInfo } from '../lib/device';
import { skipReason } from './ops/skips';

export type TestDevice = 'cpu' | 'cuda';
const KNOWN: TestDevice[] = ['cpu', 'cuda'];

/** Why CUDA cannot run here ('' when it can). */
export function cudaSkipReason(): string {
  if (torch.cuda.isAvailable()) return '';
  const info = cudaInfo();
  return `CUDA not available: ${info.reason || 'no device'}`;
}
export const CUDA_AVAILABLE = torch.cuda.isAvailable();

function requested(): TestDevice[] {
  const env = process.env.TORCHLET_TEST_DEVICES;
  if (!env) return ['cpu', 'cuda']; // cuda is listed even without it, so its skip is reported
  const list = env.split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of list)
    if (!KNOWN.includes(d as TestDevice)) throw new Error(`TORCHLET_TEST_DEVICES: unknown device '${d}' (use cpu, cuda)`);
  return list as TestDevice[];
}
/** The devices tests run on here: requested (TORCHLET_TEST_DEVICES or all) and available. */
export const DEVICES: TestDevice[] = requested().filter((d) => d === 'cpu' || CUDA_AVAILABLE);
/** Requested devices that cannot run here, with the reason. */
export const SKIPPED: [TestDevice, string][] = requested()
  .filter((d) => d === 'cuda' && !CUDA_AVAILABLE)
  .map((d) => [d, cudaSkipReason()]);

/**
 * describe(`${name} [device]`, () => fn(device)) for every requested device; an unavailable one is
 * a describe.skip titled with the reason (its tests are listed as skipped).
 */
export function describeDevices(name: string, fn: (device: TestDevice) => void): void {
  for (const d of requested()) {
    if (d === 'cuda' && !CUDA_AVAILABLE) describe.skip(`${name} [cuda] (skipped: ${cudaSkipReason()})`, () => fn(d));
    else describe(`${name} [${d}]`, () => fn(d));
  }
}
/** test() when CUDA is available, else test.skip with the reason in the title. */
export function testCuda(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (CUDA_AVAILABLE) test(name, fn, timeout);
  else test.skip(`${name} (skipped: ${cudaSkipReason()})`, fn);
}
/** test() only where CUDA is absent (checks of the "not available" errors). */
export function testNoCuda(name: string, fn: jest.ProvidesCallback): void {
  if (!CUDA_AVAILABLE) test(name, fn);
  else test.skip(`${name} (skipped: CUDA is available here)`, fn);
}
/** t copied to `device` (t itself on its own device). */
export function onDevice(t: Tensor, device: TestDevice): Tensor {
  return t.to(device);
}

/** What an op test file's body gets from describeOp, once per device. */
export interface OpRun {
  /** the op (or op family) under test: its file is test/ops/<op>.test.ts */
  op: string;
  /** the device this instance of the body runs on */
  device: TestDevice;
  /** t on the device under test: a copy on CUDA, t itself on the CPU (inputs are made on the CPU, then moved) */
  on: (t: Tensor) => Tensor;
  /**
   * describe(dtype, () => fn(dtype)) for each dtype; one that test/ops/skips.ts lists for (op, device)
   * is a describe.skip titled `<dtype> (skipped: <reason>)`.
   */
  dtypes: <D extends DType>(list: readonly D[], fn: (dtype: D) => void) => void;
  /**
   * describe(title, fn) on every device but the CPU: checks that compare this device's result with
   * the CPU's for the same inputs (the CPU is the reference there, so the CPU instance has none).
   */
  vsCpu: (title: string, fn: () => void) => void;
}

/**
 * The per-device runner of the op tests: describe("<op> [<device>]", () => fn(run)) for every
 * requested device (TORCHLET_TEST_DEVICES, default cpu and cuda). A device that is unavailable here,
 * or that test/ops/skips.ts lists for the op with dtype '*', gets a describe.skip whose title gives
 * the reason, so its tests are reported as skipped. The body runs at collection time on every
 * device, skipped or not: it must only declare tests and touch the device inside them.
 */
export function describeOp(op: string, fn: (run: OpRun) => void): void {
  for (const device of requested()) {
    const run: OpRun = {
      op,
      device,
      on: (t) => onDevice(t, device),
      dtypes: (list, body) => {
        for (const dtype of list) {
          const why = skipReason(op, device, dtype);
          if (why) describe.skip(`${dtype} (skipped: ${why})`, () => body(dtype));
          else describe(dtype, () => body(dtype));
        }
      },
      vsCpu: (title, body) => {
        if (device !== 'cpu') describe(title, body);
      },
    };
    const unavailable = device === 'cuda' && !CUDA_AVAILABLE ? cudaSkipReason() : '';
    const why = unavailable || skipReason(op, device);
    if (why) describe.skip(`${op} [${device}] (skipped: ${why})`, () => fn(run));
    else describe(`${op} [${device}]`, () => fn(run));
  }
}
