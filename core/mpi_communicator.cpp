#include "core/mpi_communicator.hpp"

#include <cstdlib>
#include <string_view>

#include "core/error.hpp"

#if VISAGE_WITH_MPI
// MPI's C API only: the deprecated C++ bindings would need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <vector>
#endif

namespace visage {
namespace {

// The first of these variables that is set, as an integer; -1 when none is.
int environment_int(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
      return std::atoi(value);
    }
  }
  return -1;
}

int world_size_from_environment() {
  return environment_int({"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "SLURM_NTASKS"});
}

#if VISAGE_WITH_MPI

void check_mpi(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  fail(what, " failed: ", std::string_view(text, static_cast<size_t>(length)));
}

// MPI counts are ints: larger buffers go in chunks of 2^30 elements.
constexpr std::size_t kChunk = std::size_t{1} << 30;

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int provided = 0;
    // Decoder threads never call MPI; only the main thread does.
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init");
    check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    library_ = std::string(version, static_cast<size_t>(length));
    library_ = library_.substr(0, library_.find(','));
  }
  ~MpiCommunicator() override { MPI_Finalize(); }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string describe() const override {
    return concat("MPI (", library_, "), rank ", rank_, " of ", size_);
  }

  void all_reduce_sum(std::span<float> values) override { sum_in_chunks(values, MPI_FLOAT); }
  void all_reduce_sum(std::span<double> values) override { sum_in_chunks(values, MPI_DOUBLE); }
  void start_sum(std::span<float> values) override {
    for (std::size_t at = 0; at < values.size(); at += kChunk) {
      const auto count = static_cast<int>(std::min(kChunk, values.size() - at));
      check_mpi(MPI_Iallreduce(MPI_IN_PLACE, values.data() + at, count, MPI_FLOAT, MPI_SUM,
                               MPI_COMM_WORLD, &pending_.emplace_back()),
                "MPI_Iallreduce");
    }
  }
  void progress() override {
    if (pending_.empty()) return;
    int done = 0;
    check_mpi(
        MPI_Testall(static_cast<int>(pending_.size()), pending_.data(), &done, MPI_STATUSES_IGNORE),
        "MPI_Testall");
    if (done != 0) pending_.clear();
  }
  void finish_sums() override {
    check_mpi(MPI_Waitall(static_cast<int>(pending_.size()), pending_.data(), MPI_STATUSES_IGNORE),
              "MPI_Waitall");
    pending_.clear();
  }
  bool any(bool value) override {
    int flag = value ? 1 : 0;
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD),
              "MPI_Allreduce");
    return flag != 0;
  }
  void broadcast(std::span<std::byte> bytes, int root) override {
    for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
      const auto count = static_cast<int>(std::min(kChunk, bytes.size() - at));
      check_mpi(MPI_Bcast(bytes.data() + at, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }
  void all_gather(std::span<const float> mine, std::span<float> all) override {
    VISAGE_CHECK(all.size() == mine.size() * static_cast<std::size_t>(size_),
                 "all_gather: ", all.size(), " floats for ", size_, " ranks of ", mine.size());
    VISAGE_CHECK(mine.size() <= kChunk, "all_gather: ", mine.size(),
                 " floats per rank is too many");
    check_mpi(MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_FLOAT, all.data(),
                            static_cast<int>(mine.size()), MPI_FLOAT, MPI_COMM_WORLD),
              "MPI_Allgather");
  }
  void abort_all(int status) override { MPI_Abort(MPI_COMM_WORLD, status); }

 private:
  template <typename T>
  void sum_in_chunks(std::span<T> values, MPI_Datatype type) {
    for (std::size_t at = 0; at < values.size(); at += kChunk) {
      const auto count = static_cast<int>(std::min(kChunk, values.size() - at));
      check_mpi(
          MPI_Allreduce(MPI_IN_PLACE, values.data() + at, count, type, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
    }
  }

  int rank_ = 0;
  int size_ = 1;
  std::string library_;
  std::vector<MPI_Request> pending_;  // sums started and not yet finished
};

#endif

}  // namespace

bool launched_by_mpi() { return world_size_from_environment() >= 1; }

int local_rank_from_environment() {
  const int local =
      environment_int({"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"});
  return local >= 0 ? local : 0;
}

std::unique_ptr<Communicator> communicator_from_environment() {
  if (!launched_by_mpi()) return nullptr;
#if VISAGE_WITH_MPI
  return std::make_unique<MpiCommunicator>();
#else
  VISAGE_CHECK(world_size_from_environment() <= 1, "launched as one of ",
               world_size_from_environment(),
               " processes, but this Visage was built without MPI (install libopenmpi-dev and "
               "rebuild; -DVISAGE_MPI=ON)");
  return nullptr;
#endif
}

}  // namespace visage
