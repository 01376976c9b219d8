#include "layers/synthetic_face_data.hpp"

#include <algorithm>
#include <thread>

#include "synthetic/random.hpp"

namespace visage {

void SyntheticFaceDataLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.synthetic_face_data_param();
  synthetic::SyntheticFaceConfig face;
  face.seed = p.seed();
  face.size = static_cast<int>(p.size());
  face.channels = static_cast<int>(p.channels());
  face.nuisance = {p.pose(),      p.illumination(), p.expression(),
                   p.occlusion(), p.clutter(),      p.degradation()};
  const int64_t pool = p.images_per_identity_pool() > 0
                           ? p.images_per_identity_pool()
                           : synthetic::SyntheticFaceSource::kUnbounded;
  if (prefetched_.valid()) prefetched_.wait();
  prefetched_ = {};
  cache_.reset();
  source_.emplace(with_context(describe(), [&] {
    return synthetic::SyntheticFaceSource(face, p.first_identity(),
                                          static_cast<int>(p.identities()), pool, p.first_image());
  }));
  if (!source_->unbounded()) cache_ = std::make_unique<synthetic::SyntheticFaceCache>(*source_);

  identities_per_batch_ = static_cast<int>(p.identities_per_batch());
  images_per_identity_ = static_cast<int>(p.images_per_identity());
  if (identities_per_batch_ > 0) {
    VISAGE_LAYER_CHECK(images_per_identity_ > 0,
                       "identities_per_batch is set, so images_per_identity (K) must be > 0");
    VISAGE_LAYER_CHECK(identities_per_batch_ <= static_cast<int>(p.identities()), "a batch of ",
                       identities_per_batch_, " distinct identities needs at least as many, but ",
                       "identities is ", p.identities());
    VISAGE_LAYER_CHECK(
        pool == synthetic::SyntheticFaceSource::kUnbounded || images_per_identity_ <= pool,
        "images_per_identity ", images_per_identity_, " exceeds images_per_identity_pool ", pool);
    VISAGE_LAYER_CHECK(p.batch_size() == 0 || static_cast<int>(p.batch_size()) ==
                                                  identities_per_batch_ * images_per_identity_,
                       "batch_size ", p.batch_size(), " disagrees with identities_per_batch x ",
                       "images_per_identity = ", identities_per_batch_ * images_per_identity_,
                       " (leave it unset)");
    batch_size_ = identities_per_batch_ * images_per_identity_;
  } else {
    VISAGE_LAYER_CHECK(p.batch_size() > 0,
                       "set batch_size (uniform sampling) or identities_per_batch and "
                       "images_per_identity (identity-balanced P x K batches)");
    batch_size_ = static_cast<int>(p.batch_size());
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads_ = std::clamp(p.threads() > 0 ? static_cast<int>(p.threads()) : cores, 1, batch_size_);
  batches_done_ = 0;
}

void SyntheticFaceDataLayer::reshape(Tensors bottom, Tensors top) {
  const synthetic::SyntheticFaceConfig& face = source_->config();
  top[0]->reshape({batch_size_, face.channels, face.size, face.size});
  if (top.size() > 1) top[1]->reshape({batch_size_});
}

int64_t SyntheticFaceDataLayer::draw_index(synthetic::HashStream& random) const {
  // 31 bits: far more images per identity than any run draws, and fits every index type.
  return source_->unbounded() ? static_cast<int64_t>(random.next_u64() >> 33)
                              : random.below(static_cast<int>(source_->images_of(0)));
}

std::vector<SyntheticDraw> SyntheticFaceDataLayer::plan_batch(int64_t batch) const {
  const auto& p = param_.synthetic_face_data_param();
  // The range's first identity keys the stream, so layers over disjoint ranges draw independently.
  synthetic::HashStream random(p.seed(), p.first_identity(), batch, synthetic::Purpose::stream);
  const int identities = source_->num_identities();
  std::vector<SyntheticDraw> draws;
  draws.reserve(static_cast<size_t>(batch_size_));
  if (identities_per_batch_ == 0) {
    for (int i = 0; i < batch_size_; ++i) {
      const int label = random.below(identities);
      draws.push_back({label, draw_index(random)});
    }
    return draws;
  }
  std::vector<int> labels;
  while (static_cast<int>(labels.size()) < identities_per_batch_) {
    const int label = random.below(identities);
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
  }
  for (const int label : labels) {
    const size_t first = draws.size();
    while (draws.size() - first < static_cast<size_t>(images_per_identity_)) {
      const int64_t index = draw_index(random);
      const bool repeated =
          std::any_of(draws.begin() + static_cast<std::ptrdiff_t>(first), draws.end(),
                      [&](const SyntheticDraw& d) { return d.index == index; });
      if (!repeated) draws.push_back({label, index});
    }
  }
  return draws;
}

void SyntheticFaceDataLayer::render_image(const SyntheticDraw& draw, float* out) {
  const int size = source_->config().size, channels = source_->config().channels;
  const size_t plane = static_cast<size_t>(size) * size;
  const auto store = [&](auto&& pixel_of) {
    for (size_t i = 0; i < plane; ++i) {
      for (int c = 0; c < channels; ++c) {
        const size_t hwc = i * static_cast<size_t>(channels) + static_cast<size_t>(c);
        out[static_cast<size_t>(c) * plane + i] = (pixel_of(hwc) - kMean) / kSpread;
      }
    }
  };
  if (cache_ != nullptr) {
    const std::span<const uint8_t> bytes = cache_->image(draw.label, draw.index);
    store([&](size_t hwc) { return static_cast<float>(bytes[hwc]) / 255.0f; });
  } else {
    const synthetic::FaceImage image = source_->image(draw.label, draw.index);
    store([&](size_t hwc) { return image.pixels[hwc]; });
  }
}

SyntheticFaceDataLayer::RenderedBatch SyntheticFaceDataLayer::render_batch(int64_t number) {
  const std::vector<SyntheticDraw> draws = plan_batch(number);
  const synthetic::SyntheticFaceConfig& face = source_->config();
  const size_t image_floats = static_cast<size_t>(face.channels) * face.size * face.size;
  RenderedBatch batch{number, std::vector<float>(draws.size() * image_floats), {}};
  for (const SyntheticDraw& draw : draws) batch.labels.push_back(static_cast<float>(draw.label));
  // Each image is a pure function of its draw, so splitting the batch across threads changes
  // nothing but the time.
  const auto render_share = [&](int t) {
    for (size_t n = static_cast<size_t>(t); n < draws.size(); n += static_cast<size_t>(threads_)) {
      render_image(draws[n], batch.data.data() + n * image_floats);
    }
  };
  {
    std::vector<std::jthread> workers;
    for (int t = 1; t < threads_; ++t) workers.emplace_back(render_share, t);
    render_share(0);
  }
  return batch;
}

int64_t SyntheticFaceDataLayer::next_batch_number(const Context& ctx) const {
  // Ranks of a data-parallel run interleave the stream, each taking its own batches.
  return batches_done_ * ctx.world_size() + ctx.rank();
}

void SyntheticFaceDataLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  const int64_t number = next_batch_number(ctx);
  RenderedBatch batch;
  if (prefetched_.valid()) batch = prefetched_.get();
  if (batch.number != number) batch = render_batch(number);
  std::ranges::copy(batch.data, top[0]->mutable_data().begin());
  if (top.size() > 1) std::ranges::copy(batch.labels, top[1]->mutable_data().begin());
  ++batches_done_;
  prefetched_ = std::async(std::launch::async, &SyntheticFaceDataLayer::render_batch, this,
                           next_batch_number(ctx));
}

proto::DataState SyntheticFaceDataLayer::data_state() const {
  proto::DataState state;
  state.mutable_synthetic_face_data()->set_batches_done(batches_done_);
  return state;
}

void SyntheticFaceDataLayer::restore_data_state(const proto::DataState& state) {
  const int64_t batches = state.synthetic_face_data().batches_done();
  VISAGE_CHECK(batches >= 0, "saved state is damaged (", batches, " batches done)");
  batches_done_ = batches;
}

std::optional<proto::FaceTransformParameter> SyntheticFaceDataLayer::test_image_transform() const {
  proto::FaceTransformParameter transform;
  transform.set_channels(param_.synthetic_face_data_param().channels());
  transform.add_mean_value(255.0f * kMean);
  transform.set_scale(1.0f / (255.0f * kSpread));
  return transform;
}

}  // namespace visage
