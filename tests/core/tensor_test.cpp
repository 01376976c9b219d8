#include "core/tensor.hpp"

#include <gtest/gtest.h>

#include "core/context.hpp"
#include "core/error.hpp"

namespace visage {
namespace {

TEST(Tensor, ShapeCountsAndAxes) {
  Tensor t({2, 3, 4, 5});
  EXPECT_EQ(t.count(), 120);
  EXPECT_EQ(t.count(1), 60);
  EXPECT_EQ(t.count(1, 3), 12);
  EXPECT_EQ(t.dim(-1), 5);
  EXPECT_EQ(t.shape_string(), "(2 x 3 x 4 x 5)");
  EXPECT_THROW(t.dim(4), Error);
  EXPECT_THROW(t.reshape({2, -1}), Error);
}

TEST(Tensor, StartsZeroAndKeepsValuesWhenShrinking) {
  Tensor t({4});
  for (float v : t.data()) EXPECT_EQ(v, 0.0f);
  auto d = t.mutable_data();
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<float>(i + 1);
  t.reshape({2});
  EXPECT_EQ(t.data()[1], 2.0f);
  t.reshape({4});  // within capacity: same buffer
  EXPECT_EQ(t.data()[3], 4.0f);
}

TEST(Tensor, ViewsIntoOneBufferAndSharing) {
  auto data = std::make_shared<Storage>(10 * sizeof(float));
  auto diff = std::make_shared<Storage>(10 * sizeof(float));
  Tensor a({4});
  Tensor b({6});
  a.bind(data, diff, 0);
  b.bind(data, diff, 4);
  std::ranges::fill(b.mutable_data(), 7.0f);
  a.mutable_data()[3] = 1.0f;
  const auto* all = static_cast<const float*>(data->host());
  EXPECT_EQ(all[3], 1.0f);
  EXPECT_EQ(all[4], 7.0f);
  EXPECT_EQ(all[9], 7.0f);
  EXPECT_THROW(b.reshape({7}), Error);  // a view cannot grow

  Context ctx = Context::cpu();
  b.mutable_diff()[0] = 3.0f;
  a.mutable_diff()[0] = 5.0f;
  b.zero_diff(ctx);  // zeroes only its own slice
  EXPECT_EQ(a.diff()[0], 5.0f);
  EXPECT_EQ(b.diff()[0], 0.0f);

  Tensor c({6});
  c.share_data(b);
  EXPECT_EQ(c.data()[5], 7.0f);
}

TEST(Context, GpuRequestWithoutGpuIsAClearError) {
  if (device::count() > 0) GTEST_SKIP() << "a GPU is present";
  try {
    Context::gpu(0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CPU"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace visage
