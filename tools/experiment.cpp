// `visage experiment`: reproduces a paper's ablation table from a spec in experiments/. Every
// variant is trained (unless its final weights exist; interrupted runs resume), evaluated, and
// the table is written beside the paper's numbers (tools/experiment_*.cpp, docs/experiments.md).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "tools/command.hpp"
#include "tools/experiment_evaluation.hpp"
#include "tools/experiment_report.hpp"
#include "tools/experiment_spec.hpp"
#include "tools/experiment_training.hpp"
#include "tools/options.hpp"

namespace visage::tools {
namespace {

namespace fs = std::filesystem;

struct PlannedExperiment {
  ExperimentSpec spec;
  std::vector<VariantPlan> plans;
};

std::vector<TrainingRun> training_runs(const PlannedExperiment& experiment) {
  std::vector<TrainingRun> runs;
  for (const auto& plan : experiment.plans) {
    if (plan.is_ensemble()) continue;
    runs.push_back(
        {concat(experiment.spec.param.name(), "/", plan.variant.name()), plan.run_id, plan.solver});
  }
  return runs;
}

std::string members_text(const VariantPlan& plan) {
  std::string text;
  for (const auto& member : plan.variant.ensemble()) text += (text.empty() ? "" : ", ") + member;
  return text;
}

void print_plan(const PlannedExperiment& experiment, const fs::path& runs) {
  const auto& spec = experiment.spec;
  std::cout << spec.param.name() << " (" << spec.file.string() << ", scale " << spec.scale.name()
            << "): " << spec.param.title() << "\n";
  for (const auto& plan : experiment.plans) {
    if (plan.is_ensemble()) {
      std::cout << "  " << plan.variant.name() << ": ensemble of " << members_text(plan) << "\n";
      continue;
    }
    std::error_code ec;
    const bool trained = fs::exists(final_weights(runs, plan.run_id, plan.solver.max_iter()), ec);
    std::cout << "  " << plan.variant.name() << ": run " << plan.run_id << ", "
              << describe_budget(plan.solver) << ", " << (trained ? "trained" : "to train") << "\n";
  }
}

}  // namespace

int run_experiment(Args args) {
  Options options(
      "experiment",
      "Reproduces a paper's ablation table from a spec (experiments/<name>.prototxt, format in "
      "docs/experiments.md): trains every variant whose final weights do not exist yet (an "
      "interrupted training resumes from its latest snapshot; variants that train the same "
      "solver, in any table, share one run), evaluates each, and writes <results>/<name>.md and "
      ".csv with the paper's numbers beside ours, and .svg/.png when the spec asks for a plot. "
      "Several specs share one pool of trainings.");
  options.positionals("SPEC.prototxt", "experiment specs")
      .value("scale", "NAME", "which of the specs' scales to run: full, or smoke (seconds, for CI)",
             "full")
      .value("jobs", "N",
             "trainings at once, each its own process with cores/N BLAS threads and its output "
             "in its run folder's train.out",
             "1")
      .value("runs", "DIR",
             "run folders (snapshots, logs) and held-out images (default: runs/ beside the spec)")
      .value("results", "DIR",
             "where the tables go (default: results/ beside the spec, results/<scale>/ for a "
             "scale other than full)")
      .value("device", "WHERE", "where to train and evaluate: auto, cpu, gpu or gpu:N", "auto")
      .value("conv-algorithms", "HOW", kConvolutionAlgorithmsHelp, "reproducible")
      .flag("plan", "print the variants, their run ids and whether each is trained; do nothing");
  if (!options.parse(args)) return 0;
  const int jobs = options.get_int("jobs");
  VISAGE_CHECK(jobs >= 1, "--jobs must be >= 1, not ", jobs);
  parse_convolution_algorithms(options.get("conv-algorithms"));  // checked before any training
  const std::string scale = options.get("scale");

  std::vector<PlannedExperiment> experiments;
  for (const std::string& file : options.positional_values()) {
    PlannedExperiment experiment{load_experiment(file, scale), {}};
    experiment.plans = plan_variants(experiment.spec);
    // Trainings under `--conv-algorithms fastest` round otherwise: they keep runs of their own,
    // so that neither setting's tables ever reuse the other's weights.
    if (options.get("conv-algorithms") == "fastest") {
      for (auto& plan : experiment.plans) {
        if (!plan.is_ensemble()) plan.run_id += "-fastest";
      }
    }
    experiments.push_back(std::move(experiment));
  }
  const auto runs_of = [&](const ExperimentSpec& spec) {
    // One spelling per folder, so that specs sharing it share one pool of trainings.
    return fs::weakly_canonical(options.has("runs") ? fs::path(options.get("runs"))
                                                    : spec.file.parent_path() / "runs");
  };
  const auto results_of = [&](const ExperimentSpec& spec) {
    if (options.has("results")) return fs::path(options.get("results"));
    const fs::path results = spec.file.parent_path() / "results";
    return scale == "full" ? results : results / scale;
  };
  if (options.get_flag("plan")) {
    for (const auto& experiment : experiments) print_plan(experiment, runs_of(experiment.spec));
    return 0;
  }

  const auto start = std::chrono::steady_clock::now();
  // Trainings of all specs at once, grouped by runs folder (one, unless specs live apart).
  std::map<fs::path, std::vector<TrainingRun>> by_folder;
  for (const auto& experiment : experiments) {
    for (auto& run : training_runs(experiment)) {
      by_folder[runs_of(experiment.spec)].push_back(std::move(run));
    }
  }
  for (const auto& [folder, runs] : by_folder) {
    TrainingOptions training;
    training.runs = folder;
    // This very executable (not the file it was started from, which a rebuild may replace).
    training.visage = "/proc/self/exe";
    training.device = options.get("device");
    training.conv_algorithms = options.get("conv-algorithms");
    training.jobs = jobs;
    if (const int signal = train_runs(runs, training); signal != 0) return 128 + signal;
  }

  for (const auto& experiment : experiments) {
    const ExperimentSpec& spec = experiment.spec;
    const fs::path runs = runs_of(spec);
    const fs::path heldout = spec.needs_heldout ? prepare_heldout(spec.heldout, runs) : fs::path();
    ExperimentResults results;
    results.command = concat("visage experiment ", spec.file.string(),
                             scale == "full" ? std::string() : concat(" --scale ", scale));
    std::map<std::string, VariantEvaluation> evaluated;
    for (const auto& plan : experiment.plans) {
      std::cout << "experiment: evaluating " << spec.param.name() << "/" << plan.variant.name()
                << std::endl;
      if (plan.is_ensemble()) {
        std::vector<std::vector<eval::ScoredPair>> members;
        std::set<std::string> member_runs;
        double seconds = 0.0;
        for (const auto& member : plan.variant.ensemble()) {
          members.push_back(evaluated.at(member).scored);
          const auto& member_plan =
              *std::find_if(experiment.plans.begin(), experiment.plans.end(),
                            [&](const VariantPlan& p) { return p.variant.name() == member; });
          if (member_runs.insert(member_plan.run_id).second) {
            seconds += training_seconds(runs, member_plan.run_id);
          }
        }
        results.variants.push_back(
            {plan, measure_verification(spec.heldout, eval::sum_distances(members)), seconds});
        continue;
      }
      VariantEvaluation evaluation =
          evaluate_variant(spec, plan, final_weights(runs, plan.run_id, plan.solver.max_iter()),
                           heldout, options.get("device"));
      results.variants.push_back({plan, evaluation.measured, training_seconds(runs, plan.run_id)});
      evaluated[plan.variant.name()] = std::move(evaluation);
    }
    results.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const auto& file : write_experiment_results(spec, results, results_of(spec))) {
      std::cout << "experiment: wrote " << file.string() << "\n";
    }
  }
  return 0;
}

}  // namespace visage::tools
