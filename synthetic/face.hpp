// Procedurally generated, identity-labelled face images: Visage's built-in dataset, so that every
// command, example and test runs on a fresh machine with no download.
//
// An identity is a fixed set of appearance parameters (head and jaw shape, eyes, brows, nose,
// mouth, skin tone, hair style and colour, facial hair, moles and skin texture) drawn from (seed,
// identity). Each image of that identity adds nuisance drawn from (seed, identity, index): pose
// (in-plane rotation, yaw and pitch by projecting the features from a head ellipsoid), scale and
// position, Lambertian lighting with a coloured light, expression, glasses and hats, clothing, a
// cluttered background, blur, sensor noise and JPEG-style block compression. The face is drawn with
// signed distance functions in resolution-independent coordinates and anti-aliased, so one (seed,
// identity, index) gives the same face at any size, and the same pixels on every machine.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace visage::synthetic {

// Scales of the nuisance families: 0 removes a family (a frontal, evenly lit, unoccluded, neutral
// face on a plain background with no degradation), 1 is the default mix, larger exaggerates.
struct SyntheticNuisance {
  float pose = 1.0f;          // rotation, yaw, pitch, scale, translation
  float illumination = 1.0f;  // light direction, intensity, colour
  float expression = 1.0f;    // mouth, smile, eye closure, gaze
  float occlusion = 1.0f;     // probability of glasses and hats
  float clutter = 1.0f;       // background shapes and gradients, clothing colour
  float degradation = 1.0f;   // blur, noise, JPEG blocks

  static SyntheticNuisance none() { return {0, 0, 0, 0, 0, 0}; }
};

struct SyntheticFaceConfig {
  uint64_t seed = 1;
  int size = 64;     // output images are size x size
  int channels = 3;  // 3 (RGB) or 1 (luma)
  SyntheticNuisance nuisance;
};

// A rendered image: height x width x channels floats in [0, 1], interleaved (HWC).
struct FaceImage {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<float> pixels;

  float at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

// The 8-bit value a pixel in [0, 1] is stored as (clamped, rounded): PNG files written by
// `visage synth` and the SyntheticFaceData layer's pooled images use it, so the two agree.
inline uint8_t face_pixel_byte(float value) {
  return static_cast<uint8_t>(std::lround(255.0f * std::clamp(value, 0.0f, 1.0f)));
}

// Throws visage::Error for an invalid config: size outside [8, 4096], channels not 1 or 3, a
// negative nuisance strength.
void check_synthetic_face_config(const SyntheticFaceConfig& config);

// Renders image `index` of `identity`; both may be any non-negative number.
FaceImage render_face(const SyntheticFaceConfig& config, int64_t identity, int64_t index);

// The folder name of an identity in datasets written by `visage synth`: "synthetic_000042".
std::string synthetic_identity_name(int64_t identity);

}  // namespace visage::synthetic
