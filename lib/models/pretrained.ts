// lib/models/pretrained.ts — torchvision's published ImageNet weights for the models torchlet builds
// (the table in pretrained_table.ts, generated from torchvision 0.14): pretrained(name, {weights,
// progress, modelDir, mapLocation, timeoutMs}) builds the model by torchvision's builder name
// ('resnet18', 'resnet50', 'resnext50_32x4d', 'wide_resnet50_2', 'mobilenet_v2', 'vgg16_bn', ...),
// fetches its weights with torch.hub.loadStateDictFromUrl (cached in torch.hub.getDir()/checkpoints,
// the directory PyTorch uses, SHA-256 checked on download as torchvision does), loads them with a
// strict loadStateDict and returns the model in eval mode; `weights: null` gives the freshly
// initialised model (torchvision's weights=None). getWeights(name, weights = 'DEFAULT') gives the
// weights' facts (URL, parameter count, ImageNet-1K accuracy, categories, the evaluation transform's
// sizes and normalisation) and transforms() a torch.data.transforms pipeline of that evaluation
// transform (Resize with antialias, as torchvision's ImageClassification preset from 0.15 and PIL's
// resize do, CenterCrop, ToTensor, Normalize; torchlet resizes an Image with the tensor filters, so
// pixels agree with PIL's only to the filters' precision and rounding).
import { checkOptionKeys, invalidArg, typeArg, noExtraArgs } from '../errors';
import { Module } from '../nn/module';
import { loadStateDictFromUrl } from '../hub';
import { Compose, Resize, CenterCrop, ToTensor, Normalize } from '../data/transforms';
import { PRETRAINED_TABLE, IMAGENET_CATEGORIES } from './pretrained_table';
import * as resnet from './resnet';
import * as mobilenet from './mobilenet';
import * as vgg from './vgg';

/** The torchvision builder names that have published weights here. */
export type PretrainedName = keyof typeof PRETRAINED_TABLE;

/** One published weight set (torchvision's WeightsEnum member). */
export interface WeightsInfo {
  /** torchvision's name, e.g. 'ResNet50_Weights.IMAGENET1K_V2'. */
  name: string;
  url: string;
  numParams: number;
  /** ImageNet-1K top-1 / top-5 accuracy (%) as torchvision reports it; null where it reports none. */
  acc1: number | null;
  acc5: number | null;
  categories: readonly string[];
  resizeSize: number;
  cropSize: number;
  mean: number[];
  std: number[];
  /** The evaluation preprocessing: Resize(resizeSize, {antialias: true}), CenterCrop(cropSize), ToTensor, Normalize(mean, std). */
  transforms(): Compose;
}

const FACTORIES: Record<string, (opts: { numClasses?: number }) => Module> = {
  torchvisionResnet18: resnet.torchvisionResnet18,
  torchvisionResnet34: resnet.torchvisionResnet34,
  torchvisionResnet50: resnet.torchvisionResnet50,
  torchvisionResnet101: resnet.torchvisionResnet101,
  torchvisionResnet152: resnet.torchvisionResnet152,
  torchvisionResnext50_32x4d: resnet.torchvisionResnext50_32x4d,
  torchvisionResnext101_32x8d: resnet.torchvisionResnext101_32x8d,
  torchvisionResnext101_64x4d: resnet.torchvisionResnext101_64x4d,
  torchvisionWideResnet50_2: resnet.torchvisionWideResnet50_2,
  torchvisionWideResnet101_2: resnet.torchvisionWideResnet101_2,
  torchvisionMobilenetV2: mobilenet.torchvisionMobilenetV2,
  torchvisionVgg11: vgg.torchvisionVgg11,
  torchvisionVgg11Bn: vgg.torchvisionVgg11Bn,
  torchvisionVgg13: vgg.torchvisionVgg13,
  torchvisionVgg13Bn: vgg.torchvisionVgg13Bn,
  torchvisionVgg16: vgg.torchvisionVgg16,
  torchvisionVgg16Bn: vgg.torchvisionVgg16Bn,
  torchvisionVgg19: vgg.torchvisionVgg19,
  torchvisionVgg19Bn: vgg.torchvisionVgg19Bn,
};

/** The names pretrained() and getWeights() take. */
export function listPretrained(...rest: never[]): string[] {
  noExtraArgs('listPretrained', '', rest);
  return Object.keys(PRETRAINED_TABLE);
}

function entryOf(name: unknown) {
  if (typeof name !== 'string') typeArg('name', "a torchvision model name ('resnet18', 'resnet50', 'mobilenet_v2', ...)", name);
  const e = (PRETRAINED_TABLE as Record<string, (typeof PRETRAINED_TABLE)[PretrainedName]>)[name as string];
  if (!e) invalidArg('name', `one of ${Object.keys(PRETRAINED_TABLE).join(', ')}`, name);
  return e!;
}

/** The facts of a published weight set: getWeights('resnet50') (its DEFAULT), getWeights('resnet50', 'IMAGENET1K_V1'). */
export function getWeights(name: string, weights = 'DEFAULT', ...rest: never[]): WeightsInfo {
  noExtraArgs('getWeights', 'name, weights', rest);
  const e = entryOf(name);
  if (typeof weights !== 'string') typeArg('weights', "a weight set name ('DEFAULT', 'IMAGENET1K_V1', ...)", weights);
  // torchvision's spellings: 'DEFAULT', 'IMAGENET1K_V1', or the enum's full name 'ResNet50_Weights.IMAGENET1K_V1'
  const key = weights === 'DEFAULT' ? e.default : weights.startsWith(`${e.enum}.`) ? weights.slice(e.enum.length + 1) : weights;
  const w = (e.weights as Record<string, (typeof e.weights)[keyof typeof e.weights]>)[key];
  if (!w) invalidArg('weights', `one of DEFAULT, ${Object.keys(e.weights).join(', ')} for ${name}`, weights);
  const info = w as unknown as { url: string; numParams: number; acc1: number | null; acc5: number | null; resizeSize: number; cropSize: number; mean: number[]; std: number[] };
  return {
    name: `${e.enum}.${key}`,
    url: info.url,
    numParams: info.numParams,
    acc1: info.acc1,
    acc5: info.acc5,
    categories: IMAGENET_CATEGORIES,
    resizeSize: info.resizeSize,
    cropSize: info.cropSize,
    mean: info.mean.slice(),
    std: info.std.slice(),
    transforms: () => new Compose([new Resize(info.resizeSize, { antialias: true }), new CenterCrop(info.cropSize), new ToTensor(), new Normalize(info.mean.slice(), info.std.slice())]),
  };
}

export interface PretrainedOptions {
  /** The weight set ('DEFAULT', 'IMAGENET1K_V1', 'ResNet50_Weights.IMAGENET1K_V2', ...); null: no weights (random init). */
  weights?: string | null;
  /** Print the download to stderr (default true). */
  progress?: boolean;
  /** Where the weights are cached (default torch.hub.getDir()/checkpoints). */
  modelDir?: string;
  /** The device of the loaded weights ('cpu' default). */
  mapLocation?: string;
  /** Download inactivity timeout in milliseconds (default 30000). */
  timeoutMs?: number;
}

/**
 * A torchvision model with its published ImageNet weights, in eval mode (torchvision's
 * `models.<name>(weights=...)`). The first call downloads the weights (hundreds of MB for VGG);
 * later calls read the cache.
 * @example const m = await torch.models.pretrained('resnet18'); const w = torch.models.getWeights('resnet18');
 */
export async function pretrained(name: string, opts: PretrainedOptions = {}, ...rest: never[]): Promise<Module> {
  noExtraArgs('pretrained', 'name, opts', rest);
  const e = entryOf(name);
  const o = checkOptionKeys('opts', opts, ['weights', 'progress', 'modelDir', 'mapLocation', 'timeoutMs']);
  const model = FACTORIES[e.factory]({ numClasses: 1000 });
  if (o.weights === null) return model;
  const w = getWeights(name, o.weights ?? 'DEFAULT');
  const sd = await loadStateDictFromUrl(w.url, {
    checkHash: true,
    progress: o.progress,
    modelDir: o.modelDir,
    mapLocation: o.mapLocation,
    timeoutMs: o.timeoutMs,
  } as Parameters<typeof loadStateDictFromUrl>[1]);
  model.loadStateDict(sd as never);
  if (o.mapLocation !== undefined) model.to(o.mapLocation);
  return model.eval();
}
