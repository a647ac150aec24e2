// test/devices.ts — the devices a test suite runs on, as tfjs runs one suite per backend.
// DEVICES: 'cpu', plus 'cuda' when torch.cuda.isAvailable(); TORCHLET_TEST_DEVICES=cpu,cuda (or
// =cuda, =cpu) overrides the list. describeDevices(name, fn) runs fn's block once per device; a
// device asked for but unavailable here (CUDA on a machine without a GPU or a CUDA build) gets a
// describe.skip whose title says why, so the report shows what did not run instead of hiding it.
import * as torch from '../lib';
import type { Tensor } from '../lib';
import { native } from '../lib/binding';

export type TestDevice = 'cpu' | 'cuda';
const KNOWN: TestDevice[] = ['cpu', 'cuda'];

/** Why CUDA cannot run here ('' when it can). */
export function cudaSkipReason(): string {
  if (torch.cuda.isAvailable()) return '';
  const info = native.cudaInfo();
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
