// native/core/ops.cc — the one definition of every OpTable, and the op listing.
#include "ops.h"

namespace tl {

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
    case DType::U8: return "uint8";
    case DType::I32: return "int32";
  }
  return "unknown";
}
const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

OpTable<CopyStridedFn> copy_strided_op("copy_strided");
OpTable<FillFn> fill_op("fill");
OpTable<BinaryFn> binary_op("binary");
OpTable<UnaryFn> unary_op("unary");
OpTable<UnaryBackwardFn> unary_backward_op("unary_backward");
OpTable<ReduceFn> reduce_op("reduce");
OpTable<MatmulFn> matmul_op("matmul");
OpTable<LinearFn> linear_forward_op("linear_forward");
OpTable<Conv2dForwardFn> conv2d_forward_op("conv2d_forward");
OpTable<Conv2dBackwardInputFn> conv2d_backward_input_op("conv2d_backward_input");
OpTable<Conv2dBackwardWeightFn> conv2d_backward_weight_op("conv2d_backward_weight");
OpTable<Conv3dForwardFn> conv3d_forward_op("conv3d_forward");
OpTable<Conv3dBackwardInputFn> conv3d_backward_input_op("conv3d_backward_input");
OpTable<Conv3dBackwardWeightFn> conv3d_backward_weight_op("conv3d_backward_weight");
OpTable<MaxPool2dForwardFn> max_pool2d_forward_op("max_pool2d_forward");
OpTable<MaxPool2dBackwardFn> max_pool2d_backward_op("max_pool2d_backward");
OpTable<ReluMaxPool2dForwardFn> relu_max_pool2d_forward_op("relu_max_pool2d_forward");
OpTable<ReluMaxPool2dBackwardFn> relu_max_pool2d_backward_op("relu_max_pool2d_backward");
OpTable<Conv2dReluMaxPool2dForwardFn> conv2d_relu_max_pool2d_forward_op("conv2d_relu_max_pool2d_forward");
OpTable<Conv2dReluMaxPool2dBackwardInputFn> conv2d_relu_max_pool2d_backward_input_op("conv2d_relu_max_pool2d_backward_input");
OpTable<Conv2dReluMaxPool2dBackwardWeightFn> conv2d_relu_max_pool2d_backward_weight_op("conv2d_relu_max_pool2d_backward_weight");
OpTable<AvgPool2dForwardFn> avg_pool2d_forward_op("avg_pool2d_forward");
OpTable<AvgPool2dBackwardFn> avg_pool2d_backward_op("avg_pool2d_backward");
OpTable<AdaptiveAvgPool2dForwardFn> adaptive_avg_pool2d_forward_op("adaptive_avg_pool2d_forward");
OpTable<AdaptiveAvgPool2dBackwardFn> adaptive_avg_pool2d_backward_op("adaptive_avg_pool2d_backward");
OpTable<AdaptiveMaxPool2dForwardFn> adaptive_max_pool2d_forward_op("adaptive_max_pool2d_forward");
OpTable<MaxUnpool2dForwardFn> max_unpool2d_forward_op("max_unpool2d_forward");
OpTable<MaxUnpool2dBackwardFn> max_unpool2d_backward_op("max_unpool2d_backward");
OpTable<RandomFn> random_op("random");
OpTable<SoftmaxFn> softmax_op("softmax");
OpTable<SoftmaxBackwardFn> softmax_backward_op("softmax_backward");
OpTable<NllFn> nll_forward_op("nll_forward");
OpTable<NllBackwardFn> nll_backward_op("nll_backward");
OpTable<AdamFn> adam_step_op("adam_step");
OpTable<SgdFn> sgd_step_op("sgd_step");

template <typename Fn>
static OpInfo info(const OpTable<Fn>& t) {
  return OpInfo{t.name, t.impl[0] != nullptr, t.impl[1] != nullptr};
}

std::vector<OpInfo> list_ops() {
  return {info(copy_strided_op), info(fill_op), info(binary_op), info(unary_op), info(unary_backward_op),
          info(reduce_op), info(matmul_op), info(linear_forward_op), info(conv2d_forward_op),
          info(conv2d_backward_input_op), info(conv2d_backward_weight_op), info(conv3d_forward_op),
          info(conv3d_backward_input_op), info(conv3d_backward_weight_op), info(max_pool2d_forward_op),
          info(max_pool2d_backward_op), info(relu_max_pool2d_forward_op), info(relu_max_pool2d_backward_op), info(conv2d_relu_max_pool2d_forward_op),
          info(conv2d_relu_max_pool2d_backward_input_op), info(conv2d_relu_max_pool2d_backward_weight_op), info(avg_pool2d_forward_op), info(avg_pool2d_backward_op),
          info(adaptive_avg_pool2d_forward_op), info(adaptive_avg_pool2d_backward_op),
          info(adaptive_max_pool2d_forward_op), info(max_unpool2d_forward_op), info(max_unpool2d_backward_op),
          info(random_op), info(softmax_op), info(softmax_backward_op),
          info(nll_forward_op), info(nll_backward_op), info(adam_step_op), info(sgd_step_op)};
}

}  // namespace tl
