#include "datasets/prefetcher.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "datasets/seeds.hpp"

namespace visage::data {

Prefetcher::Prefetcher(std::shared_ptr<const FaceSource> source,
                       std::unique_ptr<BatchSampler> sampler,
                       std::shared_ptr<const TransformPipeline> pipeline, SampleShape shape,
                       PrefetchOptions options, std::shared_ptr<BadImageLog> bad_images)
    : source_(std::move(source)),
      sampler_(std::move(sampler)),
      pipeline_(std::move(pipeline)),
      shape_(shape),
      options_(options),
      bad_images_(std::move(bad_images)) {
  VISAGE_CHECK(
      options_.world_size >= 1 && options_.rank >= 0 && options_.rank < options_.world_size,
      "rank ", options_.rank, " of ", options_.world_size, " is not a valid position");
  VISAGE_CHECK(options_.depth >= 1, "prefetch depth must be >= 1, not ", options_.depth);
  VISAGE_CHECK(shape_.count() > 0, "empty sample shape");
  const int global = sampler_->batch_size();
  const int group = sampler_->group_size();
  VISAGE_CHECK(global % (options_.world_size * group) == 0, "a global batch of ", global,
               " (groups of ", group, ") does not split evenly over ", options_.world_size,
               " ranks");
  local_batch_ = global / options_.world_size;
  if (options_.threads <= 0) {
    options_.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  }
  if (!bad_images_) bad_images_ = std::make_shared<BadImageLog>();
  if (options_.cache_bytes > 0) {
    cache_ = std::make_unique<PreparedImageCache>(*source_, options_.cache_bytes);
  }
  consumed_state_ = sampler_->save_state();
  start();
}

Prefetcher::~Prefetcher() { stop(); }

void Prefetcher::start() {
  slots_.assign(static_cast<size_t>(options_.depth), Slot{});
  for (Slot& slot : slots_) {
    slot.data.resize(static_cast<size_t>(local_batch_ * shape_.count()));
    slot.labels.resize(static_cast<size_t>(local_batch_));
  }
  planned_ = 0;
  consumed_ = 0;
  planning_error_ = nullptr;
  for (int t = 0; t < options_.threads; ++t) {
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

void Prefetcher::stop() {
  for (std::jthread& thread : threads_) thread.request_stop();
  changed_.notify_all();
  threads_.clear();  // joins
}

Prefetcher::Slot* Prefetcher::slot_with_work() {
  if (planned_ > 0) {
    Slot& last = slots_[static_cast<size_t>((planned_ - 1) % options_.depth)];
    if (last.handed_out < local_batch_) return &last;
  }
  if (planned_ - consumed_ >= options_.depth) return nullptr;
  Slot& slot = slots_[static_cast<size_t>(planned_ % options_.depth)];
  BatchPlan global = sampler_->next_batch();
  slot.sampler_state_after = sampler_->save_state();
  const auto begin =
      global.samples.begin() + static_cast<std::ptrdiff_t>(options_.rank) * local_batch_;
  slot.plan.index = global.index;
  slot.plan.samples.assign(begin, begin + local_batch_);
  slot.handed_out = 0;
  slot.remaining = local_batch_;
  slot.ready = false;
  slot.error = nullptr;
  ++planned_;
  return &slot;
}

void Prefetcher::work(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (true) {
    Slot* slot = nullptr;
    const bool go = changed_.wait(lock, stop, [&] {
      if (planning_error_) return false;
      try {
        slot = slot_with_work();
      } catch (...) {
        // A sampler that cannot plan stops the pipeline; next() reports why.
        planning_error_ = std::current_exception();
        changed_.notify_all();
        return false;
      }
      return slot != nullptr;
    });
    if (!go) return;
    const int position = slot->handed_out++;
    lock.unlock();
    std::exception_ptr error;
    try {
      produce(*slot, position);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    // Of several failures in one batch, report the first in batch order, whatever the timing.
    if (error && (!slot->error || position < slot->error_position)) {
      slot->error = error;
      slot->error_position = position;
    }
    if (--slot->remaining == 0) {
      slot->ready = true;
      changed_.notify_all();
    }
  }
}

std::shared_ptr<const PreparedImage> Prefetcher::prepare_readable(const SampleRef& sample) const {
  const int n = source_->num_images(sample.identity);
  for (int attempt = 0; attempt < n; ++attempt) {
    const SampleRef image{sample.identity, (sample.index + attempt) % n};
    if (cache_ != nullptr) {
      if (auto kept = cache_->find(image)) return kept;
    }
    const std::string name = source_->describe(image.identity, image.index);
    if (attempt > 0 && bad_images_->contains(name)) continue;
    Image decoded;
    try {
      decoded = source_->load(image.identity, image.index);
    } catch (const Error& e) {
      if (!options_.skip_bad_images) throw;
      bad_images_->report(name, e.what());
      continue;
    }
    auto prepared = with_context(name, [&] {
      return std::make_shared<const PreparedImage>(pipeline_->prepare(std::move(decoded)));
    });
    if (cache_ != nullptr) cache_->keep(image, prepared);
    return prepared;
  }
  fail("no image of identity ", sample.identity, " (label ", source_->label(sample.identity),
       ") is readable; the first is ", source_->describe(sample.identity, 0));
}

void Prefetcher::produce(Slot& slot, int position) {
  const SampleRef& sample = slot.plan.samples[static_cast<size_t>(position)];
  const auto global_position = static_cast<uint64_t>(options_.rank) * local_batch_ + position;
  Rng rng = derive_rng(options_.seed, {static_cast<uint64_t>(slot.plan.index), global_position});
  const std::shared_ptr<const PreparedImage> image = prepare_readable(sample);
  const auto values = static_cast<size_t>(shape_.count());
  with_context(source_->describe(sample.identity, sample.index), [&] {
    pipeline_->apply_chw(
        *image, rng,
        std::span<float>(slot.data).subspan(static_cast<size_t>(position) * values, values));
  });
  slot.labels[static_cast<size_t>(position)] = static_cast<float>(source_->label(sample.identity));
}

void Prefetcher::next(std::span<float> data, std::span<float> labels) {
  VISAGE_CHECK(data.size() == slots_[0].data.size() && labels.size() == slots_[0].labels.size(),
               "batch buffers of ", data.size(), " + ", labels.size(), " values; expected ",
               slots_[0].data.size(), " + ", slots_[0].labels.size());
  std::unique_lock lock(mutex_);
  Slot& slot = slots_[static_cast<size_t>(consumed_ % options_.depth)];
  changed_.wait(lock, [&] { return slot.ready || planning_error_; });
  if (!slot.ready) std::rethrow_exception(planning_error_);
  if (slot.error) {
    // The batch is lost, and so would be every later one; stop here with the reason.
    std::rethrow_exception(slot.error);
  }
  // Threads never touch a ready slot until it is released below, so the copy needs no lock.
  lock.unlock();
  std::copy(slot.data.begin(), slot.data.end(), data.begin());
  std::copy(slot.labels.begin(), slot.labels.end(), labels.begin());
  lock.lock();
  consumed_state_ = slot.sampler_state_after;
  slot.ready = false;
  ++consumed_;
  changed_.notify_all();
}

std::string Prefetcher::save_state() const {
  const std::lock_guard lock(mutex_);
  return consumed_state_;
}

void Prefetcher::load_state(const std::string& state) {
  stop();
  // Restore the sampler while no thread runs; on failure restart from where we were.
  try {
    sampler_->load_state(state);
  } catch (...) {
    sampler_->load_state(consumed_state_);
    start();
    throw;
  }
  consumed_state_ = state;
  start();
}

}  // namespace visage::data
