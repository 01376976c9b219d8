#include "core/blas_threads.hpp"

#include <cblas.h>

#include <mutex>
#include <utility>
#include <vector>

namespace visage::cpu {
namespace {

struct ActiveScopes {
  std::mutex mutex;
  // In the order they began, each with the count it asked for.
  std::vector<std::pair<const BlasThreadsDuring*, int>> scopes;
  // The count before the first of them began.
  int before = 0;
};

ActiveScopes& active_scopes() {
  static ActiveScopes active;
  return active;
}

// Setting the count takes OpenBLAS's lock and may start threads: done only when it changes.
void set_count(int threads) {
  if (openblas_get_num_threads() != threads) openblas_set_num_threads(threads);
}

}  // namespace

BlasThreadsDuring::BlasThreadsDuring(int threads) : active_(threads > 0) {
  if (!active_) return;
  ActiveScopes& active = active_scopes();
  const std::lock_guard lock(active.mutex);
  if (active.scopes.empty()) active.before = openblas_get_num_threads();
  active.scopes.emplace_back(this, threads);
  set_count(threads);
}

BlasThreadsDuring::~BlasThreadsDuring() {
  if (!active_) return;
  ActiveScopes& active = active_scopes();
  const std::lock_guard lock(active.mutex);
  std::erase_if(active.scopes, [this](const auto& scope) { return scope.first == this; });
  set_count(active.scopes.empty() ? active.before : active.scopes.back().second);
}

}  // namespace visage::cpu
