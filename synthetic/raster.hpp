// The synthetic face generator's software rasteriser. Shapes are signed distance functions in their
// own local frame, placed on the image by an affine map; the image spans [-1, 1] x [-1, 1] (x to
// the right, y down) whatever its pixel size, so a scene looks the same at every resolution. Edges
// are anti-aliased analytically (coverage from the signed distance over one sample's footprint) on
// a supersampled grid that is box-filtered down at the end.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

namespace visage::synthetic {

struct Vec2 {
  float x = 0;
  float y = 0;
};
inline Vec2 operator+(Vec2 a, Vec2 b) { return {a.x + b.x, a.y + b.y}; }
inline Vec2 operator-(Vec2 a, Vec2 b) { return {a.x - b.x, a.y - b.y}; }
inline Vec2 operator*(float s, Vec2 a) { return {s * a.x, s * a.y}; }
inline float length(Vec2 v) { return std::sqrt(v.x * v.x + v.y * v.y); }

struct Colour {
  float r = 0;
  float g = 0;
  float b = 0;
};
inline Colour operator*(float s, Colour c) { return {s * c.r, s * c.g, s * c.b}; }
inline Colour operator*(Colour a, Colour b) { return {a.r * b.r, a.g * b.g, a.b * b.b}; }
inline Colour operator+(Colour a, Colour b) { return {a.r + b.r, a.g + b.g, a.b + b.b}; }
inline Colour mix(Colour a, Colour b, float t) { return (1 - t) * a + t * b; }

// p -> [a b; c d] p + (tx, ty).
struct Affine {
  float a = 1, b = 0, c = 0, d = 1;
  float tx = 0, ty = 0;

  Vec2 apply(Vec2 p) const { return {a * p.x + b * p.y + tx, c * p.x + d * p.y + ty}; }
  Vec2 apply_linear(Vec2 v) const { return {a * v.x + b * v.y, c * v.x + d * v.y}; }
  // The map that applies this one, then `next`.
  Affine then(const Affine& next) const;
  Affine inverse() const;
  // The geometric mean of the two stretch factors: how long a local unit is in the image.
  float mean_scale() const;

  static Affine translation(Vec2 offset) { return {1, 0, 0, 1, offset.x, offset.y}; }
  static Affine rotation(float radians);
  static Affine scaling(float sx, float sy) { return {sx, 0, 0, sy, 0, 0}; }
};

// A shape in its local frame, placed by `to_image`. Distances are negative inside.
struct Outline {
  enum class Kind {
    ellipse,  // semi-axes p0, p1; with `wobble`, a bumpy outline (curly hair)
    ring,     // the outline of ellipse(p0, p1), p2 thick (glasses frames)
    capsule,  // along x from -p0 to p0, radius p1, bent by y += p2 x^2, radius tapering by p3 at
              // ends
    box,      // half sizes p0, p1, corner radius p2
    head,     // ellipse(p0, p1) whose lower half narrows to a jaw (p2: jaw width ratio, p3: chin)
  };
  Kind kind = Kind::ellipse;
  float p0 = 0, p1 = 0, p2 = 0, p3 = 0;
  float wobble_amplitude = 0;  // in local units
  float wobble_frequency = 0;  // bumps per turn
  Affine to_image;

  static Outline ellipse(float rx, float ry) { return make(Kind::ellipse, rx, ry, 0, 0); }
  static Outline ring(float rx, float ry, float thickness) {
    return make(Kind::ring, rx, ry, thickness, 0);
  }
  static Outline capsule(float half_length, float radius, float bend = 0, float taper = 0) {
    return make(Kind::capsule, half_length, radius, bend, taper);
  }
  static Outline box(float hx, float hy, float corner) {
    return make(Kind::box, hx, hy, corner, 0);
  }
  static Outline head(float rx, float ry, float jaw, float chin) {
    return make(Kind::head, rx, ry, jaw, chin);
  }
  Outline placed(const Affine& local_to_image) const {
    Outline s = *this;
    s.to_image = local_to_image;
    return s;
  }

  float local_distance(Vec2 local) const;
  // Half extents of a local box that contains the shape.
  Vec2 local_extent() const;

 private:
  static Outline make(Kind kind, float a, float b, float c, float d) {
    Outline s;
    s.kind = kind, s.p0 = a, s.p1 = b, s.p2 = c, s.p3 = d;
    return s;
  }
};

struct Paint {
  Colour colour;
  float opacity = 1;
  bool lit = false;  // multiplied by the scene's shading (skin, hair: things on the head)
  // Multiplicative value noise in the shape's local frame (skin texture): amplitude, cells per unit
  // and the key that seeds its lattice.
  float texture = 0;
  float texture_cells = 0;
  uint64_t texture_key = 0;
};

// A shape, optionally intersected with `inside` and with `cut` removed, filled with a paint.
struct Primitive {
  Outline shape;
  Paint paint;
  std::optional<Outline> inside;
  std::optional<Outline> cut;
};

class Raster {
 public:
  // `size` output pixels a side, each the average of supersample x supersample samples.
  Raster(int size, int supersample);

  // Sets every sample from a function of its position (the background). Templates rather than
  // std::function: the painter is called for every sample, and inlined it costs a few flops.
  template <typename ColourAt>
  void fill(const ColourAt& colour_at) {
    for_each_sample(colour_, colour_at);
  }
  // The per-sample light that lit paints are multiplied by.
  template <typename LightAt>
  void set_shading(const LightAt& light_at) {
    for_each_sample(light_, light_at);
  }
  void draw(const Primitive& primitive);
  // The box-filtered result, size x size x 3 (HWC).
  std::vector<float> resolve() const;

 private:
  Vec2 position(int row, int column) const {
    return {(static_cast<float>(column) + 0.5f) * sample_pitch_ - 1.0f,
            (static_cast<float>(row) + 0.5f) * sample_pitch_ - 1.0f};
  }
  template <typename ValueAt>
  void for_each_sample(std::vector<Colour>& samples, const ValueAt& value_at) const {
    for (int row = 0; row < samples_; ++row) {
      for (int column = 0; column < samples_; ++column) {
        samples[static_cast<size_t>(row) * samples_ + column] = value_at(position(row, column));
      }
    }
  }

  int size_;
  int supersample_;
  int samples_;         // samples a side
  float sample_pitch_;  // the width of one sample in image units
  std::vector<Colour> colour_;
  std::vector<Colour> light_;
};

// Smooth value noise in [0, 1], one independent lattice per key.
class ValueNoise {
 public:
  explicit ValueNoise(uint64_t key) : key_(key) {}
  float operator()(Vec2 p);

 private:
  uint64_t key_;
  // The lattice values at the corners of the last cell asked for: neighbouring samples mostly
  // fall in the same cell, and hashing the corners is most of the cost.
  bool cached_ = false;
  int64_t cell_x_ = 0;
  int64_t cell_y_ = 0;
  float corners_[4] = {};
};

}  // namespace visage::synthetic
