#include <gtest/gtest.h>
#include "core/net.hpp"
TEST(Net, Builds) {
  auto ctx = visage::Context::cpu();
  auto cfg = visage::parse_net_config("name: 'n' layer { name: 'in' type: 'Input' top: 'x' input_param { shape { dim: 2 dim: 3 } } }");
  visage::Net net(cfg, {}, ctx);
  EXPECT_EQ(net.tensor("x")->count(), 6);
}
