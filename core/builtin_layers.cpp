// The one place that lists every layer Visage ships.
#include "core/registry.hpp"
#include "layers/input.hpp"
#include "layers/split.hpp"
#include "losses/triplet_loss.hpp"

namespace visage {
namespace {

LayerRegistry make_builtin_layers() {
  LayerRegistry r;
  r.add<InputLayer>("Input");
  r.add<SplitLayer>("Split");
  r.add<TripletLossLayer>("TripletLoss");
  return r;
}

}  // namespace

const LayerRegistry& builtin_layers() {
  static const LayerRegistry registry = make_builtin_layers();
  return registry;
}

}  // namespace visage
