// An experiment spec (experiments/<name>.prototxt, proto::Experiment) read and checked, and each
// of its variants made concrete at one scale: the solver with its train net inline, the deploy
// net, and a run id hashed from the solver alone, so that variants of any table that train the
// same thing (the clean-image model behind both halves of FaceNet's Table 4, say) share one run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "proto/visage.pb.h"
#include "synthetic/dataset.hpp"

namespace visage::tools {

struct ExperimentSpec {
  proto::Experiment param;
  std::filesystem::path file;  // relative paths in the spec are resolved beside it
  proto::ExperimentScale scale;
  proto::ExperimentHeldout heldout;  // the scale's when it has one, else the spec's
  bool needs_heldout = false;        // some metric is measured on held-out identities
  bool needs_classification = false;
};

// Reads and checks the spec and picks the scale by name. Errors name the file and what to fix.
ExperimentSpec load_experiment(const std::filesystem::path& file, const std::string& scale);

struct VariantPlan {
  proto::ExperimentVariant variant;
  // What `visage train` runs: the train net inline, no test nets (the runner evaluates after),
  // the scale's overrides applied; snapshot_prefix is left for the runner to place.
  proto::SolverParameter solver;
  proto::NetParameter deploy;  // empty unless the spec measures on held-out identities
  std::string run_id;          // 16 hex digits of a hash of `solver`; empty for an ensemble

  // Sums its members' distances instead of training a network (solver and deploy stay empty).
  bool is_ensemble() const { return variant.ensemble_size() > 0; }
};

// Every variant, in the spec's order.
std::vector<VariantPlan> plan_variants(const ExperimentSpec& spec);

// The synthetic identities and pairs `heldout` describes, as `visage synth` would write them.
synthetic::SyntheticDatasetSpec heldout_dataset(const proto::ExperimentHeldout& heldout);

// "trained for 3000 iterations of 64 images": the training budget in words, for the tables.
std::string describe_budget(const proto::SolverParameter& solver);

}  // namespace visage::tools
