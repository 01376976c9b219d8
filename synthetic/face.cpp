#include "synthetic/face.hpp"

#include <algorithm>
#include <cstdio>

#include "core/error.hpp"
#include "synthetic/degrade.hpp"
#include "synthetic/params.hpp"
#include "synthetic/scene.hpp"

namespace visage::synthetic {
namespace {

// Enough supersampling that small images still get smooth edges (about 96 samples a side).
int supersampling_for(int size) { return std::clamp((96 + size - 1) / size, 2, 4); }

}  // namespace

void check_synthetic_face_config(const SyntheticFaceConfig& config) {
  VISAGE_CHECK(config.size >= 8 && config.size <= 4096, "synthetic faces: size ", config.size,
               " is outside [8, 4096]");
  VISAGE_CHECK(config.channels == 1 || config.channels == 3, "synthetic faces: channels ",
               config.channels, " must be 1 (grey) or 3 (RGB)");
  const SyntheticNuisance& n = config.nuisance;
  for (const float strength :
       {n.pose, n.illumination, n.expression, n.occlusion, n.clutter, n.degradation}) {
    VISAGE_CHECK(strength >= 0, "synthetic faces: nuisance strengths must be >= 0, got ", strength);
  }
}

FaceImage render_face(const SyntheticFaceConfig& config, int64_t identity, int64_t index) {
  check_synthetic_face_config(config);
  VISAGE_CHECK(identity >= 0 && index >= 0, "synthetic faces: identity ", identity, " and index ",
               index, " must be >= 0");
  using namespace synthetic;
  const IdentityParams id = draw_identity(config.seed, identity);
  const NuisanceParams nuisance = draw_nuisance(config.seed, identity, index, config.nuisance);

  Raster raster(config.size, supersampling_for(config.size));
  paint_scene(id, nuisance, raster);
  std::vector<float> rgb = raster.resolve();

  apply_exposure(rgb, nuisance.exposure);
  // The blur's width is a fraction of the image, so it looks the same at every size.
  gaussian_blur(rgb, config.size, nuisance.blur_sigma * 0.5f * static_cast<float>(config.size));
  HashStream noise(config.seed, identity, index, Purpose::sensor);
  add_noise(rgb, noise, nuisance.noise_sigma);
  clamp_unit(rgb);
  if (nuisance.jpeg_quality > 0) {
    jpeg_artefacts(rgb, config.size, nuisance.jpeg_quality);
    clamp_unit(rgb);
  }

  FaceImage image{config.size, config.size, config.channels, {}};
  if (config.channels == 3) {
    image.pixels = std::move(rgb);
  } else {
    image.pixels.resize(static_cast<size_t>(config.size) * config.size);
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      image.pixels[i] = 0.299f * rgb[i * 3] + 0.587f * rgb[i * 3 + 1] + 0.114f * rgb[i * 3 + 2];
    }
  }
  return image;
}

std::string synthetic_identity_name(int64_t identity) {
  char name[32];
  std::snprintf(name, sizeof name, "synthetic_%06lld", static_cast<long long>(identity));
  return name;
}

}  // namespace visage::synthetic
