// lib/dtype_info.ts — torch.finfo / torch.iinfo (the limits of a dtype, PyTorch 1.13's fields) and
// torch.device (a device string checked and normalised, as torch.device(type, index) names a device;
// it does not ask whether CUDA exists, which a tensor's .to() does).
//   finfo(dtype='float32'): {bits, eps, max, min, tiny, smallestNormal, resolution, dtype}
//   iinfo(dtype): {bits, max, min, dtype} for int32 / uint8 (numbers) and int64 (bigints: its limits
//   are not exact as JS numbers)
import { invalidArg, typeArg, checkInt, noExtraArgs } from './errors';
import { DTYPES } from './tensor';
import type { DType, DeviceType } from './tensor';
import { normalizeDevice } from './device';

export interface FInfo {
  bits: number;
  /** the gap between 1 and the next representable number */
  eps: number;
  max: number;
  min: number;
  /** the smallest positive normal number (= smallestNormal) */
  tiny: number;
  smallestNormal: number;
  /** 10 ** -(decimal digits of precision) */
  resolution: number;
  dtype: 'float32' | 'float64';
}
export interface IInfo {
  bits: number;
  max: number | bigint;
  min: number | bigint;
  dtype: 'int32' | 'int64' | 'uint8';
}

const FINFO: Record<'float32' | 'float64', FInfo> = {
  float32: { bits: 32, eps: 2 ** -23, max: (2 - 2 ** -23) * 2 ** 127, min: -(2 - 2 ** -23) * 2 ** 127, tiny: 2 ** -126, smallestNormal: 2 ** -126, resolution: 1e-6, dtype: 'float32' },
  float64: { bits: 64, eps: 2 ** -52, max: Number.MAX_VALUE, min: -Number.MAX_VALUE, tiny: 2 ** -1022, smallestNormal: 2 ** -1022, resolution: 1e-15, dtype: 'float64' },
};
const IINFO: Record<'int32' | 'int64' | 'uint8', IInfo> = {
  int32: { bits: 32, max: 2147483647, min: -2147483648, dtype: 'int32' },
  int64: { bits: 64, max: 9223372036854775807n, min: -9223372036854775808n, dtype: 'int64' },
  uint8: { bits: 8, max: 255, min: 0, dtype: 'uint8' },
};

function checkDtype(d: unknown): DType {
  if (typeof d !== 'string') typeArg('dtype', 'a dtype name', d);
  if (!DTYPES.includes(d as DType)) invalidArg('dtype', `one of ${DTYPES.join(', ')}`, d);
  return d as DType;
}
/** The limits of a floating-point dtype (torch.finfo). */
export function finfo(dtype: 'float32' | 'float64' = 'float32', ...rest: never[]): FInfo {
  noExtraArgs('finfo', 'dtype', rest);
  const d = checkDtype(dtype);
  if (d !== 'float32' && d !== 'float64') invalidArg('dtype', "a floating-point dtype ('float32' or 'float64'; torch.iinfo takes the integer ones)", d);
  return { ...FINFO[d as 'float32'] };
}
/** The limits of an integer dtype (torch.iinfo). */
export function iinfo(dtype: 'int32' | 'int64' | 'uint8', ...rest: never[]): IInfo {
  noExtraArgs('iinfo', 'dtype', rest);
  const d = checkDtype(dtype);
  if (!(d in IINFO)) invalidArg('dtype', "an integer dtype ('int32', 'int64' or 'uint8'; torch.finfo takes the floating-point ones)", d);
  return { ...IINFO[d as 'int32'] };
}
/** A device name checked and normalised: device('cuda') and device('cuda', 0) give 'cuda:0', device('cpu') 'cpu'. */
export function device(type: string, index?: number, ...rest: never[]): DeviceType {
  noExtraArgs('device', 'type, index', rest);
  if (typeof type !== 'string') typeArg('type', "a device: 'cpu', 'cuda' or 'cuda:N'", type);
  if (index !== undefined) {
    checkInt('index', index, 0);
    if (type.includes(':')) invalidArg('index', 'no index when type has one', index);
    if (type === 'cpu' && index !== 0) invalidArg('index', "0 for 'cpu'", index);
    return normalizeDevice('type', type === 'cpu' ? 'cpu' : `${type}:${index}`);
  }
  return normalizeDevice('type', type);
}
