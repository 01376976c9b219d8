// Times TripletLoss on the CPU for FaceNet's batch: 1,800 L2-normalised 128-d embeddings, 45
// identities x 40 faces. Prints ms per batch for the distance GEMM, the mining alone, the layer's
// whole forward (both) and its backward. Not a test: timings depend on the machine.
//   usage: triplet_mining_bench [SEMI_HARD|HARD|ALL] [repeats]
#include <google/protobuf/text_format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "losses/triplet_loss.hpp"
#include "losses/triplet_mining.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Wall time and process CPU time (all threads) per call, in ms. CPU time is the steadier figure
// on a loaded machine.
struct Timing {
  double wall_ms;
  double cpu_ms;
};

template <typename Fn>
Timing ms_per_call(int repeats, Fn&& fn) {
  fn();  // warm-up: allocation, BLAS thread start
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (int r = 0; r < repeats; ++r) fn();
  const double cpu = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double wall = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return {wall / repeats, cpu / repeats};
}

void report(const char* what, Timing t) {
  std::printf("  %-24s %9.2f ms wall %9.2f ms cpu\n", what, t.wall_ms, t.cpu_ms);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace visage;
  const std::string mining = argc > 1 ? argv[1] : "SEMI_HARD";
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 10;
  constexpr int kIdentities = 45;
  constexpr int kFaces = 40;
  constexpr int kDim = 128;
  constexpr int kBatch = kIdentities * kFaces;

  Tensor embeddings({kBatch, kDim});
  Tensor labels({kBatch});
  Rng rng(7);
  auto x = embeddings.mutable_data();
  for (int i = 0; i < kBatch; ++i) {
    double norm = 0;
    for (int c = 0; c < kDim; ++c) {
      x[i * kDim + c] = rng.gaussian(0.0f, 1.0f);
      norm += double{x[i * kDim + c]} * x[i * kDim + c];
    }
    for (int c = 0; c < kDim; ++c) x[i * kDim + c] /= static_cast<float>(std::sqrt(norm));
    labels.mutable_data()[i] = static_cast<float>(i / kFaces);
  }

  proto::LayerParameter param;
  google::protobuf::TextFormat::ParseFromString(
      "name: 'triplet' type: 'TripletLoss' triplet_loss_param { mining: " + mining + " }", &param);
  TripletLossLayer layer(param);
  Tensor loss;
  Tensor stats;
  Tensor* bottom[] = {&embeddings, &labels};
  Tensor* top[] = {&loss, &stats};
  Context ctx = Context::cpu();
  layer.setup(ctx, bottom, top);

  std::vector<float> dist(kBatch * kBatch);
  std::vector<float> squared_norms(kBatch);
  std::vector<float> coefficients(kBatch * kBatch);
  std::vector<triplet::Triplet> mined;
  const Timing gemm = ms_per_call(repeats, [&] {
    triplet::pairwise_distances(embeddings.data(), kBatch, kDim,
                                proto::TripletLossParameter::SQUARED_L2, dist, squared_norms);
  });
  const Timing mining_time = ms_per_call(repeats, [&] {
    mined.clear();
    triplet::mine(dist, labels.data(), kBatch, param.triplet_loss_param().margin(),
                  param.triplet_loss_param().mining(), coefficients, mined);
  });
  const Timing forward = ms_per_call(repeats, [&] { layer.forward(ctx, bottom, top); });
  loss.mutable_diff()[0] = 1.0f;
  const Timing backward = ms_per_call(repeats, [&] {
    layer.backward(ctx, top, {true, false}, bottom);
  });

  std::printf("TripletLoss %s, batch %d x %d (%d identities x %d faces), %d repeats\n",
              mining.c_str(), kBatch, kDim, kIdentities, kFaces, repeats);
  report("distance matrix (GEMM)", gemm);
  report("mining", mining_time);
  report("forward (both + loss)", forward);
  report("backward", backward);
  std::printf("  loss %.4f, active triplets %.0f of %.0f pairs\n", loss.data()[0],
              stats.data()[triplet::kActive], stats.data()[triplet::kPairs]);
  return 0;
}
