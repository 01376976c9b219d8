// The ROC curve as an SVG figure: TAR against FAR on a log axis from 1e-4 (or the decade of the
// smallest non-zero FAR, when that is smaller) to 1, the range in which face verifiers are
// compared, with each VAL@FAR operating point marked and labelled.
#pragma once

#include <span>
#include <string>

#include "eval/verification.hpp"

namespace visage::eval {

// A published accuracy to compare with, e.g. {"Fisher Vector Faces", 0.9303}.
struct AccuracyReference {
  std::string name;
  double accuracy = 0.0;
};

// Titled with roc_plot_title(result). Points with FAR below the axis (FAR = 0) sit on its left
// edge. Each reference is drawn as its iso-accuracy line: the (FAR, TAR) at which a single
// threshold scores that accuracy on this result's mix of matched and mismatched pairs,
// TAR = (accuracy (P + N) - N (1 - FAR)) / P. A ROC that crosses above a reference's line has an
// operating point at least that accurate; one that stays below it never reaches it.
std::string roc_svg(const VerificationResult& result,
                    std::span<const AccuracyReference> references = {});

}  // namespace visage::eval
