// lib/ops/pixel_shuffle.ts — F.pixelShuffle / F.pixelUnshuffle (PyTorch's pixel_shuffle /
// pixel_unshuffle): pixelShuffle rearranges [*, C*r*r, H, W] into [*, C, H*r, W*r] (channel
// c*r*r + i*r + j goes to pixel (h*r + i, w*r + j) of channel c), pixelUnshuffle is its inverse.
// Contract: any number of leading batch dims (the input has at least 3 dims); a reshape, a permute
// and a reshape (one copy), so the gradient is the inverse rearrangement through autograd.
import { checkInt, invalidArg, shapeError, noExtraArgs } from '../errors';
import { Tensor, checkTensor } from '../tensor';
import { reshape, permute } from './shape';

/** [*, C*r*r, H, W] -> [*, C, H*r, W*r] with r = upscaleFactor. */
export function pixelShuffle(input: Tensor, upscaleFactor: number, ...rest: never[]): Tensor {
  noExtraArgs('pixelShuffle', 'input, upscaleFactor', rest);
  checkTensor('input', input);
  const r = checkInt('upscaleFactor', upscaleFactor, 1);
  if (input.ndim < 3) shapeError('input', 'a tensor of at least 3 dims [*, C*r*r, H, W]', input);
  const batch = input.shape.slice(0, -3);
  const [C, H, W] = input.shape.slice(-3);
  if (C % (r * r) !== 0) invalidArg('input', `a channel count divisible by upscaleFactor^2 = ${r * r}`, input);
  const b = batch.length;
  const lead = batch.map((_, i) => i);
  const x = reshape(input, [...batch, C / (r * r), r, r, H, W]);
  return reshape(permute(x, [...lead, b, b + 3, b + 1, b + 4, b + 2]), [...batch, C / (r * r), H * r, W * r]);
}

/** [*, C, H*r, W*r] -> [*, C*r*r, H, W] with r = downscaleFactor (the inverse of pixelShuffle). */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number, ...rest: never[]): Tensor {
  noExtraArgs('pixelUnshuffle', 'input, downscaleFactor', rest);
  checkTensor('input', input);
  const r = checkInt('downscaleFactor', downscaleFactor, 1);
  if (input.ndim < 3) shapeError('input', 'a tensor of at least 3 dims [*, C, H*r, W*r]', input);
  const batch = input.shape.slice(0, -3);
  const [C, H, W] = input.shape.slice(-3);
  if (H % r !== 0 || W % r !== 0) invalidArg('input', `a height and width divisible by downscaleFactor = ${r}`, input);
  const b = batch.length;
  const lead = batch.map((_, i) => i);
  const x = reshape(input, [...batch, C, H / r, r, W / r, r]);
  return reshape(permute(x, [...lead, b, b + 2, b + 4, b + 1, b + 3]), [...batch, C * r * r, H / r, W / r]);
}
