// Maps a layer type name ("InnerProduct") to a factory. Registration is explicit: the registry of
// every built-in layer is filled in one place (solvers/builtin_layers.cpp), so static linking
// needs no whole-archive tricks and the set of layers is visible at a glance.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/layer.hpp"

namespace visage {

class LayerRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Layer>(const proto::LayerParameter&)>;

  void add(const std::string& type, Factory factory);
  template <typename L>
  void add(const std::string& type) {
    add(type, [](const proto::LayerParameter& p) { return std::make_unique<L>(p); });
  }

  bool contains(const std::string& type) const { return factories_.count(type) != 0; }
  // Throws naming the unknown type and the closest known ones.
  std::unique_ptr<Layer> create(const proto::LayerParameter& param) const;
  std::vector<std::string> types() const;

 private:
  std::map<std::string, Factory> factories_;
};

}  // namespace visage
