// lib/optim/rules.ts — the hyperparameter rules of torch.optim's constructors (PyTorch's ValueErrors,
// as coded errors naming the option) and the state-entry checks of loadStateDict, shared by the
// optimizers added with issue 15 (RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam).
import { invalidArg, typeArg, checkOptionKeys } from '../errors';
import { Tensor } from '../tensor';

/** `0 <= v` (PyTorch: "Invalid <what> value"), a finite number. */
export function nonNegative(name: string, v: unknown, what = 'a number >= 0'): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) invalidArg(name, what, v);
}
/** `0 <= beta < 1` for betas[0] and betas[1]. */
export function checkBetas(betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) typeArg('betas', 'an array [beta1, beta2]', betas);
  const b = betas as unknown[];
  for (const i of [0, 1])
    if (typeof b[i] !== 'number' || !((b[i] as number) >= 0 && (b[i] as number) < 1)) invalidArg(`betas[${i}]`, 'a number in [0, 1)', b[i]);
}
export function checkBool(name: string, v: unknown): void {
  if (typeof v !== 'boolean') typeArg(name, 'a boolean', v);
}
/** The options object of a constructor: only the optimizer's own keys. */
export function optionsOf<O extends object>(opts: Partial<O> | undefined, keys: readonly string[]): Partial<O> {
  return checkOptionKeys('opts', opts, keys);
}
/**
 * A loadStateDict state entry: only `allowed` keys; when not empty, `step` an integer >= 0 and the
 * `tensors` present as tensors (the base class has checked their shapes), `numbers` finite numbers.
 */
export function checkStateEntry(where: string, s: Record<string, unknown>, name: string, allowed: string[], tensors: string[], numbers: string[] = []): void {
  const keys = Object.keys(s);
  for (const k of keys) if (!allowed.includes(k)) invalidArg(`${where}.${k}`, `one of the ${name} state entries ${allowed.join(', ')}`, k);
  if (!keys.length) return;
  if (typeof s.step !== 'number' || !Number.isInteger(s.step) || s.step < 0) invalidArg(`${where}.step`, 'an integer step count >= 0', s.step);
  for (const k of tensors) if (!(s[k] instanceof Tensor)) invalidArg(`${where}.${k}`, 'a tensor', s[k]);
  for (const k of numbers) if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) invalidArg(`${where}.${k}`, 'a finite number', s[k]);
}
/** The step count of a state entry, checked before it is used. */
export function stepOf(s: Record<string, unknown>, gi: number, j: number): number {
  if (!Number.isSafeInteger(s.step) || (s.step as number) < 0)
    invalidArg(`state of paramGroups[${gi}].params[${j}].step`, 'a non-negative integer step count', s.step);
  return s.step as number;
}
