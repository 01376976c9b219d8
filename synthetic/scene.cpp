#include "synthetic/scene.hpp"

#include <algorithm>
#include <cmath>

namespace visage::synthetic {
namespace {

// Where the head's centre sits in an unposed image: a little above the middle, leaving room for
// the neck and shoulders.
constexpr Vec2 kHeadCentre{0.0f, -0.06f};

struct Vec3 {
  float x = 0;
  float y = 0;
  float z = 0;
};

Paint lit(Colour colour, float opacity = 1) {
  Paint p;
  p.colour = colour;
  p.opacity = opacity;
  p.lit = true;
  return p;
}

Paint flat(Colour colour, float opacity = 1) {
  Paint p;
  p.colour = colour;
  p.opacity = opacity;
  return p;
}

// A capsule from image point a to image point b.
Outline segment(Vec2 a, Vec2 b, float radius) {
  const Vec2 d = b - a;
  return Outline::capsule(std::max(0.5f * length(d), 1e-4f), radius)
      .placed(Affine::rotation(std::atan2(d.y, d.x)).then(Affine::translation(0.5f * (a + b))));
}

// The head as a 3-D ellipsoid turned by yaw and pitch, projected orthographically, then rolled,
// scaled and shifted in the image. Features are drawn in local frames that follow the surface, so
// they foreshorten and slide sideways as the head turns, which is what out-of-plane pose looks
// like.
class HeadPose {
 public:
  HeadPose(const IdentityParams& id, const NuisanceParams& n)
      : id_(id),
        cos_yaw_(std::cos(n.yaw)),
        sin_yaw_(std::sin(n.yaw)),
        cos_pitch_(std::cos(n.pitch)),
        sin_pitch_(std::sin(n.pitch)),
        posed_to_image_(Affine::scaling(n.scale, n.scale)
                            .then(Affine::rotation(n.roll))
                            .then(Affine::translation(kHeadCentre + n.shift))) {}

  const Affine& posed_to_image() const { return posed_to_image_; }

  float surface_z(Vec2 f) const {
    const float u = f.x / id_.head_rx, v = f.y / id_.head_ry;
    return id_.head_depth * std::sqrt(std::max(0.05f, 1 - u * u - v * v));
  }
  Vec3 on_surface(Vec2 f, float lift = 0) const { return {f.x, f.y, surface_z(f) + lift}; }

  Vec3 rotate(Vec3 p) const {
    const float x1 = p.x * cos_yaw_ + p.z * sin_yaw_;
    const float z1 = -p.x * sin_yaw_ + p.z * cos_yaw_;
    return {x1, p.y * cos_pitch_ + z1 * sin_pitch_, -p.y * sin_pitch_ + z1 * cos_pitch_};
  }
  Vec2 project(Vec3 p) const {
    const Vec3 r = rotate(p);
    return posed_to_image_.apply({r.x, r.y});
  }

  // Local frame of a feature at face-plane point f (lifted off the skin by `lift`), turned by
  // `angle`: the Jacobian of the surface's projection, measured by finite differences.
  Affine surface_frame(Vec2 f, float angle = 0, float lift = 0) const {
    constexpr float h = 0.01f;
    const Vec2 o = project(on_surface(f, lift));
    const Vec2 dx = (1 / h) * (project(on_surface(f + Vec2{h, 0}, lift)) - o);
    const Vec2 dy = (1 / h) * (project(on_surface(f + Vec2{0, h}, lift)) - o);
    return Affine::rotation(angle).then(Affine{dx.x, dy.x, dx.y, dy.y, o.x, o.y});
  }

  // The outline of an ellipsoid (rx, ry, depth) centred at `centre`: its frontal outline stretched
  // by how much of the depth the rotation brings into view.
  Affine silhouette(float rx, float ry, float depth, Vec3 centre = {}) const {
    const float sx =
        std::sqrt(cos_yaw_ * cos_yaw_ + (depth / rx) * (depth / rx) * sin_yaw_ * sin_yaw_);
    const float sy =
        std::sqrt(cos_pitch_ * cos_pitch_ + (depth / ry) * (depth / ry) * sin_pitch_ * sin_pitch_);
    const Vec3 c = rotate(centre);
    return Affine::scaling(sx, sy).then(Affine::translation({c.x, c.y})).then(posed_to_image_);
  }

  Affine head_silhouette() const { return silhouette(id_.head_rx, id_.head_ry, id_.head_depth); }

 private:
  const IdentityParams& id_;
  float cos_yaw_, sin_yaw_, cos_pitch_, sin_pitch_;
  Affine posed_to_image_;
};

class FacePainter {
 public:
  FacePainter(const IdentityParams& id, const NuisanceParams& n, Raster& raster)
      : id_(id),
        n_(n),
        raster_(raster),
        pose_(id, n),
        light_in_head_(Affine::rotation(-n.roll).apply_linear({n.light_x, n.light_y})) {}

  void paint() {
    background();
    const Affine image_to_head = pose_.head_silhouette().inverse();
    raster_.set_shading([&](Vec2 p) { return light_at(image_to_head.apply(p)); });
    body();
    back_hair();
    ears();
    head();
    skin_marks();
    facial_hair();
    nose();
    mouth();
    eyes();
    brows();
    hair();
    if (n_.glasses) glasses();
    if (n_.hat) hat();
  }

 private:
  void draw(const Outline& shape, const Paint& paint, std::optional<Outline> inside = std::nullopt,
            std::optional<Outline> cut = std::nullopt) {
    raster_.draw({shape, paint, std::move(inside), std::move(cut)});
  }

  // Lambert on the head ellipsoid: the normal is read off the head's outline, the light turned
  // into the head's rolled frame. Outside the outline (neck, clothes, hair) the normal leans
  // towards the camera so those are shaded softly too.
  // `q` is a point in the frame of the head's outline.
  Colour light_at(Vec2 q) const {
    const float u = q.x / id_.head_rx, v = q.y / id_.head_ry;
    const float nz = std::max(0.3f, std::sqrt(std::max(0.0f, 1 - u * u - v * v)));
    const float norm = std::sqrt(u * u + v * v + nz * nz);
    const Vec2 light = light_in_head_;
    const float lambert = std::max(0.0f, (u * light.x + v * light.y + nz * n_.light_z) / norm);
    return (n_.ambient + n_.diffuse * lambert) * n_.light_colour;
  }

  void background() {
    const Vec2 direction{std::cos(n_.background_angle), std::sin(n_.background_angle)};
    raster_.fill([&](Vec2 p) {
      const float t = std::clamp(0.5f + 0.5f * (p.x * direction.x + p.y * direction.y), 0.0f, 1.0f);
      return mix(n_.background_from, n_.background_to, t);
    });
    for (const ClutterShape& c : n_.clutter) draw(c.shape, flat(c.colour, c.opacity));
  }

  void body() {
    const Affine& posed = pose_.posed_to_image();
    draw(Outline::ellipse(id_.head_rx * 2.3f, 0.7f)
             .placed(Affine::translation({0, id_.head_ry + 0.75f}).then(posed)),
         lit(n_.clothing));
    draw(Outline::box(id_.neck_width, 0.4f, 0.05f)
             .placed(Affine::translation({0, id_.head_ry * 0.6f + 0.3f}).then(posed)),
         lit(0.82f * id_.skin));
  }

  bool long_hair() const {
    return id_.hair_style == HairStyle::long_straight || id_.hair_style == HairStyle::curly;
  }

  void back_hair() {
    if (!long_hair()) return;
    const float rx = id_.head_rx, ry = id_.head_ry, v = id_.hair_volume;
    Paint paint = hair_paint();
    paint.colour = 0.8f * paint.colour;  // behind the head, in its shadow
    if (id_.hair_style == HairStyle::long_straight) {
      const float top = -ry - v, bottom = ry * 1.15f;
      draw(
          Outline::box(rx + 1.3f * v, 0.5f * (bottom - top), rx * 0.7f)
              .placed(Affine::translation({0, 0.5f * (top + bottom)}).then(pose_.posed_to_image())),
          paint);
    } else {
      Outline curls = Outline::ellipse(rx + 2.2f * v, ry * 0.8f + 1.6f * v);
      curls.wobble_amplitude = 0.35f * v;
      curls.wobble_frequency = 17;
      draw(curls.placed(Affine::translation({0, -0.15f * ry}).then(pose_.posed_to_image())), paint);
    }
  }

  void ears() {
    for (const float side : {-1.0f, 1.0f}) {
      const Vec2 at =
          pose_.project({side * id_.head_rx * 0.96f, id_.eye_y + 0.12f * id_.head_ry, 0});
      const Affine frame = Affine::rotation(n_.roll).then(Affine::translation(at));
      const float s = id_.ear_size * n_.scale;
      draw(Outline::ellipse(0.5f * s, s).placed(frame), lit(id_.skin));
      draw(Outline::ellipse(0.25f * s, 0.6f * s).placed(frame), lit(0.78f * id_.skin, 0.7f));
    }
  }

  Outline head_shape() const {
    return Outline::head(id_.head_rx, id_.head_ry, id_.jaw, id_.chin)
        .placed(pose_.head_silhouette());
  }

  void head() {
    Paint skin = lit(id_.skin);
    skin.texture = id_.skin_texture;
    skin.texture_cells = id_.skin_texture_cells;
    skin.texture_key = id_.skin_texture_key;
    draw(head_shape(), skin);
  }

  void skin_marks() {
    const float cheek_y = 0.5f * (id_.nose_tip_y + id_.mouth_y) - 0.1f * id_.head_ry;
    for (const float side : {-1.0f, 1.0f}) {
      draw(Outline::ellipse(id_.eye_rx * 1.1f, id_.eye_rx * 0.8f)
               .placed(pose_.surface_frame({side * id_.eye_spacing * 1.1f, cheek_y})),
           lit({0.86f, 0.36f, 0.36f}, 0.5f * id_.blush), head_shape());
      // The eye socket's shadow, which gives the upper face its depth.
      draw(
          Outline::ellipse(id_.eye_rx * 1.35f, id_.eye_ry * 1.6f)
              .placed(pose_.surface_frame({side * id_.eye_spacing, id_.eye_y - 0.2f * id_.eye_ry})),
          lit(0.8f * id_.skin, 0.45f));
    }
    for (const Spot& s : id_.spots) {
      draw(Outline::ellipse(s.radius, s.radius).placed(pose_.surface_frame(s.position)),
           lit(mix(id_.skin, {0.28f, 0.16f, 0.1f}, s.darkness)), head_shape());
    }
  }

  Paint hair_paint() const {
    Paint p = lit(id_.hair);
    p.texture = 0.12f;
    p.texture_cells = 40;
    p.texture_key = id_.skin_texture_key ^ 0x5bd1e995ULL;
    return p;
  }

  Affine mouth_frame() const { return pose_.surface_frame({0, id_.mouth_y}); }

  Outline mouth_region() const {
    return Outline::ellipse(id_.mouth_half_width * 0.95f,
                            id_.lip_thickness * (1.6f + 2.5f * n_.mouth_open))
        .placed(mouth_frame());
  }

  void moustache(const Paint& paint) {
    draw(Outline::capsule(id_.mouth_half_width * 0.85f, id_.lip_thickness * 0.9f, 1.5f, 0.5f)
             .placed(Affine::translation({0, -id_.lip_thickness * (2.0f + n_.mouth_open)})
                         .then(mouth_frame())),
         paint);
  }

  void facial_hair() {
    Paint paint = hair_paint();
    const float ry = id_.head_ry;
    switch (id_.facial_hair) {
      case FacialHair::none:
        return;
      case FacialHair::stubble:
      case FacialHair::full_beard: {
        if (id_.facial_hair == FacialHair::stubble) {
          paint.colour = mix(paint.colour, {0.1f, 0.08f, 0.07f}, 0.5f);
          paint.opacity = 0.25f;
        }
        const float top = id_.nose_tip_y + 0.05f * ry;
        draw(Outline::ellipse(id_.head_rx * 1.05f, ry * 1.1f - top)
                 .placed(pose_.surface_frame({0, ry * 1.1f})),
             paint, head_shape(), mouth_region());
        if (id_.facial_hair == FacialHair::full_beard) moustache(paint);
        return;
      }
      case FacialHair::goatee: {
        const float h = 0.5f * (ry - id_.mouth_y);
        draw(Outline::ellipse(id_.mouth_half_width * 0.55f, h)
                 .placed(pose_.surface_frame({0, id_.mouth_y + 1.1f * h})),
             paint, head_shape(), mouth_region());
        moustache(paint);
        return;
      }
      case FacialHair::moustache:
        moustache(paint);
        return;
    }
  }

  void nose() {
    const Vec3 tip3{0, id_.nose_tip_y, pose_.surface_z({0, id_.nose_tip_y}) + id_.nose_protrusion};
    const Vec2 tip = pose_.project(tip3);
    const Vec2 bridge = pose_.project(pose_.on_surface({0, id_.eye_y + 0.5f * id_.eye_ry}));
    const float w = id_.nose_half_width * n_.scale;
    // The shadow the nose casts, away from the light.
    const Vec2 away = Affine::rotation(n_.roll).apply_linear({-n_.light_x, -n_.light_y});
    const Vec2 shadow_at = tip + (id_.nose_protrusion * n_.scale * 0.5f) * away;
    draw(Outline::ellipse(w * 0.7f, w * 0.45f)
             .placed(Affine::rotation(n_.roll).then(Affine::translation(shadow_at))),
         lit(0.6f * id_.skin, 0.45f * n_.diffuse));
    draw(segment(bridge, tip, w * 0.18f), lit(0.82f * id_.skin, 0.5f));
    draw(Outline::ellipse(w * 0.6f, w * 0.45f)
             .placed(Affine::rotation(n_.roll).then(Affine::translation(tip))),
         lit(1.05f * id_.skin));
    for (const float side : {-1.0f, 1.0f}) {
      const Vec3 nostril{side * id_.nose_half_width * 0.55f, id_.nose_tip_y + 0.25f * w,
                         tip3.z - 0.6f * id_.nose_protrusion};
      draw(Outline::ellipse(w * 0.22f, w * 0.13f)
               .placed(Affine::rotation(n_.roll).then(Affine::translation(pose_.project(nostril)))),
           lit({0.25f, 0.12f, 0.1f}, 0.75f));
    }
  }

  void mouth() {
    const Affine frame = mouth_frame();
    const float w = id_.mouth_half_width, lip = id_.lip_thickness;
    // y grows downwards: a negative bend lifts the corners (a smile).
    const float bend = -n_.smile * 1.2f / w;
    const float gap = n_.mouth_open * lip * 2.5f;
    if (gap > 0.002f) {
      const Outline inside = Outline::ellipse(w * 0.8f, 0.5f * gap + 0.3f * lip).placed(frame);
      draw(inside, lit({0.28f, 0.06f, 0.08f}));
      draw(Outline::box(w * 0.7f, 0.3f * gap, 0.01f)
               .placed(Affine::translation({0, -0.5f * gap}).then(frame)),
           lit({0.92f, 0.9f, 0.84f}), inside);
    } else {
      draw(Outline::capsule(w * 0.9f, 0.2f * lip, bend, 0.3f).placed(frame),
           lit({0.3f, 0.1f, 0.1f}, 0.8f));
    }
    draw(Outline::capsule(w, 0.55f * lip, bend, 0.7f)
             .placed(Affine::translation({0, -0.5f * gap - 0.5f * lip}).then(frame)),
         lit(0.9f * id_.lips));
    draw(Outline::capsule(w * 0.9f, 0.7f * lip, bend, 0.6f)
             .placed(Affine::translation({0, 0.5f * gap + 0.65f * lip}).then(frame)),
         lit(id_.lips));
  }

  void eyes() {
    const float open = std::max(0.08f, n_.eye_open);
    for (const float side : {-1.0f, 1.0f}) {
      // Positive tilt lifts the outer corners (y is down, so the right eye turns by -tilt).
      const Affine frame =
          pose_.surface_frame({side * id_.eye_spacing, id_.eye_y}, -side * id_.eye_tilt);
      const float ry = id_.eye_ry * open;
      const Outline sclera = Outline::ellipse(id_.eye_rx, ry).placed(frame);
      draw(sclera, lit({0.93f, 0.92f, 0.9f}));
      const Affine iris_frame =
          Affine::translation({n_.gaze.x * id_.eye_rx * 0.5f, n_.gaze.y * id_.eye_ry * 0.4f})
              .then(frame);
      const float r = id_.iris_radius;
      draw(Outline::ellipse(r, r).placed(iris_frame), lit(id_.iris), sclera);
      draw(Outline::ellipse(0.45f * r, 0.45f * r).placed(iris_frame), lit({0.03f, 0.03f, 0.03f}),
           sclera);
      draw(Outline::ellipse(0.18f * r, 0.18f * r)
               .placed(Affine::translation({-0.3f * r, -0.3f * r}).then(iris_frame)),
           flat({1, 1, 1}, 0.8f), sclera);
      // The upper lid's line and lashes, following the top of the opening.
      draw(Outline::capsule(id_.eye_rx * 1.02f, 0.12f * id_.eye_ry + 0.006f,
                            ry / (id_.eye_rx * id_.eye_rx), 0.5f)
               .placed(Affine::translation({0, -ry}).then(frame)),
           lit({0.1f, 0.07f, 0.06f}));
    }
  }

  void brows() {
    const Colour colour = mix(id_.hair, {0.05f, 0.04f, 0.03f}, 0.35f);
    for (const float side : {-1.0f, 1.0f}) {
      const Vec2 centre{side * (id_.eye_spacing + 0.1f * id_.eye_rx), id_.eye_y - id_.brow_lift};
      draw(Outline::capsule(id_.brow_half_length, 0.5f * id_.brow_thickness, id_.brow_arch, 0.5f)
               .placed(pose_.surface_frame(centre, -side * id_.brow_angle)),
           lit(colour));
    }
  }

  void hair() {
    if (id_.hair_style == HairStyle::bald) return;
    const float rx = id_.head_rx, ry = id_.head_ry;
    const float v = id_.hair_style == HairStyle::buzz ? 0.015f : id_.hair_volume;
    Paint paint = hair_paint();
    if (id_.hair_style == HairStyle::buzz) paint.opacity = 0.8f;

    Outline cap_outline = Outline::ellipse(rx + v, ry + 0.8f * v);
    if (id_.hair_style == HairStyle::curly) {
      cap_outline.wobble_amplitude = 0.3f * v;
      cap_outline.wobble_frequency = 19;
    }
    const Outline cap = cap_outline.placed(
        pose_.silhouette(rx + v, ry + 0.8f * v, id_.head_depth + v, {0, -0.6f * v, 0}));
    // Short styles stop above the ears; long ones fall to the shoulders behind the face.
    const float lowest = long_hair() ? ry * 1.2f : id_.eye_y + 0.3f * ry;
    const Outline keep =
        Outline::box(3, 0.5f * (lowest + 3), 0)
            .placed(Affine::translation({0, 0.5f * (lowest - 3)}).then(pose_.posed_to_image()));

    const float bottom = ry + v + 0.1f;
    Outline face_window;
    if (id_.hair_style == HairStyle::fringe) {
      const float fringe = id_.eye_y - id_.brow_lift - 0.5f * id_.eye_rx;
      face_window = Outline::box(rx * 0.93f, 0.5f * (bottom - fringe), rx * 0.35f)
                        .placed(pose_.surface_frame({0, 0.5f * (bottom + fringe)}));
    } else {
      const float part = id_.hair_style == HairStyle::side_part ? id_.hair_part : 0.0f;
      const float half = 0.5f * (bottom - id_.hairline_y);
      face_window =
          Outline::ellipse(rx * 0.93f, half)
              .placed(pose_.surface_frame({part * rx * 0.3f, id_.hairline_y + half}, part * 0.25f));
    }
    // The face window is cut from the cap, then what remains is limited to the kept region.
    raster_.draw({cap, paint, keep, face_window});
    if (id_.hair_style == HairStyle::bun) {
      const float r = rx * 0.33f;
      draw(Outline::ellipse(r, 0.8f * r)
               .placed(Affine::translation({0, -ry - v - 0.5f * r}).then(pose_.posed_to_image())),
           paint);
    }
  }

  void glasses() {
    const float lift = 0.35f * id_.nose_protrusion;
    const float rx = id_.eye_rx * (n_.round_glasses ? 1.3f : 1.55f);
    const float ry = n_.round_glasses ? rx : id_.eye_rx * 0.95f;
    const Colour lens = n_.sunglasses ? Colour{0.05f, 0.05f, 0.07f} : Colour{0.85f, 0.92f, 1.0f};
    Vec2 inner[2], outer[2];
    int i = 0;
    for (const float side : {-1.0f, 1.0f}) {
      const Affine frame = pose_.surface_frame({side * id_.eye_spacing, id_.eye_y}, 0, lift);
      draw(Outline::ellipse(rx, ry).placed(frame), lit(lens, n_.sunglasses ? 0.9f : 0.15f));
      draw(Outline::ring(rx, ry, 0.035f * id_.head_rx).placed(frame), lit(n_.frame_colour));
      inner[i] = frame.apply({-side * rx, 0});
      outer[i] = frame.apply({side * rx, 0});
      ++i;
    }
    const float thickness = 0.018f * id_.head_rx * n_.scale;
    draw(segment(inner[0], inner[1], thickness), lit(n_.frame_colour));
    for (int s = 0; s < 2; ++s) {
      const float side = s == 0 ? -1.0f : 1.0f;
      const Vec2 ear = pose_.project({side * id_.head_rx, id_.eye_y + 0.05f * id_.head_ry, 0});
      draw(segment(outer[s], ear, thickness), lit(n_.frame_colour));
    }
  }

  void hat() {
    const float rx = id_.head_rx, ry = id_.head_ry, v = id_.hair_volume;
    const Affine& posed = pose_.posed_to_image();
    if (n_.cap) {
      const float band = id_.hairline_y - 0.05f * ry;
      const Outline crown = Outline::ellipse(rx + v + 0.02f, ry + v)
                                .placed(Affine::translation({0, -0.6f * v}).then(posed));
      const Outline above = Outline::box(3, 0.5f * (band + 3), 0)
                                .placed(Affine::translation({0, 0.5f * (band - 3)}).then(posed));
      draw(crown, lit(n_.hat_colour), above);
      draw(Outline::ellipse(rx * 0.85f, ry * 0.13f)
               .placed(pose_.surface_frame({0, band}, 0, 0.6f * id_.nose_protrusion)),
           lit(0.85f * n_.hat_colour));
    } else {
      const float brim_y = id_.hairline_y - 0.1f * ry;
      const float crown_h = ry * 0.45f;
      draw(Outline::box(rx * 0.9f, crown_h, rx * 0.25f)
               .placed(Affine::translation({0, brim_y - crown_h * 0.8f}).then(posed)),
           lit(n_.hat_colour));
      draw(Outline::ellipse(rx * 1.65f, ry * 0.12f)
               .placed(Affine::translation({0, brim_y}).then(posed)),
           lit(0.9f * n_.hat_colour));
    }
  }

  const IdentityParams& id_;
  const NuisanceParams& n_;
  Raster& raster_;
  HeadPose pose_;
  Vec2 light_in_head_;  // the light's direction turned into the head's rolled frame, once
};

}  // namespace

void paint_scene(const IdentityParams& identity, const NuisanceParams& nuisance, Raster& raster) {
  FacePainter(identity, nuisance, raster).paint();
}

}  // namespace visage::synthetic
