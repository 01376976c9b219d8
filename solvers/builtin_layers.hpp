// Every layer Visage ships, in one registry: what the Solver and the tools build nets from. It
// lives on the solvers floor because it names every layer and loss; core's Net takes a registry
// and knows none of them.
#pragma once

#include "core/registry.hpp"

namespace visage {

// Built once, immutable afterwards.
const LayerRegistry& builtin_layers();

}  // namespace visage
