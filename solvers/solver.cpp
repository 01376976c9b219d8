#include "solvers/solver.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>

#include "core/error.hpp"
#include "core/hdf5_atomic.hpp"
#include "core/math.hpp"
#include "solvers/gradient_norm.hpp"
#include "solvers/snapshot.hpp"

namespace visage {
namespace {

namespace fs = std::filesystem;

uint64_t choose_seed(int64_t configured) {
  if (configured >= 0) return static_cast<uint64_t>(configured);
  return static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
}

NetOptions net_options(proto::Phase phase, const proto::NetState* state) {
  NetOptions options;
  options.phase = phase;
  if (state != nullptr) {
    options.level = state->level();
    options.stages.assign(state->stage().begin(), state->stage().end());
  }
  return options;
}

Regularization regularization_of(const std::string& type) {
  if (type == "L2") return Regularization::l2;
  if (type == "L1") return Regularization::l1;
  fail("solver: unknown regularization_type '", type, "' (L2 or L1)");
}

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

Solver::Solver(const proto::SolverParameter& param, Context& ctx, SolverOptions options)
    : param_(param),
      ctx_(ctx),
      options_(std::move(options)),
      seed_(choose_seed(param.random_seed())),
      policy_(param),
      losses_(param.average_loss()),
      regularization_(regularization_of(param.regularization_type())) {
  VISAGE_CHECK(param_.max_iter() >= 0, "solver: max_iter must be >= 0");
  VISAGE_CHECK(param_.iter_size() >= 1, "solver: iter_size must be >= 1, got ", param_.iter_size());
  VISAGE_CHECK(param_.average_loss() >= 1, "solver: average_loss must be >= 1");
  if (!is_lead_rank()) {
    // Rank 0 speaks and writes for the run; the others train silently.
    options_.out = nullptr;
    options_.progress_log = "-";
  }
  // Every rank draws from rank 0's seed: the same initial weights and the same global batches.
  broadcast_value(seed_);
  ctx_.rng() = Rng(seed_);
  if (param_.random_seed() < 0 && options_.out != nullptr) {
    *options_.out << "random_seed not set: seeding from the clock with " << seed_
                  << " (set random_seed to reproduce this run)" << std::endl;
  }
  const fs::path solver_path(options_.solver_path);
  const std::string stem = solver_path.empty() ? "visage" : solver_path.stem().string();
  snapshot_prefix_ = resolve(param_.snapshot_prefix().empty() ? stem : param_.snapshot_prefix());
  VISAGE_CHECK(param_.snapshot_format() == proto::SolverParameter::HDF5, options_.solver_path,
               ": snapshot_format: BINARYPROTO is not written by Visage, whose snapshots are HDF5 "
               "(weights in Caffe's HDF5 layout); remove the line or set snapshot_format: HDF5");
  if (is_lead_rank()) check_snapshot_folder();
  build_nets();
  build_verifications();
  rule_ = make_update_rule(param_, net_->learnable_params(), net_->num_param_elements());
}

std::string Solver::resolve(const std::string& path) const {
  const fs::path p(path);
  if (p.is_absolute() || options_.solver_path.empty()) return path;
  const fs::path beside = fs::path(options_.solver_path).parent_path() / p;
  // Caffe resolved against the current folder; accept that when only it has the file.
  std::error_code ec;
  if (!fs::exists(beside, ec) && fs::exists(p, ec)) return path;
  return beside.string();
}

void Solver::build_nets() {
  const int sources = static_cast<int>(param_.has_train_net_param()) + param_.has_train_net() +
                      param_.has_net_param() + param_.has_net();
  VISAGE_CHECK(sources == 1,
               "solver: give exactly one of net, net_param, train_net and "
               "train_net_param (found ",
               sources, ")");
  const std::string where = options_.solver_path.empty() ? "<solver>" : options_.solver_path;
  NetConfig train_config;
  if (param_.has_train_net_param()) {
    train_config = net_config_from(param_.train_net_param(), where + " (train_net_param)");
  } else if (param_.has_net_param()) {
    train_config = net_config_from(param_.net_param(), where + " (net_param)");
  } else {
    train_config =
        load_net_config(resolve(param_.has_train_net() ? param_.train_net() : param_.net()));
  }
  net_ = std::make_unique<Net>(
      train_config,
      net_options(proto::TRAIN, param_.has_train_state() ? &param_.train_state() : nullptr), ctx_,
      *options_.registry);

  // Caffe's rules: explicit test nets first (params, then files), then one instance of the
  // generic net per remaining test_iter entry.
  std::vector<NetConfig> test_configs;
  for (const auto& p : param_.test_net_param()) {
    test_configs.push_back(net_config_from(p, where + " (test_net_param)"));
  }
  for (const auto& file : param_.test_net()) test_configs.push_back(load_net_config(resolve(file)));
  const bool generic = param_.has_net() || param_.has_net_param();
  const int explicit_nets = static_cast<int>(test_configs.size());
  VISAGE_CHECK(
      generic ? param_.test_iter_size() >= explicit_nets : param_.test_iter_size() == explicit_nets,
      "solver: ", param_.test_iter_size(), " test_iter values for ", explicit_nets, " test nets",
      generic ? " (plus instances of the net)" : "");
  for (int k = explicit_nets; k < param_.test_iter_size(); ++k) {
    test_configs.push_back(net_->config());
  }
  VISAGE_CHECK(param_.test_state_size() == 0 || param_.test_state_size() == param_.test_iter_size(),
               "solver: ", param_.test_state_size(), " test_state entries for ",
               param_.test_iter_size(), " test nets");
  for (size_t k = 0; k < test_configs.size(); ++k) {
    const int index = static_cast<int>(k);
    test_nets_.push_back(std::make_unique<Net>(
        test_configs[k],
        net_options(proto::TEST,
                    index < param_.test_state_size() ? &param_.test_state(index) : nullptr),
        ctx_, *options_.registry, *net_));
  }
}

void Solver::build_verifications() {
  std::set<std::string> names;
  for (const auto& test : param_.verification_test()) {
    VISAGE_CHECK(names.insert(test.name()).second,
                 "solver: two verification_test entries are named '", test.name(),
                 "'; give each a distinct name (it labels the log)");
    VISAGE_CHECK(param_.test_interval() > 0, "solver: verification_test '", test.name(),
                 "' runs every test_interval iterations; set test_interval > 0");
    verifications_.push_back(std::make_unique<TrainingVerification>(
        test, *net_, ctx_, *options_.registry,
        [this](const std::string& path) { return resolve(path); }));
  }
}

ProgressLog& Solver::progress() {
  if (!progress_) {
    std::string path = !options_.progress_log.empty()  ? options_.progress_log
                       : param_.progress_log().empty() ? snapshot_prefix_ + "_log.jsonl"
                                                       : resolve(param_.progress_log());
    if (path == "-") path.clear();
    // A resumed run continues its log; a fresh run starts a new one.
    // TensorBoard's folder is the run's own, so that runs sharing a snapshot folder stay apart.
    const std::string events_folder =
        !path.empty() && param_.tensorboard() ? snapshot_prefix_ + "_tensorboard" : "";
    progress_ = std::make_unique<ProgressLog>(options_.out, path, iter_ > 0, events_folder);
  }
  return *progress_;
}

std::string Solver::snapshot_folder() const {
  const fs::path folder = fs::path(snapshot_prefix_).parent_path();
  return folder.empty() ? std::string(".") : folder.string();
}

void Solver::check_snapshot_folder() const {
  const std::string folder = snapshot_folder();
  std::error_code ec;
  fs::create_directories(folder, ec);
  VISAGE_CHECK(!ec, options_.solver_path, ": snapshot_prefix ", snapshot_prefix_,
               ": cannot create the folder ", folder, " (", ec.message(), ")");
  VISAGE_CHECK(::access(folder.c_str(), W_OK | X_OK) == 0, options_.solver_path,
               ": snapshot_prefix ", snapshot_prefix_, ": cannot write in the folder ", folder,
               " (", std::strerror(errno), "); snapshots would fail, so training does not start");
}

void Solver::remove_stale_temporaries() {
  for (const std::string& path : hdf5::remove_stale_temporaries(snapshot_folder())) {
    progress().say(concat("removed ", path, ", a partial snapshot left by a run that was killed"));
  }
}

void Solver::prune_old_snapshots() {
  if (param_.snapshot_keep() <= 0) return;
  // <stem>_iter_<N>.h5 in the prefix's folder, newest first.
  const std::string stem = fs::path(snapshot_prefix_).filename().string() + "_iter_";
  std::vector<std::pair<int64_t, fs::path>> snapshots;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(snapshot_folder(), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(stem) || !name.ends_with(".h5")) continue;
    const std::string digits = name.substr(stem.size(), name.size() - stem.size() - 3);
    if (digits.empty() || digits.size() > 18 ||
        !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    snapshots.emplace_back(std::stoll(digits), entry.path());
  }
  std::ranges::sort(snapshots, std::greater<>());
  for (size_t i = static_cast<size_t>(param_.snapshot_keep()); i < snapshots.size(); ++i) {
    if (snapshots[i].second == fs::path(last_snapshot_)) continue;  // never the one just written
    if (fs::remove(snapshots[i].second, ec)) {
      progress().say(concat("removed old snapshot ", snapshots[i].second.string(),
                            " (snapshot_keep: ", param_.snapshot_keep(), ")"));
    }
  }
}

bool Solver::is_lead_rank() const { return ctx_.rank() == 0; }

bool Solver::distributed() const { return ctx_.data_parallel(); }

template <typename T>
void Solver::broadcast_value(T& value) {
  if (!distributed()) return;
  ctx_.communicator()->broadcast(std::as_writable_bytes(std::span<T>(&value, 1)), 0);
}

void Solver::broadcast_tensor(Tensor& tensor) {
  if (!distributed()) return;
  ctx_.communicator()->broadcast(std::as_writable_bytes(tensor.mutable_data()), 0);
}

// Rank 0's parameters, update-rule history and position to every rank, so that all start
// bit-identical whatever each loaded (a resumed snapshot, --weights) or drew.
void Solver::synchronize_ranks() {
  if (!distributed()) return;
  broadcast_tensor(net_->all_params());
  for (const auto& [name, tensor] : rule_->history()) broadcast_tensor(*tensor);
  broadcast_value(iter_);
}

// The mean over the ranks of each rank's mean gradient is the gradient of the global batch's
// mean loss. (Summed here; gradient_scale divides by the world size with iter_size.) On GPUs NCCL
// reduces device memory; otherwise MPI reduces the host copy (the lazy mirror stages it).
void Solver::reduce_gradient_over_ranks() {
  Communicator& comm = *ctx_.communicator();
  const auto started = Clock::now();
  Tensor& params = net_->all_params();
  if (ctx_.is_gpu() && comm.reduces_on_device()) {
    comm.all_reduce_sum_on_device(params.mutable_gpu_diff(ctx_),
                                  static_cast<std::size_t>(params.count()), ctx_.stream());
  } else {
    comm.all_reduce_sum(params.mutable_diff());
  }
  reduce_seconds_ += seconds_between(started, Clock::now());
}

float Solver::mean_over_ranks(float loss) {
  if (!distributed()) return loss;
  Communicator& comm = *ctx_.communicator();
  float total = loss;
  comm.all_reduce_sum(std::span<float>(&total, 1));
  return total / static_cast<float>(comm.size());
}

// Buckets overlap the backward pass after a single forward/backward (with iter_size > 1 only the
// last pass's gradient would be final).
bool Solver::overlaps_reduction() const { return distributed() && param_.iter_size() == 1; }

// One forward and backward pass that starts summing each bucket of the gradient over the ranks
// as soon as the layers that write it are done (packed parameters put the last layers' gradients
// at the buffer's end), and waits for all of them at the end. Returns the rank's loss. On GPUs
// whose communicator reduces device memory (NCCL), the buckets go to its own stream; otherwise
// MPI sums the host copy.
float Solver::forward_backward_reducing() {
  Communicator& comm = *ctx_.communicator();
  const bool on_device = ctx_.is_gpu() && comm.reduces_on_device();
  const float loss = net_->forward(ctx_);
  net_->seed_loss_gradients(ctx_);
  Tensor& params = net_->all_params();
  float* const gradient = on_device ? params.mutable_gpu_diff(ctx_) : params.mutable_diff().data();
  const auto bucket = static_cast<int64_t>(param_.allreduce_bucket_mb() * (1 << 20) / 4.0) + 1;
  int64_t unsent = net_->num_param_elements();  // [0, unsent) not yet started
  for (int i = net_->num_layers() - 1; i >= 0; --i) {
    net_->backward_layer(ctx_, i);
    const int64_t final_from = net_->gradient_final_from(i);  // 0 once the first layer is done
    if (unsent - final_from >= bucket || (i == 0 && unsent > 0)) {
      const auto started = Clock::now();
      const auto count = static_cast<std::size_t>(unsent - final_from);
      if (on_device) {
        comm.start_sum_on_device(gradient + final_from, count, ctx_.stream());
      } else {
        comm.start_sum(std::span<float>(gradient + final_from, count));
      }
      reduce_seconds_ += seconds_between(started, Clock::now());
      unsent = final_from;
    }
    if (!on_device) comm.progress();
  }
  // On a GPU the host is far ahead of the device: wait for the backward pass first, so that the
  // time counted is what the reductions add after it (their overlap with it is free).
  if (on_device) ctx_.synchronize();
  const auto started = Clock::now();
  if (on_device) {
    comm.finish_sums_on_device(ctx_.stream());
  } else {
    comm.finish_sums();
  }
  reduce_seconds_ += seconds_between(started, Clock::now());
  return loss;
}

SolveOutcome Solver::solve() {
  synchronize_ranks();
  if (is_lead_rank()) remove_stale_temporaries();
  progress().say(concat("training net '", net_->name(), "' on ", ctx_.describe(),
                        " from iteration ", iter_, " to ", param_.max_iter(), " (",
                        net_->num_param_elements(), " parameters)"));
  for (const auto& verification : verifications_) progress().say(verification->describe());
  step(param_.max_iter() - iter_);
  if (stopped_) {
    if (last_snapshot_iter_ != iter_) snapshot();
    progress().event("stopped", iter_, "snapshot", last_snapshot_);
    return SolveOutcome::stopped;
  }
  if (param_.snapshot_after_train() && last_snapshot_iter_ != iter_) snapshot();
  if (param_.test_interval() > 0 && iter_ % param_.test_interval() == 0) {
    test_all();
  } else if (!verifications_.empty()) {
    verify_all();  // a run ends with its final figures, whatever its length
  }
  progress().say(
      concat("optimization done at iteration ", iter_, ", smoothed loss ", losses_.mean()));
  progress().event("done", iter_, "snapshot", last_snapshot_);
  return SolveOutcome::finished;
}

void Solver::step(int64_t iterations) {
  const int64_t stop_at = iter_ + iterations;
  start_time_ = last_display_time_ = Clock::now();
  last_display_iter_ = iter_;
  stopped_ = false;
  while (iter_ < stop_at) {
    const bool test_now = param_.test_interval() > 0 && iter_ % param_.test_interval() == 0 &&
                          (iter_ > 0 || param_.test_initialization());
    if (test_now && has_tests()) test_all();

    net_->zero_param_diffs(ctx_);
    float loss = 0;
    if (overlaps_reduction()) {
      loss = forward_backward_reducing();
    } else {
      for (int k = 0; k < param_.iter_size(); ++k) loss += net_->forward_backward(ctx_);
      loss /= static_cast<float>(param_.iter_size());
      if (distributed()) reduce_gradient_over_ranks();
    }
    loss = mean_over_ranks(loss);
    if (!std::isfinite(loss)) fail_non_finite(loss);
    const float gradient_squares =
        gradient_sum_of_squares(ctx_, net_->all_params(), gradient_squares_);
    if (!std::isfinite(gradient_squares)) fail_non_finite_gradient();
    losses_.add(loss);

    const double rate = policy_.rate(iter_);
    if (param_.display() > 0 && iter_ % param_.display() == 0) display(rate);
    apply_update(gradient_squares);
    ++iter_;

    if (param_.snapshot() > 0 && iter_ % param_.snapshot() == 0) snapshot();
    // A signal seen by any rank stops every rank after the same iteration.
    const bool stop = distributed() ? ctx_.communicator()->any(stop_requested()) : stop_requested();
    if (stop) {
      stopped_ = true;
      return;
    }
  }
}

float Solver::gradient_scale(float sum_of_squares) {
  const float average = 1.0f / static_cast<float>(param_.iter_size() * ctx_.world_size());
  if (param_.clip_gradients() <= 0) return average;
  // The threshold applies to the averaged gradient, whatever iter_size is.
  const float norm = std::sqrt(sum_of_squares) * average;
  if (norm <= param_.clip_gradients()) return average;
  progress().say(concat("clipping gradients: L2 norm ", norm, " > ", param_.clip_gradients()));
  return average * (param_.clip_gradients() / norm);
}

void Solver::apply_update(float gradient_squares) {
  UpdateStep step;
  step.rate = static_cast<float>(policy_.rate(iter_));
  step.gradient_scale = gradient_scale(gradient_squares);
  step.weight_decay = param_.weight_decay();
  step.regularization = regularization_;
  rule_->apply(ctx_, net_->all_params(), step);
}

void Solver::display(double rate) {
  const Clock::time_point now = Clock::now();
  const double since_last = seconds_between(last_display_time_, now);
  const int64_t done = iter_ + 1 - last_display_iter_;
  const Tensor* first_top =
      net_->num_layers() > 0 && !net_->tops(0).empty() ? net_->tops(0)[0] : nullptr;
  const int64_t batch = first_top != nullptr && first_top->num_axes() > 0 ? first_top->dim(0) : 1;
  TrainProgress p;
  p.iter = iter_;
  p.max_iter = param_.max_iter();
  p.loss = losses_.mean();
  p.lr = rate;
  const double per_iteration = done > 0 ? since_last / static_cast<double>(done) : 0.0;
  p.images_per_s =
      since_last > 0
          ? static_cast<double>(done * batch * param_.iter_size() * ctx_.world_size()) / since_last
          : 0.0;
  p.ranks = ctx_.world_size();
  p.allreduce_s = reduce_seconds_;
  reduce_seconds_ = 0;
  p.elapsed_s = seconds_between(start_time_, now);
  p.eta_s =
      per_iteration * static_cast<double>(std::max<int64_t>(param_.max_iter() - iter_ - 1, 0));
  p.outputs = monitored_outputs();
  progress().train(p);
  last_display_time_ = now;
  last_display_iter_ = iter_ + 1;
}

std::vector<std::pair<std::string, double>> Solver::monitored_outputs() {
  constexpr int64_t kMaxValuesPerOutput = 16;
  const auto outputs = net_->output_names();
  std::vector<std::pair<std::string, double>> values;
  for (int i = 0; i < net_->num_layers(); ++i) {
    for (size_t t = 0; t < net_->tops(i).size(); ++t) {
      const std::string& name = net_->top_names(i)[t];
      if (net_->layer(i).loss_weight(static_cast<int>(t)) != 0.0f ||
          std::ranges::find(outputs, name) == outputs.end()) {
        continue;
      }
      const auto data = net_->tops(i)[t]->data();
      const int64_t n = std::min<int64_t>(static_cast<int64_t>(data.size()), kMaxValuesPerOutput);
      const std::vector<std::string> value_names =
          net_->layer(i).top_value_names(static_cast<int>(t));
      for (int64_t j = 0; j < n; ++j) {
        const auto k = static_cast<size_t>(j);
        values.emplace_back(k < value_names.size() ? concat(name, ".", value_names[k])
                            : data.size() == 1     ? name
                                                   : concat(name, "[", j, "]"),
                            data[j]);
      }
    }
  }
  return values;
}

void Solver::fail_non_finite(float loss) {
  // Read the activations of the last forward pass to name the first layer whose output went bad.
  std::string culprit;
  for (int i = 0; i < net_->num_layers() && culprit.empty(); ++i) {
    for (size_t t = 0; t < net_->tops(i).size() && culprit.empty(); ++t) {
      const auto values = net_->tops(i)[t]->data();
      if (!std::ranges::all_of(values, [](float v) { return std::isfinite(v); })) {
        culprit = concat("; the first non-finite output is top '", net_->top_names(i)[t], "' of ",
                         net_->layer(i).describe(), " (", net_->where(i), ")");
      }
    }
  }
  fail("training stopped at iteration ", iter_, ": the loss is ", loss, culprit,
       ". No snapshot was written for this iteration; the last good one is ",
       last_snapshot_.empty() ? std::string("(none)") : last_snapshot_,
       ". Try a lower base_lr or clip_gradients.");
}

void Solver::fail_non_finite_gradient() {
  // Backward runs from the last layer to the first: the first layer, in that order, whose
  // parameter or input gradient holds a NaN or Inf is where it appeared.
  const auto finite = [](std::span<const float> values) {
    return std::ranges::all_of(values, [](float v) { return std::isfinite(v); });
  };
  std::string culprit;
  for (int i = net_->num_layers() - 1; i >= 0 && culprit.empty(); --i) {
    if (!net_->layer_needs_backward(i)) continue;
    for (const auto& param : net_->layer(i).params()) {
      if (!finite(param->diff())) {
        culprit = concat("; it first appears in the parameter gradients of ",
                         net_->layer(i).describe(), " (", net_->where(i), ")");
        break;
      }
    }
    for (size_t b = 0; b < net_->bottoms(i).size() && culprit.empty(); ++b) {
      if (!finite(net_->bottoms(i)[b]->diff())) {
        culprit = concat("; it first appears in the input gradient of ", net_->layer(i).describe(),
                         " (", net_->where(i), ")");
      }
    }
  }
  fail("training stopped at iteration ", iter_,
       ": the gradient holds NaN or Inf while the loss is "
       "finite",
       culprit, ". No snapshot was written for this iteration; the last good one is ",
       last_snapshot_.empty() ? std::string("(none)") : last_snapshot_,
       ". Try a lower base_lr or clip_gradients.");
}

TestResult average_outputs(Net& net, Context& ctx, int iterations) {
  const auto names = net.output_names();
  std::vector<std::vector<double>> sums(names.size());
  for (int it = 0; it < iterations; ++it) {
    net.forward(ctx);
    for (size_t o = 0; o < names.size(); ++o) {
      const auto values = net.tensor(names[o])->data();
      sums[o].resize(values.size(), 0.0);
      for (size_t j = 0; j < values.size(); ++j) sums[o][j] += values[j];
    }
  }
  if (ctx.data_parallel()) {
    // Each rank tested its own slice of every batch: the mean of the ranks' means.
    std::vector<double> flat;
    for (const auto& s : sums) flat.insert(flat.end(), s.begin(), s.end());
    ctx.communicator()->all_reduce_sum(flat);
    auto value = flat.begin();
    for (auto& s : sums) {
      for (double& v : s) v = *value++ / ctx.world_size();
    }
  }
  TestResult result;
  for (size_t o = 0; o < names.size(); ++o) {
    for (size_t j = 0; j < sums[o].size(); ++j) {
      const std::string name = sums[o].size() == 1 ? names[o] : concat(names[o], "[", j, "]");
      result.outputs.emplace_back(name, sums[o][j] / std::max(iterations, 1));
    }
  }
  return result;
}

std::vector<TestResult> Solver::test_all() {
  std::vector<TestResult> results;
  for (size_t k = 0; k < test_nets_.size(); ++k) {
    TestResult result =
        average_outputs(*test_nets_[k], ctx_, param_.test_iter(static_cast<int>(k)));
    result.net = static_cast<int>(k);
    progress().test(iter_, result);
    results.push_back(std::move(result));
  }
  verify_all();
  return results;
}

std::vector<VerificationProgress> Solver::verify_all() {
  std::vector<VerificationProgress> results;
  if (!is_lead_rank()) return results;  // the pairs protocol reads its own images, on rank 0
  for (const auto& verification : verifications_) {
    results.push_back(verification->run(ctx_));
    progress().verification(iter_, results.back());
  }
  return results;
}

std::string Solver::snapshot() {
  const std::string path = snapshot_path(snapshot_prefix_, iter_);
  // Rank 0 writes for all: the ranks' parameters and history are identical, and so are their
  // data layers' states (every rank runs the same sampler over the global batch).
  if (!is_lead_rank()) {
    last_snapshot_ = path;
    last_snapshot_iter_ = iter_;
    return path;
  }
  hdf5::write_atomically(path, [&](hdf5::File& file) {
    write_snapshot_header(file, *net_);
    write_weights(file, *net_);
    hdf5::Group solver = file.require_group("solver");
    solver.set_attribute("type", std::string(rule_->type()));
    solver.set_attribute("iteration", iter_);
    solver.set_attribute("lr_step", policy_.step(iter_));
    solver.set_attribute("loss_window_next", static_cast<int64_t>(losses_.next()));
    solver.write("loss_window", std::span<const float>(losses_.values()),
                 {static_cast<int64_t>(losses_.values().size())});
    for (const auto& [name, tensor] : rule_->history()) {
      solver.write(concat("history/", name), tensor->data(), tensor->shape());
    }
    solver.write_bytes("rng", ctx_.rng().state());
    write_layer_states(file, "train", *net_);
    for (size_t k = 0; k < test_nets_.size(); ++k) {
      write_layer_states(file, concat("test", k), *test_nets_[k]);
    }
  });
  last_snapshot_ = path;
  last_snapshot_iter_ = iter_;
  progress().say(concat("snapshot: ", path));
  progress().event("snapshot", iter_, "path", path);
  prune_old_snapshots();
  return path;
}

void Solver::restore(const std::string& path) {
  const hdf5::File file = open_snapshot(path);
  VISAGE_CHECK(file.int_attribute("format_version") >= kFirstFormatWithDataState, path,
               ": snapshot format ", file.int_attribute("format_version"),
               " keeps the data layers' positions in an older encoding, so the run cannot "
               "resume exactly; resume it with the Visage that wrote it, or start a new run from "
               "its weights with --weights");
  std::vector<std::string> warnings;
  if (!file.sealed()) {
    warnings.push_back(concat(path,
                              ": written before snapshots carried a checksum, so damage to "
                              "it cannot be detected"));
  }
  if (const std::string mismatch = describe_config_mismatch(file, *net_); !mismatch.empty()) {
    warnings.push_back(concat(mismatch, "; resuming anyway because every parameter shape matches"));
  }
  read_weights(file, *net_, true);
  const hdf5::Group solver = file.open_group("solver");
  const std::string type = solver.string_attribute("type");
  VISAGE_CHECK(type == rule_->type(), path, ": written by a ", type, " solver, this solver is ",
               rule_->type(),
               " (solver type must match to resume; use --weights to start a new "
               "run from these weights)");
  for (const auto& [name, tensor] : rule_->history()) {
    const std::string dataset = concat("history/", name);
    Shape shape;
    const std::vector<float> values = solver.read_floats(dataset, &shape);
    VISAGE_CHECK(shape == tensor->shape(), solver.where(dataset), ": shape ", to_string(shape),
                 " does not match the net's ", tensor->count(), " parameters");
    std::ranges::copy(values, tensor->mutable_data().begin());
  }
  std::vector<float> window = solver.read_floats("loss_window");
  const auto next = static_cast<int>(solver.int_attribute("loss_window_next"));
  if (static_cast<int>(window.size()) <= losses_.size() && next < losses_.size()) {
    losses_.restore(std::move(window), next);
  } else {
    warnings.push_back(concat(path, ": average_loss changed; the smoothed loss restarts"));
  }
  ctx_.rng().set_state(solver.read_bytes("rng"));
  read_layer_states(file, "train", *net_);
  for (size_t k = 0; k < test_nets_.size(); ++k) {
    read_layer_states(file, concat("test", k), *test_nets_[k]);
  }
  iter_ = solver.int_attribute("iteration");
  last_snapshot_ = path;
  last_snapshot_iter_ = iter_;
  for (const auto& warning : warnings) progress().say("warning: " + warning);
  progress().say(concat("resumed from ", path, " at iteration ", iter_));
}

}  // namespace visage
