// The training loop (Caffe's Solver as a template method): builds the train net, the test nets and
// the verification tests from a SolverParameter, then per iteration runs forward/backward iter_size
// times, checks the loss, displays progress, asks the update rule for one fused parameter step,
// tests and snapshots at their intervals, and stops early when asked to (a signal). Resuming from a
// snapshot restores everything the next iterations depend on, so a resumed run is bit-identical to
// an uninterrupted one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/context.hpp"
#include "core/net.hpp"
#include "core/registry.hpp"
#include "solvers/builtin_layers.hpp"
#include "solvers/loss_window.hpp"
#include "solvers/lr_policy.hpp"
#include "solvers/progress.hpp"
#include "solvers/training_verification.hpp"
#include "solvers/update_rule.hpp"

namespace visage {

struct SolverOptions {
  // The solver file; its folder resolves relative net paths and snapshot_prefix. Empty: the
  // current folder.
  std::string solver_path;
  // Overrides SolverParameter.progress_log; "-" disables the JSON log.
  std::string progress_log;
  // Human-readable progress; null for silence.
  std::ostream* out = &std::cout;
  // Polled once per iteration; true finishes the iteration, snapshots and returns.
  std::function<bool()> stop_requested;
  const LayerRegistry* registry = &builtin_layers();
};

enum class SolveOutcome { finished, stopped };

// Runs `iterations` forward passes and averages every output of the net, element by element
// (outputs with several elements are reported as name[j]). Used by testing during training and by
// `visage test`.
TestResult average_outputs(Net& net, Context& ctx, int iterations);

class Solver {
 public:
  // Seeds ctx.rng() from random_seed (or the clock, logged) before building the nets.
  Solver(const proto::SolverParameter& param, Context& ctx, SolverOptions options = {});
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  // Trains to max_iter (snapshotting afterwards when snapshot_after_train) or until a stop is
  // requested (snapshotting then too).
  SolveOutcome solve();
  // Runs up to `iterations` iterations without the final snapshot (returns early on a stop
  // request).
  void step(int64_t iterations);
  // Writes <snapshot_prefix>_iter_<iter>.h5 atomically and returns its path.
  std::string snapshot();
  // Continues from a snapshot written by snapshot().
  void restore(const std::string& path);
  // Runs the test nets and the verification tests, logging their results.
  std::vector<TestResult> test_all();
  // Runs the verification tests alone, logging their results.
  std::vector<VerificationProgress> verify_all();

  Net& net() { return *net_; }
  const std::vector<std::unique_ptr<Net>>& test_nets() const { return test_nets_; }
  const std::vector<std::unique_ptr<TrainingVerification>>& verifications() const {
    return verifications_;
  }
  UpdateRule& update_rule() { return *rule_; }
  const proto::SolverParameter& param() const { return param_; }
  int64_t iter() const { return iter_; }
  double smoothed_loss() const { return losses_.mean(); }
  const std::string& last_snapshot() const { return last_snapshot_; }
  const std::string& snapshot_prefix() const { return snapshot_prefix_; }
  uint64_t seed() const { return seed_; }
  // Opened on first use so that a resumed run appends to its log and a fresh run starts anew.
  ProgressLog& progress();

 private:
  using Clock = std::chrono::steady_clock;

  void build_nets();
  void build_verifications();
  // Data parallelism (core/communicator.hpp); all no-ops in a single-process run.
  bool is_lead_rank() const;
  bool distributed() const;
  template <typename T>
  void broadcast_value(T& value);
  void broadcast_tensor(Tensor& tensor);
  void synchronize_ranks();
  // The gradient summed over the ranks after the backward pass, or in buckets during it
  // (forward_backward_reducing, where overlaps_reduction()); the loss averaged.
  void reduce_gradient_over_ranks();
  float mean_over_ranks(float loss);
  bool overlaps_reduction() const;
  float forward_backward_reducing();
  // Snapshot housekeeping: the folder is checked when the solver is made (a snapshot must never
  // fail for a reason known at the start), temporaries left by a killed run are removed when
  // training starts, and snapshot_keep prunes old snapshots after each new one.
  std::string snapshot_folder() const;
  void check_snapshot_folder() const;
  void remove_stale_temporaries();
  void prune_old_snapshots();
  bool has_tests() const { return !test_nets_.empty() || !verifications_.empty(); }
  std::string resolve(const std::string& path) const;
  void apply_update(float gradient_squares);
  float gradient_scale(float sum_of_squares);
  void display(double rate);
  // Non-loss outputs of the train net, for the progress line.
  std::vector<std::pair<std::string, double>> monitored_outputs();
  [[noreturn]] void fail_non_finite(float loss);
  [[noreturn]] void fail_non_finite_gradient();
  bool stop_requested() const { return options_.stop_requested && options_.stop_requested(); }

  proto::SolverParameter param_;
  Context& ctx_;
  SolverOptions options_;
  uint64_t seed_ = 0;
  double reduce_seconds_ = 0;  // spent in the gradient all-reduce since the last display
  std::string snapshot_prefix_;
  std::unique_ptr<Net> net_;
  std::vector<std::unique_ptr<Net>> test_nets_;
  std::vector<std::unique_ptr<TrainingVerification>> verifications_;
  LrPolicy policy_;
  std::unique_ptr<UpdateRule> rule_;
  LossWindow losses_;
  std::unique_ptr<ProgressLog> progress_;
  Regularization regularization_ = Regularization::l2;
  int64_t iter_ = 0;
  bool stopped_ = false;
  std::string last_snapshot_;
  int64_t last_snapshot_iter_ = -1;
  Clock::time_point start_time_;
  Clock::time_point last_display_time_;
  int64_t last_display_iter_ = 0;
  // Where the GPU's dot product leaves the gradient's sum of squares, kept across iterations so
  // that its pinned host mirror is allocated once, not every step.
  Tensor gradient_squares_{Shape{1}};
};

}  // namespace visage
