// `visage train`: trains from a solver prototxt, optionally resuming from a snapshot or starting
// from pretrained weights, alone or as one rank of an MPI launch. SIGINT/SIGTERM finish the current
// iteration, write a snapshot and exit with 128 + the signal number (130 / 143), after saying where
// the snapshot is.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include "core/config.hpp"
#include "core/device_api.hpp"
#include "core/device_choice.hpp"
#include "core/error.hpp"
#include "core/mpi_communicator.hpp"
#include "solvers/snapshot.hpp"
#include "solvers/solver.hpp"
#include "tools/command.hpp"
#include "tools/options.hpp"
#include "tools/stop_signals.hpp"

namespace visage::tools {
namespace {

// --device auto follows solver_mode: CPU when it says so; GPU when it says so, which must then
// exist; unset, the configured GPU when present, else the CPU.
std::string device_for(const std::string& flag, const proto::SolverParameter& param,
                       const std::string& solver_path) {
  if (flag != "auto") return flag;
  if (param.has_solver_mode() && param.solver_mode() == proto::SolverParameter::CPU) return "cpu";
  const bool gpu_asked =
      param.has_solver_mode() && param.solver_mode() == proto::SolverParameter::GPU;
  VISAGE_CHECK(!gpu_asked || device::count() > 0, solver_path,
               ": solver_mode: GPU asks for a GPU, but this machine has none that Visage can use (",
               "`visage device-query` says why). Train on the CPU with --device cpu, or remove "
               "solver_mode from the solver to use a GPU only where there is one.");
  return device::count() > 0 ? concat("gpu:", param.device_id()) : "cpu";
}

// The run itself, on a context that has joined the run's communicator (if any).
int train(const Options& options, const proto::SolverParameter& param, Context& ctx) {
  const std::string solver_path = options.get("solver");

  const StopSignals signals;
  SolverOptions solver_options;
  solver_options.solver_path = solver_path;
  solver_options.progress_log = options.get("log");
  solver_options.stop_requested = [] { return StopSignals::received(); };
  Solver solver(param, ctx, solver_options);
  if (options.has("snapshot")) solver.restore(options.get("snapshot"));
  if (options.has("weights")) {
    const WeightsReport report = load_weights(solver.net(), options.get("weights"));
    if (ctx.rank() == 0) {
      std::cout << "loaded weights of " << report.layers_loaded << " layers from "
                << options.get("weights");
      if (!report.layers_missing.empty()) {
        std::cout << "; initialised from the config:";
        for (const auto& name : report.layers_missing) std::cout << " " << name;
      }
      std::cout << std::endl;
    }
  }

  int status = 0;
  if (solver.solve() == SolveOutcome::stopped) {
    const int signal = StopSignals::signal();
    if (ctx.rank() == 0)
      std::cerr << "visage train: stopped by " << StopSignals::signal_name() << " at iteration "
                << solver.iter() << "; snapshot: " << solver.last_snapshot()
                << " (continue with --snapshot " << solver.last_snapshot() << ")" << std::endl;
    status = 128 + signal;
  }
  if (const std::string& lost = solver.progress().write_error(); !lost.empty()) {
    std::cerr << "visage train: part of the progress was not written (" << lost
              << "); the snapshots were written and checked" << std::endl;
    if (status == 0) status = 1;
  }
  return status;
}

// `--gpus 0,1,2,3` on one machine: this same command again under `mpirun`, one rank per listed
// GPU (CUDA_VISIBLE_DEVICES holds the list, so local rank k takes the k-th). Returns only on error.
[[noreturn]] void relaunch_under_mpirun(Args args, const std::string& gpus) {
  const int listed = static_cast<int>(std::ranges::count(gpus, ',')) + 1;
  VISAGE_CHECK(device::count() > 0, "--gpus ", gpus,
               ": this machine has no GPU that Visage can use (`visage device-query` says why)");
  VISAGE_CHECK(std::system("command -v mpirun >/dev/null 2>&1") == 0, "--gpus ", gpus,
               " starts one process per GPU through mpirun, which is not installed (Debian: "
               "openmpi-bin)");
  std::vector<std::string> command = {"mpirun", "-np", std::to_string(listed), "-x",
                                      "CUDA_VISIBLE_DEVICES=" + gpus};
  if (::geteuid() == 0) command.emplace_back("--allow-run-as-root");
  command.emplace_back("/proc/self/exe");
  command.emplace_back("train");
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--gpus") {
      ++i;  // and its value
    } else if (args[i].rfind("--gpus=", 0) != 0) {
      command.push_back(args[i]);
    }
  }
  std::vector<char*> argv;
  for (std::string& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);
  ::execvp("mpirun", argv.data());
  fail("--gpus ", gpus, ": cannot start mpirun (", std::strerror(errno), ")");
}

}  // namespace

int run_train(Args args) {
  Options options("train",
                  "Train a network as a solver prototxt describes. Ctrl-C (SIGINT) or "
                  "SIGTERM stops after the current iteration with a snapshot. Data-parallel: "
                  "launched by `mpirun -np N` (or Slurm's srun), each process is one rank with "
                  "batch_size images of every global batch of N x batch_size; gradients are "
                  "averaged over the ranks, rank r uses GPU (local rank mod GPUs), and rank 0 "
                  "prints, logs and writes the snapshots (docs/data_parallel.md).");
  options.value("solver", "FILE", "solver prototxt (required)")
      .value("snapshot", "FILE", "resume from this snapshot (.h5)")
      .value("weights", "FILE", "start from these weights (Visage snapshot or Caffe HDF5 weights)")
      .value("device", "WHERE", kDeviceHelp, "auto")
      .value("conv-algorithms", "HOW", kConvolutionAlgorithmsHelp, "reproducible")
      .value("gpus", "LIST",
             "train on these GPUs of this machine (0,1,2,3), one process each, started through "
             "mpirun")
      .value("log", "FILE",
             "JSON-lines progress log (default: <snapshot_prefix>_log.jsonl; "
             "'-' for none)");
  if (!options.parse(args)) return 0;
  VISAGE_CHECK(options.has("solver"), "--solver is required\n\n", options.usage());
  VISAGE_CHECK(!(options.has("snapshot") && options.has("weights")),
               "give --snapshot (resume) or --weights (fine-tune), not both");

  const ConvolutionAlgorithms convolution_algorithms =
      parse_convolution_algorithms(options.get("conv-algorithms"));
  if (options.has("gpus") && !launched_by_mpi()) relaunch_under_mpirun(args, options.get("gpus"));
  const std::string solver_path = options.get("solver");
  const proto::SolverParameter param = load_solver_config(solver_path);
  // Launched by mpirun or srun: one rank of a data-parallel run, on the GPU of its local rank.
  std::shared_ptr<Communicator> communicator = communicator_from_environment();
  std::string device = device_for(options.get("device"), param, solver_path);
  if (communicator && communicator->size() > 1 && device.rfind("gpu", 0) == 0) {
    device = concat("gpu:", local_rank_from_environment() % std::max(device::count(), 1));
  }
  Context ctx = make_context(device, 1);
  ctx.set_convolution_algorithms(convolution_algorithms);
  if (communicator && ctx.is_gpu()) {
    communicator = device::with_nccl(std::move(communicator), ctx.device_id());
  }
  if (communicator) ctx.join(communicator);
  try {
    return train(options, param, ctx);
  } catch (const std::exception& e) {
    if (!communicator || communicator->size() == 1) throw;
    // The other ranks would wait for this one in their next collective: end them all.
    std::cerr << "visage train: error on rank " << communicator->rank() << " of "
              << communicator->size() << ": " << e.what() << std::endl;
    communicator->abort(1);
  }
}

}  // namespace visage::tools
