// The parameters of a synthetic face: what stays fixed for an identity, and what changes from one
// image of it to the next. Lengths are in image units (the image spans [-1, 1]) for a face at
// scale 1; positions of facial features are in the face plane, relative to the head's centre, with
// y down.
#pragma once

#include <cstdint>
#include <vector>

#include "synthetic/face.hpp"
#include "synthetic/raster.hpp"

namespace visage::synthetic {

enum class HairStyle { bald, buzz, short_crop, fringe, side_part, long_straight, curly, bun };
enum class FacialHair { none, moustache, goatee, full_beard, stubble };

struct Spot {
  Vec2 position;  // face plane
  float radius = 0;
  float darkness = 0;
};

struct IdentityParams {
  // Head: an ellipsoid with semi-axes rx, ry (in the image plane) and depth.
  float head_rx = 0, head_ry = 0, head_depth = 0;
  float jaw = 1;   // width of the jaw relative to the widest part
  float chin = 1;  // how late the jaw narrows (large: square)
  float ear_size = 0;
  float neck_width = 0;

  float eye_spacing = 0;  // half the distance between the eye centres
  float eye_y = 0;
  float eye_rx = 0, eye_ry = 0;
  float eye_tilt = 0;
  float iris_radius = 0;
  Colour iris;

  float brow_lift = 0;  // above the eye centre
  float brow_half_length = 0, brow_thickness = 0, brow_angle = 0, brow_arch = 0;

  float nose_tip_y = 0, nose_half_width = 0, nose_protrusion = 0;

  float mouth_y = 0, mouth_half_width = 0, lip_thickness = 0;
  Colour lips;

  Colour skin;
  float skin_texture = 0;
  float skin_texture_cells = 0;
  uint64_t skin_texture_key = 0;
  float blush = 0;
  std::vector<Spot> spots;  // moles and freckles

  HairStyle hair_style = HairStyle::bald;
  Colour hair;
  float hairline_y = 0;
  float hair_volume = 0;
  float hair_part = 0;  // sideways offset of the parting, as a fraction of the head width
  FacialHair facial_hair = FacialHair::none;
};

struct ClutterShape {
  Outline shape;
  Colour colour;
  float opacity = 1;
};

struct NuisanceParams {
  float roll = 0, yaw = 0, pitch = 0;  // radians
  float scale = 1;
  Vec2 shift;

  float light_x = 0, light_y = 0, light_z = 1;  // unit vector towards the light
  float ambient = 0.45f, diffuse = 0.65f;
  Colour light_colour{1, 1, 1};
  float exposure = 1;

  float mouth_open = 0;  // 0 closed .. 1 wide open
  float smile = 0;       // negative: frown
  float eye_open = 1;    // 0 closed .. 1 fully open
  Vec2 gaze;             // iris offset as a fraction of the eye's size

  bool glasses = false;
  bool sunglasses = false;
  bool round_glasses = false;
  Colour frame_colour;
  bool hat = false;
  bool cap = false;  // a peaked cap rather than a brimmed hat
  Colour hat_colour;

  Colour clothing;
  Colour background_from, background_to;
  float background_angle = 0;
  std::vector<ClutterShape> clutter;

  float blur_sigma = 0;   // image units
  float noise_sigma = 0;  // in [0, 1] intensity
  int jpeg_quality = 0;   // 0: no compression artefacts
};

IdentityParams draw_identity(uint64_t seed, int64_t identity);
NuisanceParams draw_nuisance(uint64_t seed, int64_t identity, int64_t index,
                             const SyntheticNuisance& strength);

}  // namespace visage::synthetic
