// Sums of float arrays accumulated in double, in kLanes interleaved partial sums that are combined
// in one fixed order. A single running sum is a chain of dependent additions, one per element,
// that the compiler may not reorder; independent lanes vectorise and pipeline (about 8x faster on
// BatchNorm's statistics). The result depends only on the values and how they are split into
// calls of `add`, never on the machine or its vector width, so it is the same on every run.
#pragma once

#include <array>
#include <cstdint>

namespace visage::cpu {

class LaneSums {
 public:
  static constexpr int kLanes = 8;

  // Adds x[0..n).
  void add(const float* x, int64_t n) {
    accumulate(n, [x](int64_t i) { return double{x[i]}; });
  }
  // Adds x[i] * y[i]; the product of two floats is exact in double.
  void add_products(const float* x, const float* y, int64_t n) {
    accumulate(n, [x, y](int64_t i) { return double{x[i]} * double{y[i]}; });
  }
  // Adds (x[i] - centre)^2.
  void add_squared_deviations(const float* x, double centre, int64_t n) {
    accumulate(n, [x, centre](int64_t i) {
      const double deviation = double{x[i]} - centre;
      return deviation * deviation;
    });
  }

  double total() const {
    return ((lanes_[0] + lanes_[1]) + (lanes_[2] + lanes_[3])) +
           ((lanes_[4] + lanes_[5]) + (lanes_[6] + lanes_[7]));
  }

 private:
  template <typename Term>
  void accumulate(int64_t n, Term term) {
    std::array<double, kLanes> lanes = lanes_;
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (int lane = 0; lane < kLanes; ++lane) lanes[lane] += term(i + lane);
    }
    for (int lane = 0; i < n; ++i, ++lane) lanes[lane] += term(i);
    lanes_ = lanes;
  }

  std::array<double, kLanes> lanes_{};
};

}  // namespace visage::cpu
