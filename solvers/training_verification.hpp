// Face verification during training (a SolverParameter's verification_test): the pairs' images are
// embedded by a net that uses the train net's parameters themselves (shared by layer name, as
// Caffe's test nets share them: nothing is copied), and the protocol of `visage verify` runs on the
// embeddings. Everything that can be checked is checked when the solver starts (a pairs file
// naming a missing image fails then, naming the file and line), the net is built once, and the
// prepared images are kept in memory within a budget, since the same pairs are embedded at every
// test.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/net.hpp"
#include "core/registry.hpp"
#include "datasets/image.hpp"
#include "datasets/pairs.hpp"
#include "eval/embedding_extractor.hpp"
#include "eval/verification.hpp"
#include "solvers/progress.hpp"

namespace visage {

class TrainingVerification {
 public:
  // `resolve` turns a path in the solver file into one to open. Leaves ctx.rng() as it found it,
  // so adding a verification test does not change the training run.
  TrainingVerification(const proto::VerificationTest& param, Net& train_net, Context& ctx,
                       const LayerRegistry& registry,
                       const std::function<std::string(const std::string&)>& resolve);
  TrainingVerification(const TrainingVerification&) = delete;
  TrainingVerification& operator=(const TrainingVerification&) = delete;

  const std::string& name() const { return param_.name(); }
  // What was set up, for the start of the run.
  std::string describe() const;
  // Embeds the images with the train net's current parameters and evaluates the pairs.
  VerificationProgress run(Context& ctx);

 private:
  // Fills names_ and files_, failing on the first pair (in file order) whose image is missing.
  void find_images(const std::string& images);
  void build_net(Net& train_net, Context& ctx, const LayerRegistry& registry,
                 const std::function<std::string(const std::string&)>& resolve);
  void fill_cache();
  data::FloatImage prepared(size_t index) const;

  proto::VerificationTest param_;
  data::PairsProtocol pairs_;
  std::optional<data::PairsProtocol> threshold_pairs_;
  eval::Distance metric_ = eval::Distance::kSquaredL2;
  eval::VerificationOptions options_;
  std::vector<std::string> names_;            // distinct images of both pairs files, sorted
  std::vector<std::filesystem::path> files_;  // names_[i]'s file
  std::unique_ptr<Net> net_;
  std::unique_ptr<eval::EmbeddingExtractor> extractor_;
  std::string net_description_;
  int decode_channels_ = 0;  // 0: as the file holds them
  std::function<data::FloatImage(const data::Image&)> prepare_;
  std::vector<data::FloatImage> cache_;  // names_[0 .. cache_.size()) prepared
};

}  // namespace visage
