// N-D tensor shapes and the axis arithmetic every layer needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace visage {

using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);

// The most elements a tensor may have: its bytes (data and gradient) must fit in size_t and in
// int64_t offsets with room to spare.
inline constexpr int64_t kMaxElements = int64_t{1} << 56;

// Product of dims in [begin, end); end < 0 means the last axis + 1. Throws when it exceeds
// kMaxElements.
int64_t shape_count(const Shape& shape, int begin = 0, int end = -1);

// Maps a possibly negative axis (-1 = last) into [0, num_axes); throws for out-of-range axes.
int canonical_axis(int axis, int num_axes);

}  // namespace visage
