// The smoothed training loss shown in progress lines: the mean of the last `average_loss`
// iterations (Caffe's average_loss). A ring buffer whose contents and position are snapshotted, so
// a resumed run displays exactly what the uninterrupted one would.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

#include "core/error.hpp"

namespace visage {

class LossWindow {
 public:
  explicit LossWindow(int size) : size_(size < 1 ? 1 : size) {}

  void add(float loss) {
    if (static_cast<int>(values_.size()) < size_) {
      values_.push_back(loss);
    } else {
      values_[next_] = loss;
    }
    next_ = (next_ + 1) % size_;
  }
  // Summed afresh each time (the window is small) so no rounding drift accumulates.
  double mean() const {
    if (values_.empty()) return 0.0;
    return std::accumulate(values_.begin(), values_.end(), 0.0) /
           static_cast<double>(values_.size());
  }

  const std::vector<float>& values() const { return values_; }
  int next() const { return next_; }
  int size() const { return size_; }
  void restore(std::vector<float> values, int next) {
    VISAGE_CHECK(static_cast<int>(values.size()) <= size_ && next >= 0 && next < size_,
                 "smoothed-loss window of ", values.size(), " values (next ", next,
                 ") does not fit average_loss ", size_);
    values_ = std::move(values);
    next_ = next;
  }

 private:
  int size_;
  int next_ = 0;
  std::vector<float> values_;
};

}  // namespace visage
