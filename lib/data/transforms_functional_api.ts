// lib/data/transforms_functional_api.ts — the public names of torch.data.transforms.functional
// (torchvision.transforms.functional): transforms.ts exports this module as `functional`; the kernels
// and their internal helpers live in transforms_functional.ts.
export {
  hflip, vflip, crop, centerCrop, resize, resizedCrop, pad, rotate, affine, adjustBrightness, adjustContrast, adjustSaturation, adjustHue, adjustGamma, adjustSharpness,
  gaussianBlur, invert, posterize, solarize, autocontrast, equalize, rgbToGrayscale, normalize, toTensor, erase, convertImageDtype, toPilImage, pilToTensor,
  fiveCrop, tenCrop,
} from './transforms_functional';
export type { RotateOptions, AffineOptions } from './transforms_functional';
