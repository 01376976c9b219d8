// A NaN that reaches the loss in the middle of a run: training stops naming the first layer that
// produced it and the last good snapshot, which stays intact and resumable.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "core/config.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "tests/solvers/training_fixture.hpp"
#include "tests/support/quiet_solver_options.hpp"

namespace visage {
namespace {

using testing::make_problem;
using testing::quiet_solver_options;
using testing::TempFolder;

TEST(NonFinite, MidRunNanKeepsTheLastGoodSnapshotIntact) {
  TempFolder folder;
  // Unshuffled batches of 4: row 5 of part0 is in the second batch, so iteration 0 is clean,
  // snapshots (snapshot: 1), and iteration 1 meets the NaN.
  const auto problem = make_problem(folder, "max_iter: 10\nsnapshot: 1\n", false);
  {
    std::vector<float> data(12 * 4, 1.0f);
    data[5 * 4 + 2] = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> label(12, 0.0f);
    hdf5::File file = hdf5::File::create(folder / "part0.h5");
    file.write("data", std::span<const float>(data), {12, 4});
    file.write("label", std::span<const float>(label), {12});
    file.close();
  }
  const auto param = load_solver_config(problem.solver);
  const SolverOptions options = quiet_solver_options(problem.solver);
  const std::string good = snapshot_path(folder / "snap/tiny", 1);
  {
    Context ctx = Context::cpu();
    Solver solver(param, ctx, options);
    try {
      solver.step(3);
      FAIL() << "expected the NaN to stop training";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("training stopped at iteration 1: the loss is nan"), std::string::npos)
          << message;
      EXPECT_NE(message.find("top 'data' of layer 'data' (HDF5Data)"), std::string::npos)
          << message;
      EXPECT_NE(message.find("the last good one is " + good), std::string::npos) << message;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(snapshot_path(folder / "snap/tiny", 2)));
  Context ctx = Context::cpu();
  Solver resumed(param, ctx, options);
  resumed.restore(good);
  EXPECT_EQ(resumed.iter(), 1);
}

}  // namespace
}  // namespace visage

namespace visage {
namespace {

// Passes its input through and back-propagates NaN: a finite loss with a poisoned gradient.
class PoisonGradientLayer : public Layer {
 public:
  using Layer::Layer;
  const char* type() const override { return "PoisonGradient"; }
  Arity bottom_arity() const override { return Arity::exactly(1); }
  Arity top_arity() const override { return Arity::exactly(1); }
  void reshape(Tensors bottom, Tensors top) override { top[0]->reshape_like(*bottom[0]); }

 protected:
  void forward_cpu(Context&, Tensors bottom, Tensors top) override {
    top[0]->copy_data_from(*bottom[0]);
  }
  void backward_cpu(Context&, Tensors, const std::vector<bool>&, Tensors bottom) override {
    std::ranges::fill(bottom[0]->mutable_diff(), std::numeric_limits<float>::quiet_NaN());
  }
#if VISAGE_WITH_CUDA
  void forward_gpu(Context&, Tensors, Tensors) override { fail_here("CPU-only test layer"); }
  void backward_gpu(Context&, Tensors, const std::vector<bool>&, Tensors) override {
    fail_here("CPU-only test layer");
  }
#endif
};

TEST(NonFinite, NanGradientWithFiniteLossNamesTheLayer) {
  TempFolder folder;
  const auto problem = make_problem(folder, "max_iter: 5\n");
  std::string net = read_file(problem.net);
  const auto loss = net.find(R"(layer { name: "loss")");
  net.insert(
      loss,
      "layer { name: \"poison\" type: \"PoisonGradient\" bottom: \"ip\" top: \"poisoned\" }\n");
  net.replace(net.find(R"(bottom: "ip" bottom: "label")"), 12, R"(bottom: "poisoned")");
  testing::write_text(problem.net, net);

  LayerRegistry registry = builtin_layers();
  registry.add<PoisonGradientLayer>("PoisonGradient");
  SolverOptions options = quiet_solver_options(problem.solver);
  options.registry = &registry;
  Context ctx = Context::cpu();
  Solver solver(load_solver_config(problem.solver), ctx, options);
  try {
    solver.step(1);
    FAIL() << "expected the NaN gradient to stop training";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("the gradient holds NaN or Inf while the loss is finite"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("input gradient of layer 'poison' (PoisonGradient)"), std::string::npos)
        << message;
  }
}

}  // namespace
}  // namespace visage
