#include "layers/synthetic_face_data.hpp"

#include <algorithm>
#include <sstream>
#include <thread>

#include "datasets/synthetic_face_random.hpp"

namespace visage {
namespace {

constexpr const char* kStateVersion = "synthetic_face_data_v1";

}  // namespace

void SyntheticFaceDataLayer::configure(Context& ctx, Tensors bottom, Tensors top) {
  const auto& p = param_.synthetic_face_data_param();
  SyntheticFaceConfig face;
  face.seed = p.seed();
  face.size = static_cast<int>(p.size());
  face.channels = static_cast<int>(p.channels());
  face.nuisance = {p.pose(),      p.illumination(), p.expression(),
                   p.occlusion(), p.clutter(),      p.degradation()};
  const int64_t pool = p.images_per_identity_pool() > 0 ? p.images_per_identity_pool()
                                                        : SyntheticFaceSource::kUnbounded;
  source_.emplace(with_context(describe(), [&] {
    return SyntheticFaceSource(face, p.first_identity(), static_cast<int>(p.identities()), pool);
  }));

  identities_per_batch_ = static_cast<int>(p.identities_per_batch());
  images_per_identity_ = static_cast<int>(p.images_per_identity());
  if (identities_per_batch_ > 0) {
    VISAGE_LAYER_CHECK(images_per_identity_ > 0,
                       "identities_per_batch is set, so images_per_identity (K) must be > 0");
    VISAGE_LAYER_CHECK(identities_per_batch_ <= static_cast<int>(p.identities()), "a batch of ",
                       identities_per_batch_, " distinct identities needs at least as many, but ",
                       "identities is ", p.identities());
    VISAGE_LAYER_CHECK(pool == SyntheticFaceSource::kUnbounded || images_per_identity_ <= pool,
                       "images_per_identity ", images_per_identity_,
                       " exceeds images_per_identity_pool ", pool);
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
  const SyntheticFaceConfig& face = source_->config();
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

void SyntheticFaceDataLayer::render(const std::vector<SyntheticDraw>& draws, float* data) const {
  const int size = source_->config().size, channels = source_->config().channels;
  const size_t plane = static_cast<size_t>(size) * size;
  const auto render_one = [&](size_t n) {
    const FaceImage image = source_->image(draws[n].label, draws[n].index);
    float* out = data + n * plane * static_cast<size_t>(channels);
    for (size_t i = 0; i < plane; ++i) {
      for (int c = 0; c < channels; ++c) {
        out[static_cast<size_t>(c) * plane + i] =
            (image.pixels[i * static_cast<size_t>(channels) + static_cast<size_t>(c)] - kMean) /
            kSpread;
      }
    }
  };
  // Each image is a pure function of its draw, so splitting the batch across threads changes
  // nothing but the time.
  std::vector<std::jthread> workers;
  for (int t = 1; t < threads_; ++t) {
    workers.emplace_back([&, t] {
      for (size_t n = static_cast<size_t>(t); n < draws.size();
           n += static_cast<size_t>(threads_)) {
        render_one(n);
      }
    });
  }
  for (size_t n = 0; n < draws.size(); n += static_cast<size_t>(threads_)) render_one(n);
}

void SyntheticFaceDataLayer::forward_cpu(Context& ctx, Tensors bottom, Tensors top) {
  // Ranks of a data-parallel run interleave the stream, each taking its own batches.
  const int64_t batch = batches_done_ * ctx.world_size() + ctx.rank();
  const std::vector<SyntheticDraw> draws = plan_batch(batch);
  render(draws, top[0]->mutable_data().data());
  if (top.size() > 1) {
    std::span<float> labels = top[1]->mutable_data();
    for (size_t n = 0; n < draws.size(); ++n) labels[n] = static_cast<float>(draws[n].label);
  }
  ++batches_done_;
}

std::string SyntheticFaceDataLayer::save_state() const {
  std::ostringstream out;
  out << kStateVersion << ' ' << batches_done_;
  return out.str();
}

void SyntheticFaceDataLayer::load_state(const std::string& state) {
  std::istringstream in(state);
  std::string version;
  int64_t batches = -1;
  in >> version >> batches;
  VISAGE_LAYER_CHECK(in && version == kStateVersion && batches >= 0, "saved state '", state,
                     "' is not a SyntheticFaceData state");
  batches_done_ = batches;
}

}  // namespace visage
