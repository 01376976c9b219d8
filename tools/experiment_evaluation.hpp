// Measuring a trained variant of an experiment: verification on synthetic held-out identities
// (accuracy over cross-validated folds, VAL at a FAR over splits of the folds, AUC) through its
// deploy net, and classification error of its train net's TEST phase on held-out images.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "eval/scoring.hpp"
#include "proto/visage.pb.h"
#include "tools/experiment_spec.hpp"

namespace visage::tools {

// A number of a table, in percent.
struct Measurement {
  double value = 0.0;
  std::optional<double> standard_error;
  std::string note;  // a caveat on how it was read, empty when none
};

using Measurements = std::map<proto::ExperimentMetric, Measurement>;

// The held-out identities `visage synth` would write for `heldout`, under runs/heldout-<hash>;
// written once (into a temporary folder renamed when complete), then reused.
std::filesystem::path prepare_heldout(const proto::ExperimentHeldout& heldout,
                                      const std::filesystem::path& runs);

struct VariantEvaluation {
  Measurements measured;
  std::vector<eval::ScoredPair> scored;  // the held-out pairs' distances, for ensembles
};

// Every metric of the spec for one variant's weights.
VariantEvaluation evaluate_variant(const ExperimentSpec& spec, const VariantPlan& plan,
                                   const std::filesystem::path& weights,
                                   const std::filesystem::path& heldout_folder,
                                   const std::string& device);

// The verification metrics of held-out pairs already scored (an ensemble's summed distances).
Measurements measure_verification(const proto::ExperimentHeldout& heldout,
                                  std::span<const eval::ScoredPair> scored);

std::string metric_heading(proto::ExperimentMetric metric, const proto::ExperimentHeldout& heldout);
bool higher_is_better(proto::ExperimentMetric metric);

}  // namespace visage::tools
