// The ROC curve as an SVG figure: TAR against FAR on a log axis from 1e-4 (or the decade of the
// smallest non-zero FAR, when that is smaller) to 1, the range in which face verifiers are
// compared, with each VAL@FAR operating point marked and labelled.
#pragma once

#include <string>

#include "eval/verification.hpp"

namespace visage::eval {

// Titled with roc_plot_title(result). Points with FAR below the axis (FAR = 0) sit on its left
// edge.
std::string roc_svg(const VerificationResult& result);

}  // namespace visage::eval
