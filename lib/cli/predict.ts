// lib/cli/predict.ts — `torchlet predict --checkpoint FILE image.png [...]`: classifies PNG images
// with a trained FashionCNN. The checkpoint is a weights file (best.safetensors, or any FashionCNN
// stateDict saved with torch.save), a training checkpoint (last.safetensors, `model.*` tensors), or
// a run directory (its best.safetensors).
// Each PNG (any bit depth / colour type pngjs reads) is checked before decoding (png.ts: structure,
// CRCs, at most MAX_PNG_PIXELS pixels declared, image data exactly the declared size; a damaged
// file is refused, never classified) and becomes one 28x28 grayscale image: luma
// 0.299 R + 0.587 G + 0.114 B (exact for gray pixels), composited over black by its alpha, resized by
// area averaging (box filter) when it is not 28x28, then scaled /255 and normalised with (0.5, 0.5)
// exactly as in training. Fashion-MNIST shows a light object on a BLACK background; photos of a dark
// object on white must be inverted by the user first: predict never inverts on its own.
// Output per image: a line "FILE: CLASS (p)" and the 10 class probabilities, or with --json one JSON
// line {"image","class","index","probs"} (probs in class order, summing to 1). All inputs are read
// and checked before any output; a bad argument throws a CliError naming it (exit code 1).
import * as fs from 'fs';
import * as path from 'path';
import { Tensor } from '../tensor';
import { fromBuffer } from '../creation';
import { noGrad } from '../autograd';
import { tidy } from '../memory';
import { load } from '../serialize';
import { fashionCnn, FashionCNN } from '../models/fashion_cnn';
import { softmax } from '../ops/activation';
import { FASHION_MNIST_CLASSES } from '../data/fashion_mnist';
import { TorchletError, errorMessage } from '../errors';
import { decodePng, DecodedPng, MAX_PNG_PIXELS } from './png';

/** A command-line error: its message names the offending argument; printed without a stack trace. */
export class CliError extends TorchletError {
  exitCode = 1;
  constructor(message: string) {
    super(message, 'ERR_TORCHLET_CLI');
    this.name = 'CliError';
  }
}

const SIZE = 28;
/** The largest PNG file read: MAX_PNG_PIXELS stored uncompressed at 16-bit RGBA, with room for chunks. */
const MAX_PNG_FILE_BYTES = MAX_PNG_PIXELS * 8 + (1 << 20);

/** Per-axis box-filter weights: for each output pixel, the source pixels it covers and their shares. */
function boxWeights(src: number, dst: number): { idx: number[]; w: number[] }[] {
  const scale = src / dst;
  return Array.from({ length: dst }, (_, o) => {
    const a = o * scale;
    const b = (o + 1) * scale;
    const idx: number[] = [];
    const w: number[] = [];
    for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
      const cover = Math.min(b, s + 1) - Math.max(a, s);
      if (cover > 0) {
        idx.push(s);
        w.push(cover / scale);
      }
    }
    return { idx, w };
  });
}

/** Grayscale values (0..255) of a decoded RGBA image, resized to size x size by area averaging. */
export function grayResize(rgba: Uint8Array, width: number, height: number, size = SIZE): Float32Array {
  const gray = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    const a = rgba[4 * i + 3];
    const y = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    gray[i] = a === 255 ? y : (y * a) / 255;
  }
  if (width === size && height === size) return gray;
  const wx = boxWeights(width, size);
  const wy = boxWeights(height, size);
  const out = new Float32Array(size * size);
  for (let oy = 0; oy < size; oy++)
    for (let ox = 0; ox < size; ox++) {
      let acc = 0;
      const { idx: ys, w: wys } = wy[oy];
      const { idx: xs, w: wxs } = wx[ox];
      for (let i = 0; i < ys.length; i++) for (let j = 0; j < xs.length; j++) acc += wys[i] * wxs[j] * gray[ys[i] * width + xs[j]];
      out[oy * size + ox] = acc;
    }
  return out;
}

/** Reads a PNG file into a normalised [1, 1, 28, 28] float32 tensor (as training feeds the model). */
export function readImage(file: string, argName = 'image'): Tensor {
  let buf: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isFile() && st.size > MAX_PNG_FILE_BYTES)
      throw new CliError(`torchlet: ${argName} ${file}: ${st.size} bytes, more than the ${MAX_PNG_FILE_BYTES} a PNG of at most ${MAX_PNG_PIXELS} pixels needs`);
    if (!st.isFile() && !st.isDirectory()) throw new CliError(`torchlet: ${argName} ${file}: not a regular file`);
    buf = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof CliError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new CliError(
      err.code === 'ENOENT' ? `torchlet: ${argName} ${file}: no such file`
        : err.code === 'EISDIR' ? `torchlet: ${argName} ${file}: is a directory, not a PNG file`
          : `torchlet: ${argName} ${file}: cannot be read (${err.message})`,
    );
  }
  if (buf.length < 8 || buf.readUInt32BE(0) !== 0x89504e47 || buf.readUInt32BE(4) !== 0x0d0a1a0a)
    throw new CliError(`torchlet: ${argName} ${file}: not a PNG file (only PNG images are read)`);
  let png: DecodedPng;
  try {
    png = decodePng(buf, file);
  } catch (e) {
    throw new CliError(`torchlet: ${argName} ${file}: damaged PNG file (${errorMessage(e).replace(`torchlet: ${file} is not a valid PNG file: `, '')})`);
  }
  const gray = grayResize(png.data, png.width, png.height);
  const x = new Float32Array(SIZE * SIZE);
  for (let i = 0; i < x.length; i++) x[i] = (gray[i] * (1 / 255) - 0.5) / 0.5;
  return fromBuffer(x, [1, 1, SIZE, SIZE]);
}

/** Loads FashionCNN weights from a weights file or a training checkpoint, in eval mode. */
export function loadFashionCheckpoint(file: string, argName = '--checkpoint'): FashionCNN {
  if (!fs.existsSync(file)) throw new CliError(`torchlet: ${argName} ${file}: no such file`);
  if (fs.statSync(file).isDirectory()) {
    // a run directory: its best model
    const best = path.join(file, 'best.safetensors');
    if (!fs.existsSync(best)) throw new CliError(`torchlet: ${argName} ${file}: is a directory without best.safetensors; give a .safetensors file`);
    file = best;
  }
  let dict: Record<string, Tensor>;
  try {
    dict = load(file);
  } catch (e) {
    throw new CliError(`torchlet: ${argName} ${file}: ${(e as Error).message.replace(/^torchlet: /, '').replace(`${file} `, '')}`);
  }
  const keys = Object.keys(dict);
  if (!keys.includes('conv1.weight') && keys.includes('model.conv1.weight')) {
    const inner: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(dict)) {
      if (k.startsWith('model.')) inner[k.slice(6)] = t;
      else t.dispose();
    }
    dict = inner;
  }
  const model = fashionCnn();
  try {
    model.loadStateDict(dict);
  } catch (e) {
    throw new CliError(`torchlet: ${argName} ${file}: not FashionCNN weights (${(e as Error).message.replace(/^torchlet: /, '')})`);
  } finally {
    Object.values(dict).forEach((t) => t.dispose());
  }
  model.eval();
  return model;
}

export interface Prediction {
  image: string;
  class: string;
  index: number;
  probs: number[];
}

/** Class probabilities of each image under `model` (eval mode, no gradients). */
export function predictImages(model: FashionCNN, images: Tensor[], names: string[]): Prediction[] {
  model.eval();
  return images.map((x, i) => {
    const p = noGrad(() => tidy(() => softmax(model.forward(x), 1)));
    const probs = Array.from(p.toArray() as Float32Array);
    p.dispose();
    let index = 0;
    for (let c = 1; c < probs.length; c++) if (probs[c] > probs[index]) index = c;
    return { image: names[i], class: FASHION_MNIST_CLASSES[index], index, probs };
  });
}

/** The `predict` command: prints one block (or one JSON line) per image. */
export function predictCommand(images: string[], o: { checkpoint: string; json?: boolean; model?: string }): Prediction[] {
  if (o.model && o.model !== 'fashion-cnn') throw new CliError(`torchlet: unknown --model ${o.model} (available: fashion-cnn)`);
  if (!images.length) throw new CliError('torchlet: predict needs at least one image argument');
  const tensors: Tensor[] = [];
  try {
    for (const f of images) tensors.push(readImage(f));
    const model = loadFashionCheckpoint(o.checkpoint);
    const preds = predictImages(model, tensors, images);
    for (const p of preds) {
      if (o.json) console.log(JSON.stringify(p));
      else {
        console.log(`${p.image}: ${p.class} (${p.probs[p.index].toFixed(4)})`);
        console.log(p.probs.map((v, c) => `  ${FASHION_MNIST_CLASSES[c].padEnd(12)} ${v.toFixed(4)}`).join('\n'));
      }
    }
    return preds;
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}
