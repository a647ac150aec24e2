// lib/device.ts — device names and CUDA availability.
// A device is written 'cpu', 'cuda' or 'cuda:N' and normalised to 'cpu' / 'cuda:N' ('cuda' is the
// current device, cuda:0). Asking for CUDA where this binary has none, or where there is no driver
// or GPU, throws ERR_TORCHLET_NO_CUDA saying why (the reason comes from the native cudaInfo()).
// A device that is not a string is ERR_TORCHLET_INVALID_ARG_TYPE; a malformed one, or a CUDA index
// this machine does not have, ERR_TORCHLET_DEVICE.
// Only cuda:0 is used for now (the native side keeps its stream and allocator per device).
import { native } from './binding';
import { TorchletError, typeArg, deviceError } from './errors';

/** A device as accepted by the API ('cuda' means the current CUDA device). */
export type DeviceType = 'cpu' | 'cuda' | `cuda:${number}`;
/** A normalised device, as `Tensor.device` reports it. */
export type Device = 'cpu' | `cuda:${number}`;

export interface CudaInfo {
  compiled: boolean;
  deviceCount: number;
  reason: string;
  /** the device's name ('' without CUDA); the emulated device's (TORCHLET_CUDA=EMU) contains "emulated" */
  name: string;
}
let info: CudaInfo | null = null;
/** What the native addon knows about CUDA (queried once: the answer cannot change in a process). */
export function cudaInfo(): CudaInfo {
  if (!info) info = native.cudaInfo();
  return info;
}
export function cudaAvailable(): boolean {
  return cudaInfo().deviceCount > 0;
}
/** The error for using CUDA where there is none. */
export function noCudaError(requested?: string): TorchletError {
  const why = cudaInfo().reason || 'no CUDA device found';
  return new TorchletError(
    `torchlet: CUDA is not available: ${why}${requested ? ` (device ${JSON.stringify(requested)} was requested)` : ''}`,
    'ERR_TORCHLET_NO_CUDA',
  );
}

const DEVICE_RE = /^(cpu|cuda)(?::(\d+))?$/;
/** Checks a device string's form and normalises it ('cuda' -> 'cuda:0'); does not ask whether CUDA exists. */
export function normalizeDevice(name: string, d: unknown): Device {
  if (d === undefined || d === null) return 'cpu';
  if (typeof d !== 'string') typeArg(name, "a device: 'cpu', 'cuda' or 'cuda:N'", d);
  const m = DEVICE_RE.exec(d as string);
  if (!m || (m[1] === 'cpu' && m[2] !== undefined && m[2] !== '0'))
    deviceError(name, "a device: 'cpu', 'cuda' or 'cuda:N'", d);
  if (m![1] === 'cpu') return 'cpu';
  return `cuda:${m![2] === undefined ? 0 : Number(m![2])}`;
}
/** A usable device: normalised, and for CUDA checked to exist (else a clear error). */
export function parseDevice(name: string, d: unknown): Device {
  const dev = normalizeDevice(name, d);
  if (dev === 'cpu') return dev;
  const n = cudaInfo().deviceCount;
  if (n === 0) throw noCudaError(String(d));
  const idx = Number(dev.slice(5));
  if (idx >= n) deviceError(name, `a CUDA device index below ${n} (this machine has ${n} CUDA device${n === 1 ? '' : 's'})`, d);
  if (idx !== 0)
    throw new TorchletError(`torchlet: only CUDA device 0 is supported so far; ${name} asked for ${JSON.stringify(d)}`, 'ERR_TORCHLET_NOT_IMPLEMENTED');
  return dev;
}
/** The native device code: CPU=0, CUDA=1. */
export function deviceCode(d: Device | DeviceType): number {
  return d === 'cpu' ? 0 : 1;
}
/** True when two tensors' devices are the same ('cuda' and 'cuda:0' are). */
export function sameDevice(a: DeviceType, b: DeviceType): boolean {
  return normalizeDevice('device', a) === normalizeDevice('device', b);
}
