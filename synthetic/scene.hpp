// Turns an identity and one image's nuisance into drawing: background, clutter, body, head, facial
// features, hair and occluders, painted back to front onto a Raster.
#pragma once

#include "synthetic/params.hpp"
#include "synthetic/raster.hpp"

namespace visage::synthetic {

void paint_scene(const IdentityParams& identity, const NuisanceParams& nuisance, Raster& raster);

}  // namespace visage::synthetic
