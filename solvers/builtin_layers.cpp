#include "solvers/builtin_layers.hpp"

#include "layers/accuracy.hpp"
#include "layers/batch_norm.hpp"
#include "layers/bias.hpp"
#include "layers/concat.hpp"
#include "layers/convolution.hpp"
#include "layers/dropout.hpp"
#include "layers/eltwise.hpp"
#include "layers/face_data.hpp"
#include "layers/flatten.hpp"
#include "layers/hdf5_data.hpp"
#include "layers/image_data.hpp"
#include "layers/inner_product.hpp"
#include "layers/input.hpp"
#include "layers/l2_normalize.hpp"
#include "layers/locally_connected.hpp"
#include "layers/lrn.hpp"
#include "layers/maxout.hpp"
#include "layers/pooling.hpp"
#include "layers/prelu.hpp"
#include "layers/relu.hpp"
#include "layers/reshape.hpp"
#include "layers/scale.hpp"
#include "layers/softmax.hpp"
#include "layers/split.hpp"
#include "layers/synthetic_face_data.hpp"
#include "losses/center_loss.hpp"
#include "losses/contrastive_loss.hpp"
#include "losses/margin_softmax_loss.hpp"
#include "losses/softmax_with_loss.hpp"
#include "losses/triplet_loss.hpp"

namespace visage {
namespace {

LayerRegistry make_builtin_layers() {
  LayerRegistry r;
  r.add<AccuracyLayer>("Accuracy");
  r.add<BatchNormLayer>("BatchNorm");
  r.add<BiasLayer>("Bias");
  r.add<CenterLossLayer>("CenterLoss");
  r.add<ConcatLayer>("Concat");
  r.add<ContrastiveLossLayer>("ContrastiveLoss");
  r.add<ConvolutionLayer>("Convolution");
  r.add<DropoutLayer>("Dropout");
  r.add<EltwiseLayer>("Eltwise");
  r.add<FaceDataLayer>("FaceData");
  r.add<FlattenLayer>("Flatten");
  r.add<HDF5DataLayer>("HDF5Data");
  r.add<ImageDataLayer>("ImageData");
  r.add<InnerProductLayer>("InnerProduct");
  r.add<InputLayer>("Input");
  r.add<L2NormalizeLayer>("L2Normalize");
  r.add<LRNLayer>("LRN");
  r.add<LocallyConnectedLayer>("LocallyConnected");
  r.add<MarginSoftmaxLossLayer>("MarginSoftmaxLoss");
  r.add<MaxoutLayer>("Maxout");
  r.add<PReLULayer>("PReLU");
  r.add<PoolingLayer>("Pooling");
  r.add<ReLULayer>("ReLU");
  r.add<ReshapeLayer>("Reshape");
  r.add<ScaleLayer>("Scale");
  r.add<SoftmaxLayer>("Softmax");
  r.add<SoftmaxWithLossLayer>("SoftmaxWithLoss");
  r.add<SplitLayer>("Split");
  r.add<SyntheticFaceDataLayer>("SyntheticFaceData");
  r.add<TripletLossLayer>("TripletLoss");
  return r;
}

}  // namespace

const LayerRegistry& builtin_layers() {
  static const LayerRegistry registry = make_builtin_layers();
  return registry;
}

}  // namespace visage
