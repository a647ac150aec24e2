// lib/default_dtype.ts — torch.getDefaultDtype / torch.setDefaultDtype (PyTorch 1.13): the
// floating-point dtype, 'float32' at start or 'float64', that a tensor gets when nothing else fixes
// its dtype: torch.tensor of non-integer numbers, empty / zeros / ones / full / rand / randn / normal /
// linspace / logspace / eye / arange of non-integers without opts.dtype, the parameters and buffers
// nn layers make, and the result of an integer or bool tensor meeting a non-integer number, of an
// integer division and of the float-only functions given integers. Tensors already made keep their
// dtype. Only floating-point dtypes are accepted, as PyTorch accepts only those.
import { invalidArg, noExtraArgs, typeArg } from './errors';

export type FloatDType = 'float32' | 'float64';
let current: FloatDType = 'float32';

/** The current default floating-point dtype (internal callers: creation and promotion). */
export function defaultFloat(): FloatDType {
  return current;
}

/** torch.get_default_dtype(). */
export function getDefaultDtype(...rest: never[]): FloatDType {
  noExtraArgs('getDefaultDtype', '', rest);
  return current;
}

/** torch.set_default_dtype(d): 'float32' or 'float64'. */
export function setDefaultDtype(d: FloatDType, ...rest: never[]): void {
  noExtraArgs('setDefaultDtype', 'd', rest);
  if (typeof d !== 'string') typeArg('d', "a dtype name ('float32' or 'float64')", d);
  if (d !== 'float32' && d !== 'float64')
    invalidArg('d', "'float32' or 'float64' (only floating-point dtypes can be the default, as in PyTorch)", d);
  current = d;
}
