// lib/nn/functional.ts — torch.nn.functional as `F`: the ops as functions, PyTorch's keyword
// arguments in one options object.
export { conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, conv2dReluMaxPool2d, convAlgorithms } from '../ops/conv';
export { linear } from '../ops/matmul';
export { maxPool2d, reluMaxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, maxUnpool2d } from '../ops/pool2d';
export { dropout, dropout2d, dropout3d, alphaDropout } from '../ops/dropout';
export { sigmoid, tanh } from '../ops/elementwise';
export { reluF as relu, relu_ } from '../ops/activation';
export { normalize, cosineSimilarity, pairwiseDistance, oneHot } from '../ops/distance';
export type { NormalizeOptions, CosineSimilarityOptions, PairwiseDistanceOptions, OneHotOptions } from '../ops/distance';
export { softmax, logSoftmax, selu, prelu } from '../ops/activation';
export { gelu, leakyRelu, elu, celu, silu, mish, hardswish, hardsigmoid, softplus, softsign, hardtanh, relu6, logsigmoid, threshold, glu } from '../ops/activation';
export type { GeluOptions, LeakyReluOptions, EluOptions, InplaceOption, SoftplusOptions, HardtanhOptions } from '../ops/activation';
export {
  crossEntropy, nllLoss, mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, l1Loss, smoothL1Loss, huberLoss, klDiv,
  gaussianNllLoss, marginRankingLoss, cosineEmbeddingLoss,
} from '../ops/loss';
export type {
  Reduction, NllOptions, CrossEntropyOptions, BceOptions, BceWithLogitsOptions, SmoothL1Options, HuberOptions, KlDivOptions,
  GaussianNllOptions, MarginOptions,
} from '../ops/loss';
export { batchNorm, batchNormRelu, layerNorm, groupNorm, instanceNorm } from '../ops/norm';
export { pad } from '../ops/pad';
export type { PadOptions, PadMode } from '../ops/pad';
export { interpolate } from '../ops/upsample';
export type { InterpolateOptions, InterpolateMode } from '../ops/upsample';
export { embedding, embeddingBag } from '../ops/embedding';
export type { EmbeddingOptions, EmbeddingBagOptions, EmbeddingBagMode } from '../ops/embedding';
export { pixelShuffle, pixelUnshuffle } from '../ops/pixel_shuffle';
export { maxPool1d, avgPool1d, adaptiveAvgPool1d, adaptiveMaxPool1d } from '../ops/pool1d';
export type { MaxPool1dOptions, AvgPool1dOptions, AdaptiveMaxPool1dOptions } from '../ops/pool1d';
export { maxPool3d, avgPool3d, adaptiveAvgPool3d, adaptiveMaxPool3d } from '../ops/pool3d';
export type { MaxPool3dOptions, AvgPool3dOptions, AdaptiveMaxPool3dOptions, AdaptiveOutputSize3d } from '../ops/pool3d';
export { lpPool1d, lpPool2d } from '../ops/lp_pool';
export type { LpPoolOptions } from '../ops/lp_pool';
export { localResponseNorm } from '../ops/local_response_norm';
export type { LocalResponseNormOptions } from '../ops/local_response_norm';
export { softmin, tanhshrink, hardshrink, softshrink, rrelu, channelShuffle, bilinear } from '../ops/activation_more';
export type { ShrinkOptions, RreluOptions } from '../ops/activation_more';
export {
  tripletMarginLoss, tripletMarginWithDistanceLoss, multiLabelSoftMarginLoss, multiLabelMarginLoss, multiMarginLoss, hingeEmbeddingLoss,
  softMarginLoss, poissonNllLoss,
} from '../ops/loss_more';
export type {
  TripletMarginOptions, TripletMarginWithDistanceOptions, DistanceFunction, MultiLabelSoftMarginOptions, MultiMarginOptions, HingeEmbeddingOptions,
  PoissonNllOptions,
} from '../ops/loss_more';
export { unfold, fold } from '../ops/fold';
export type { UnfoldOptions, FoldOptions } from '../ops/fold';
export { gridSample, affineGrid } from '../ops/grid_sample';
export type { GridSampleOptions, GridSampleMode, GridSamplePaddingMode, AffineGridOptions } from '../ops/grid_sample';
export { ctcLoss } from '../ops/ctc';
export type { CtcLossOptions, CtcLengths } from '../ops/ctc';
