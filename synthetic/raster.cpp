#include "synthetic/raster.hpp"

#include <algorithm>
#include <cmath>

#include "synthetic/random.hpp"

namespace visage::synthetic {
namespace {

// Inigo Quilez's approximation of an ellipse's signed distance: exact on the outline, close
// nearby, which is all that anti-aliasing needs.
float ellipse_distance(Vec2 p, float rx, float ry) {
  const float k0 = length({p.x / rx, p.y / ry});
  const float k1 = length({p.x / (rx * rx), p.y / (ry * ry)});
  // A select rather than an early return, so that loops over samples stay branch-free.
  const float distance = k0 * (k0 - 1.0f) / k1;
  return k1 < 1e-12f ? -std::min(rx, ry) : distance;
}

float smoothstep01(float t) { return t * t * (3.0f - 2.0f * t); }

float lattice(uint64_t key, int64_t ix, int64_t iy) {
  const uint64_t h =
      hash_combine(hash_combine(key, static_cast<uint64_t>(ix)), static_cast<uint64_t>(iy));
  return static_cast<float>(h >> 40) * 0x1.0p-24f;
}

}  // namespace

Affine Affine::then(const Affine& n) const {
  return {n.a * a + n.b * c, n.a * b + n.b * d,          n.c * a + n.d * c,
          n.c * b + n.d * d, n.a * tx + n.b * ty + n.tx, n.c * tx + n.d * ty + n.ty};
}

Affine Affine::inverse() const {
  const float det = a * d - b * c;
  const float ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return {ia, ib, ic, id, -(ia * tx + ib * ty), -(ic * tx + id * ty)};
}

float Affine::mean_scale() const { return std::sqrt(std::fabs(a * d - b * c)); }

Affine Affine::rotation(float radians) {
  const float c = std::cos(radians), s = std::sin(radians);
  return {c, -s, s, c, 0, 0};
}

namespace {

// One kind's signed distance, `kind` known at compile time: Raster::draw fills a row of samples
// with one of these, a loop the compiler vectorises (square roots and divisions round exactly in
// SIMD as well, so the distances are the same bits as one sample at a time).
template <Outline::Kind kind>
float distance_as(const Outline& s, Vec2 q) {
  using Kind = Outline::Kind;
  if constexpr (kind == Kind::ellipse) {
    return ellipse_distance(q, s.p0, s.p1);  // the wobble, if any, is local_distance's
  } else if constexpr (kind == Kind::ring) {
    return std::fabs(ellipse_distance(q, s.p0, s.p1)) - 0.5f * s.p2;
  } else if constexpr (kind == Kind::capsule) {
    const float t = std::clamp(q.x, -s.p0, s.p0);
    const float radius = s.p1 * (1.0f - s.p3 * std::fabs(t) / s.p0);
    return length({q.x - t, q.y - s.p2 * q.x * q.x}) - radius;
  } else if constexpr (kind == Kind::box) {
    const float dx = std::fabs(q.x) - (s.p0 - s.p2), dy = std::fabs(q.y) - (s.p1 - s.p2);
    return length({std::max(dx, 0.0f), std::max(dy, 0.0f)}) + std::min(std::max(dx, dy), 0.0f) -
           s.p2;
  } else {
    static_assert(kind == Kind::head);
    // Below the centre line the width shrinks towards the jaw ratio; the chin exponent decides
    // whether it does so early (a pointed chin) or late (a square jaw).
    const float t = std::clamp(q.y / s.p1, 0.0f, 1.0f);
    const float width = 1.0f - (1.0f - s.p2) * std::pow(t, s.p3);
    return ellipse_distance({q.x / width, q.y}, s.p0, s.p1) * std::sqrt(width);
  }
}

// Calls body(distance) with `distance` the shape kind's distance_as, as a type of its own (a
// function pointer would hide which function it is from the compiler, and so from vectorising).
template <typename Body>
decltype(auto) with_kind(Outline::Kind kind, Body&& body) {
  using Kind = Outline::Kind;
  const auto as = [&]<Kind k>() {
    return body([](const Outline& s, Vec2 q) { return distance_as<k>(s, q); });
  };
  switch (kind) {
    case Kind::ellipse:
      return as.template operator()<Kind::ellipse>();
    case Kind::ring:
      return as.template operator()<Kind::ring>();
    case Kind::capsule:
      return as.template operator()<Kind::capsule>();
    case Kind::box:
      return as.template operator()<Kind::box>();
    case Kind::head:
      break;
  }
  return as.template operator()<Kind::head>();
}

}  // namespace

float Outline::local_distance(Vec2 q) const {
  float d = with_kind(kind, [&](auto distance) { return distance(*this, q); });
  if (kind == Kind::ellipse && wobble_amplitude != 0) {
    d -= wobble_amplitude * std::sin(wobble_frequency * std::atan2(q.y, q.x));
  }
  return d;
}

Vec2 Outline::local_extent() const {
  switch (kind) {
    case Kind::ellipse:
      return {p0 + std::fabs(wobble_amplitude), p1 + std::fabs(wobble_amplitude)};
    case Kind::ring:
      return {p0 + p2, p1 + p2};
    case Kind::capsule:
      return {p0 + p1, p1 + std::fabs(p2) * (p0 + p1) * (p0 + p1)};
    case Kind::box:
    case Kind::head:
      return {p0, p1};
  }
  return {};
}

Raster::Raster(int size, int supersample)
    : size_(size),
      supersample_(supersample),
      samples_(size * supersample),
      sample_pitch_(2.0f / static_cast<float>(size * supersample)),
      colour_(static_cast<size_t>(samples_) * samples_),
      light_(colour_.size(), Colour{1, 1, 1}) {}

void Raster::draw(const Primitive& primitive) {
  const Outline& shape = primitive.shape;
  // The image-space bounding box of the shape's local extent, one sample of margin.
  const Vec2 e = shape.local_extent();
  float x0 = 2, y0 = 2, x1 = -2, y1 = -2;
  for (const Vec2 corner : {Vec2{-e.x, -e.y}, Vec2{e.x, -e.y}, Vec2{-e.x, e.y}, Vec2{e.x, e.y}}) {
    const Vec2 p = shape.to_image.apply(corner);
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  const auto to_sample = [&](float v) { return (v + 1.0f) / sample_pitch_; };
  const int c0 = std::max(0, static_cast<int>(std::floor(to_sample(x0))) - 1);
  const int c1 = std::min(samples_ - 1, static_cast<int>(std::ceil(to_sample(x1))) + 1);
  const int r0 = std::max(0, static_cast<int>(std::floor(to_sample(y0))) - 1);
  const int r1 = std::min(samples_ - 1, static_cast<int>(std::ceil(to_sample(y1))) + 1);
  if (c0 > c1 || r0 > r1) return;

  // Each shape with its inverse placement and its local-to-image length ratio.
  struct Placed {
    const Outline* shape = nullptr;
    Affine to_local;
    float scale = 1;
  };
  const auto place = [](const std::optional<Outline>& s) {
    return s ? Placed{&*s, s->to_image.inverse(), s->to_image.mean_scale()} : Placed{};
  };
  const Placed main{&shape, shape.to_image.inverse(), shape.to_image.mean_scale()};
  const Placed inside = place(primitive.inside);
  const Placed cut = place(primitive.cut);
  const auto distance = [](const Placed& s, Vec2 p) {
    return s.shape->local_distance(s.to_local.apply(p)) * s.scale;
  };
  // Samples farther out than this are not covered at all.
  const float reach = 0.5f * sample_pitch_;
  const Paint& paint = primitive.paint;
  ValueNoise texture(paint.texture_key);

  // The main shape's distances a row at a time, in a loop over samples with one kind of shape
  // (vectorised; see distance_as), before the per-sample work of the covered ones.
  std::vector<float> row_distances(static_cast<size_t>(c1 - c0 + 1));
  const auto fill_row = [&](int row, auto local_distance) {
    const float y = position(row, 0).y;
    for (int column = c0; column <= c1; ++column) {
      const Vec2 p{position(row, column).x, y};
      row_distances[static_cast<size_t>(column - c0)] =
          local_distance(shape, main.to_local.apply(p)) * main.scale;
    }
  };
  const bool wobbly = shape.wobble_amplitude != 0;
  for (int row = r0; row <= r1; ++row) {
    if (wobbly) {
      fill_row(row, [](const Outline& s, Vec2 q) { return s.local_distance(q); });
    } else {
      with_kind(shape.kind, [&](auto local_distance) { fill_row(row, local_distance); });
    }
    for (int column = c0; column <= c1; ++column) {
      const Vec2 p = position(row, column);
      float d = row_distances[static_cast<size_t>(column - c0)];
      if (d >= reach) continue;
      if (inside.shape != nullptr) d = std::max(d, distance(inside, p));
      if (cut.shape != nullptr) d = std::max(d, -distance(cut, p));
      const float coverage = std::clamp(0.5f - d / sample_pitch_, 0.0f, 1.0f) * paint.opacity;
      if (coverage <= 0) continue;
      const size_t i = static_cast<size_t>(row) * samples_ + column;
      Colour c = paint.colour;
      if (paint.texture != 0) {
        const Vec2 q = main.to_local.apply(p);
        const float n = texture({q.x * paint.texture_cells, q.y * paint.texture_cells});
        c = (1.0f + paint.texture * (2.0f * n - 1.0f)) * c;
      }
      if (paint.lit) c = c * light_[i];
      colour_[i] = mix(colour_[i], c, coverage);
    }
  }
}

std::vector<float> Raster::resolve() const {
  std::vector<float> out(static_cast<size_t>(size_) * size_ * 3);
  const float weight = 1.0f / static_cast<float>(supersample_ * supersample_);
  for (int y = 0; y < size_; ++y) {
    for (int x = 0; x < size_; ++x) {
      Colour sum;
      for (int sy = 0; sy < supersample_; ++sy) {
        for (int sx = 0; sx < supersample_; ++sx) {
          const size_t i = static_cast<size_t>(y * supersample_ + sy) * samples_ +
                           static_cast<size_t>(x * supersample_ + sx);
          sum = sum + colour_[i];
        }
      }
      float* pixel = &out[(static_cast<size_t>(y) * size_ + x) * 3];
      pixel[0] = std::clamp(weight * sum.r, 0.0f, 1.0f);
      pixel[1] = std::clamp(weight * sum.g, 0.0f, 1.0f);
      pixel[2] = std::clamp(weight * sum.b, 0.0f, 1.0f);
    }
  }
  return out;
}

float ValueNoise::operator()(Vec2 p) {
  const float fx = std::floor(p.x), fy = std::floor(p.y);
  const auto ix = static_cast<int64_t>(fx), iy = static_cast<int64_t>(fy);
  if (!cached_ || ix != cell_x_ || iy != cell_y_) {
    corners_[0] = lattice(key_, ix, iy);
    corners_[1] = lattice(key_, ix + 1, iy);
    corners_[2] = lattice(key_, ix, iy + 1);
    corners_[3] = lattice(key_, ix + 1, iy + 1);
    cached_ = true, cell_x_ = ix, cell_y_ = iy;
  }
  const float tx = smoothstep01(p.x - fx), ty = smoothstep01(p.y - fy);
  const float top = corners_[0] * (1 - tx) + corners_[1] * tx;
  const float bottom = corners_[2] * (1 - tx) + corners_[3] * tx;
  return top * (1 - ty) + bottom * ty;
}

}  // namespace visage::synthetic
