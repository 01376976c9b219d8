// The outputs of `visage verify`: a summary for people, the ROC as CSV, everything as JSON for
// machines; the ROC plot is eval/roc_plot.hpp.
#pragma once

#include <filesystem>
#include <string>

#include "eval/verification.hpp"

namespace visage::eval {

// Accuracy (mean +/- standard error, std), AUC, EER, VAL at each asked FAR, the per-fold table.
std::string verification_summary(const VerificationResult& result);

// `threshold,far,tar`, one line per ROC point, every digit kept.
std::string roc_csv(const Roc& roc);

// The whole result, ROC points included; non-finite numbers become null.
std::string verification_json(const VerificationResult& result);

// "ROC: <pairs file name>, <metric>, AUC 0.9987": the plot's title.
std::string roc_plot_title(const VerificationResult& result);

}  // namespace visage::eval
