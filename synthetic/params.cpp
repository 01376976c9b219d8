#include "synthetic/params.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "synthetic/random.hpp"

namespace visage::synthetic {
namespace {

constexpr float kPi = std::numbers::pi_v<float>;

// Varies brightness by about `amount` and hue by a little, so palette colours stay recognisable.
Colour jitter(HashStream& r, Colour c, float amount) {
  const float brightness = 1 + r.normal(2 * amount);
  const auto channel = [&](float v) {
    return std::clamp(brightness * v + r.normal(0.3f * amount), 0.0f, 1.0f);
  };
  const float red = channel(c.r), green = channel(c.g);
  return {red, green, channel(c.b)};
}

Colour random_colour(HashStream& r) { return {r.uniform(), r.uniform(), r.uniform()}; }

// Random colours of everyday scenes: mostly muted, rarely saturated.
Colour scene_colour(HashStream& r) {
  const Colour c = random_colour(r);
  const float grey = (c.r + c.g + c.b) / 3;
  return mix(Colour{grey, grey, grey}, c, r.uniform(0.2f, 0.9f));
}

template <size_t N>
Colour pick(HashStream& r, const std::array<Colour, N>& palette) {
  return palette[static_cast<size_t>(r.below(static_cast<int>(N)))];
}

// From pale to deep brown through a medium tone, with a little variation in hue.
Colour skin_tone(HashStream& r) {
  constexpr Colour pale{0.96f, 0.80f, 0.69f}, medium{0.78f, 0.56f, 0.41f},
      deep{0.36f, 0.22f, 0.15f};
  const float t = std::pow(r.uniform(), 1.3f);  // a little more often pale than deep
  const Colour base = t < 0.5f ? mix(pale, medium, 2 * t) : mix(medium, deep, 2 * t - 1);
  return jitter(r, base, 0.025f);
}

void draw_hair(HashStream& r, IdentityParams& id) {
  constexpr std::array<Colour, 8> palette{{{0.07f, 0.05f, 0.04f},
                                           {0.22f, 0.13f, 0.07f},
                                           {0.42f, 0.27f, 0.13f},
                                           {0.80f, 0.65f, 0.38f},
                                           {0.93f, 0.84f, 0.58f},
                                           {0.58f, 0.22f, 0.08f},
                                           {0.55f, 0.54f, 0.53f},
                                           {0.88f, 0.87f, 0.85f}}};
  id.hair = jitter(r, pick(r, palette), 0.04f);
  id.hair_style = static_cast<HairStyle>(r.below(8));
  id.hairline_y = -id.head_ry * r.uniform(0.38f, 0.62f);
  id.hair_volume = id.head_rx * r.uniform(0.06f, 0.2f);
  id.hair_part = r.uniform(-0.35f, 0.35f);
}

void draw_spots(HashStream& r, IdentityParams& id) {
  const int moles = r.below(4);
  for (int i = 0; i < moles; ++i) {
    id.spots.push_back({{id.head_rx * r.uniform(-0.7f, 0.7f), id.head_ry * r.uniform(-0.3f, 0.75f)},
                        id.head_rx * r.uniform(0.018f, 0.035f),
                        r.uniform(0.35f, 0.6f)});
  }
  if (r.chance(0.3f)) {
    const int freckles = 10 + r.below(25);
    for (int i = 0; i < freckles; ++i) {
      const float side = r.chance(0.5f) ? -1.0f : 1.0f;
      id.spots.push_back(
          {{side * id.head_rx * r.uniform(0.05f, 0.6f), id.head_ry * r.uniform(0.0f, 0.35f)},
           id.head_rx * r.uniform(0.008f, 0.016f),
           r.uniform(0.15f, 0.3f)});
    }
  }
}

}  // namespace

IdentityParams draw_identity(uint64_t seed, int64_t identity) {
  IdentityParams id;
  {
    HashStream r(seed, identity, -1, Purpose::head);
    id.head_rx = r.uniform(0.47f, 0.57f);
    id.head_ry = id.head_rx * r.uniform(1.15f, 1.42f);
    id.head_depth = id.head_rx * r.uniform(0.9f, 1.1f);
    id.jaw = r.uniform(0.5f, 0.9f);
    id.chin = r.uniform(0.7f, 2.6f);
    id.ear_size = id.head_ry * r.uniform(0.15f, 0.23f);
    id.neck_width = id.head_rx * r.uniform(0.45f, 0.7f);
  }
  {
    HashStream r(seed, identity, -1, Purpose::eyes);
    constexpr std::array<Colour, 6> irises{{{0.33f, 0.19f, 0.09f},
                                            {0.13f, 0.08f, 0.05f},
                                            {0.28f, 0.48f, 0.75f},
                                            {0.33f, 0.50f, 0.28f},
                                            {0.50f, 0.56f, 0.62f},
                                            {0.52f, 0.40f, 0.18f}}};
    id.eye_spacing = id.head_rx * r.uniform(0.34f, 0.5f);
    id.eye_y = -id.head_ry * r.uniform(0.0f, 0.16f);
    id.eye_rx = id.head_rx * r.uniform(0.14f, 0.21f);
    id.eye_ry = id.eye_rx * r.uniform(0.42f, 0.7f);
    id.eye_tilt = r.uniform(-0.18f, 0.18f);
    id.iris_radius = id.eye_rx * r.uniform(0.42f, 0.58f);
    id.iris = jitter(r, pick(r, irises), 0.04f);
  }
  {
    HashStream r(seed, identity, -1, Purpose::brows);
    id.brow_lift = id.eye_rx * r.uniform(0.95f, 1.7f);
    id.brow_half_length = id.eye_rx * r.uniform(1.0f, 1.45f);
    id.brow_thickness = id.head_rx * r.uniform(0.035f, 0.085f);
    id.brow_angle = r.uniform(-0.3f, 0.25f);
    id.brow_arch = r.uniform(-1.0f, 4.0f);
  }
  {
    HashStream r(seed, identity, -1, Purpose::nose);
    id.nose_tip_y = id.head_ry * r.uniform(0.18f, 0.36f);
    id.nose_half_width = id.head_rx * r.uniform(0.1f, 0.22f);
    id.nose_protrusion = id.head_rx * r.uniform(0.2f, 0.45f);
  }
  {
    HashStream r(seed, identity, -1, Purpose::skin);
    id.skin = skin_tone(r);
    id.blush = r.uniform(0.0f, 0.3f);
  }
  {
    HashStream r(seed, identity, -1, Purpose::mouth);
    id.mouth_y = id.nose_tip_y + (id.head_ry - id.nose_tip_y) * r.uniform(0.28f, 0.45f);
    id.mouth_half_width = id.head_rx * r.uniform(0.24f, 0.42f);
    id.lip_thickness = id.head_rx * r.uniform(0.035f, 0.075f);
    id.lips = mix(id.skin, Colour{0.62f, 0.22f, 0.24f}, r.uniform(0.35f, 0.7f));
  }
  {
    HashStream r(seed, identity, -1, Purpose::hair);
    draw_hair(r, id);
  }
  {
    HashStream r(seed, identity, -1, Purpose::facial_hair);
    id.facial_hair = r.chance(0.35f) ? static_cast<FacialHair>(1 + r.below(4)) : FacialHair::none;
  }
  {
    HashStream r(seed, identity, -1, Purpose::texture);
    id.skin_texture = r.uniform(0.04f, 0.12f);
    id.skin_texture_cells = r.uniform(6.0f, 14.0f);
    id.skin_texture_key = r.next_u64();
    draw_spots(r, id);
  }
  return id;
}

NuisanceParams draw_nuisance(uint64_t seed, int64_t identity, int64_t index,
                             const SyntheticNuisance& s) {
  NuisanceParams n;
  {
    HashStream r(seed, identity, index, Purpose::pose);
    n.roll = s.pose * r.normal(0.13f);
    n.yaw = s.pose * r.normal(0.33f, 2.0f);
    n.pitch = s.pose * r.normal(0.18f, 2.0f);
    n.scale = std::exp(s.pose * r.normal(0.09f));
    n.shift = {s.pose * r.normal(0.06f), s.pose * r.normal(0.05f)};
  }
  {
    HashStream r(seed, identity, index, Purpose::lighting);
    const float tilt = s.illumination * r.uniform(0.0f, 1.15f);
    const float azimuth = r.uniform(0.0f, 2 * kPi);
    n.light_x = std::sin(tilt) * std::cos(azimuth);
    n.light_y = std::sin(tilt) * std::sin(azimuth);
    n.light_z = std::cos(tilt);
    n.ambient = std::max(0.05f, 0.45f + s.illumination * r.uniform(-0.2f, 0.1f));
    n.diffuse = std::max(0.1f, 0.65f + s.illumination * r.uniform(-0.2f, 0.25f));
    const float warmth = s.illumination * r.normal(0.08f);
    n.light_colour = {1 + warmth, 1 + s.illumination * r.normal(0.02f), 1 - warmth};
    n.exposure = std::exp(s.illumination * r.normal(0.15f));
  }
  {
    HashStream r(seed, identity, index, Purpose::expression);
    n.mouth_open = std::clamp(s.expression * r.uniform(-0.7f, 1.0f), 0.0f, 1.0f);
    n.smile = s.expression * r.normal(0.5f);
    n.eye_open = r.chance(0.08f * s.expression)
                     ? r.uniform(0.0f, 0.15f)
                     : 1.0f - std::min(1.0f, s.expression * r.uniform(0.0f, 0.4f));
    n.gaze = {s.expression * r.normal(0.25f), s.expression * r.normal(0.15f)};
  }
  {
    HashStream r(seed, identity, index, Purpose::occlusion);
    n.glasses = r.chance(0.2f * s.occlusion);
    n.sunglasses = r.chance(0.3f);
    n.round_glasses = r.chance(0.5f);
    n.frame_colour = {r.uniform(0.0f, 0.5f), r.uniform(0.0f, 0.4f), r.uniform(0.0f, 0.4f)};
    n.hat = r.chance(0.15f * s.occlusion);
    n.cap = r.chance(0.5f);
    n.hat_colour = random_colour(r);
  }
  {
    HashStream r(seed, identity, index, Purpose::clothing);
    n.clothing = mix(Colour{0.4f, 0.4f, 0.42f}, scene_colour(r), std::min(1.0f, s.clutter));
  }
  {
    HashStream r(seed, identity, index, Purpose::background);
    const float amount = std::min(1.0f, s.clutter);
    const Colour grey{0.5f, 0.5f, 0.5f};
    n.background_from = mix(grey, scene_colour(r), amount);
    n.background_to = mix(grey, scene_colour(r), amount);
    n.background_angle = r.uniform(0.0f, 2 * kPi);
    const int shapes = static_cast<int>(std::lround(s.clutter * r.uniform(0.0f, 9.0f)));
    for (int i = 0; i < shapes; ++i) {
      const Affine place =
          Affine::rotation(r.uniform(0.0f, kPi))
              .then(Affine::translation({r.uniform(-1.1f, 1.1f), r.uniform(-1.1f, 1.1f)}));
      const float a = r.uniform(0.05f, 0.45f), b = r.uniform(0.03f, 0.45f);
      Outline shape;
      switch (r.below(3)) {
        case 0:
          shape = Outline::ellipse(a, b);
          break;
        case 1:
          shape = Outline::box(a, b, 0.2f * std::min(a, b));
          break;
        default:
          shape = Outline::capsule(a + 0.2f, 0.3f * b, r.uniform(-2.0f, 2.0f));
          break;
      }
      n.clutter.push_back({shape.placed(place), scene_colour(r), r.uniform(0.3f, 1.0f)});
    }
  }
  {
    HashStream r(seed, identity, index, Purpose::blur);
    n.blur_sigma = r.chance(0.6f) ? s.degradation * r.uniform(0.0f, 0.035f) : 0.0f;
  }
  {
    HashStream r(seed, identity, index, Purpose::noise);
    n.noise_sigma = s.degradation * r.uniform(0.0f, 0.045f);
  }
  {
    HashStream r(seed, identity, index, Purpose::compression);
    if (r.chance(std::min(1.0f, 0.5f * s.degradation))) n.jpeg_quality = 25 + r.below(66);
  }
  return n;
}

}  // namespace visage::synthetic
