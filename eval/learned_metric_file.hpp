// A fitted learned metric on disk: a small sealed HDF5 file (written atomically) beside the
// weights it belongs to. Datasets `mean` (D) and `projection` (D x K, float); attributes
// `visage_learned_metric_version`, `method`, the options it was fitted with and how many
// identities and images it saw (docs/lfw.md).
#pragma once

#include <string>

#include "eval/learned_metric.hpp"

namespace visage::eval {

// `fitted_on` says where the training embeddings came from (a file, a fold), for provenance.
void write_learned_metric(const LearnedMetric& metric, const std::string& fitted_on,
                          const std::string& path);
// Throws naming the file for a missing, foreign, newer or inconsistent file.
LearnedMetric read_learned_metric(const std::string& path);

}  // namespace visage::eval
