// OpenBLAS's thread count for one scope. The count is process-wide, but the scopes that want one
// are not: a Python net forwarding with its own `threads`, and, inside any forward, the sliced
// layers (layers/sliced_parallel.hpp), which want 1 while their own workers run. Scopes overlap
// across threads and end in any order, so one that restored what it saw on entry could leave the
// process at another scope's count for good. Instead the active scopes are kept in one list: the
// latest begun still active sets the count, and when the last one ends the count goes back to what
// it was before the first began.
#pragma once

namespace visage::cpu {

class BlasThreadsDuring {
 public:
  // threads <= 0: this scope asks for no count (it changes nothing).
  explicit BlasThreadsDuring(int threads);
  ~BlasThreadsDuring();
  BlasThreadsDuring(const BlasThreadsDuring&) = delete;
  BlasThreadsDuring& operator=(const BlasThreadsDuring&) = delete;

 private:
  bool active_;
};

}  // namespace visage::cpu
