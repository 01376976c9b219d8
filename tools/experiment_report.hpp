// An experiment's results as the table a reader compares with the paper: Markdown (the variants,
// the paper's column beside ours, the data, scale, machine and time, and whether the trends agree),
// CSV with every number, and an SVG/PNG plot of ours against the paper's.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tools/experiment_evaluation.hpp"
#include "tools/experiment_spec.hpp"

namespace visage::tools {

struct VariantOutcome {
  VariantPlan plan;
  Measurements measured;
  double training_seconds = 0.0;
};

struct ExperimentResults {
  std::vector<VariantOutcome> variants;
  double wall_seconds = 0.0;  // of this `visage experiment`, trainings that ran included
  std::string command;        // how to reproduce it
};

// "Intel(R) Xeon(R) Platinum 8480C, 2 cores": what the times were measured on.
std::string describe_machine();

// The leading number of a paper's entry ("86.8 +- 1.7" -> 86.8), NaN when there is none.
double paper_value(const std::string& entry);

// Writes <results>/<name>.md and .csv, and .svg and .png when the spec asks for a plot; returns the
// files written.
std::vector<std::filesystem::path> write_experiment_results(const ExperimentSpec& spec,
                                                            const ExperimentResults& results,
                                                            const std::filesystem::path& folder);

}  // namespace visage::tools
