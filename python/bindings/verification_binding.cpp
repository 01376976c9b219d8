// The verification protocol on numpy arrays: pair i compares row i of `first` with row i of
// `second`. Distances and the protocol are the library's (eval::distance, evaluate_verification),
// the calls `visage verify` makes, so the same pairs give the same figures to the last digit.
#include <pybind11/stl.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "eval/report.hpp"
#include "eval/verification.hpp"
#include "python/bindings/arrays.hpp"
#include "python/bindings/bindings.hpp"

namespace visage::python {
namespace {

namespace py = pybind11;

std::vector<eval::ScoredPair> score(const FloatArray& first, const FloatArray& second,
                                    const py::array_t<bool>& same, const py::array_t<int32_t>& fold,
                                    eval::Distance metric) {
  VISAGE_CHECK(first.ndim() == 2 && second.ndim() == 2 && first.shape(0) == second.shape(0) &&
                   first.shape(1) == second.shape(1),
               "verify: the two embedding arrays must both be N x D, got ",
               to_string(shape_of(first)), " and ", to_string(shape_of(second)));
  const py::ssize_t pairs = first.shape(0);
  VISAGE_CHECK(
      same.ndim() == 1 && same.shape(0) == pairs && fold.ndim() == 1 && fold.shape(0) == pairs,
      "verify: `same` and the fold ids need one entry per pair (", pairs, ")");
  const auto dim = static_cast<size_t>(first.shape(1));
  const auto same_at = same.unchecked<1>();
  const auto fold_at = fold.unchecked<1>();
  std::vector<eval::ScoredPair> scored;
  scored.reserve(static_cast<size_t>(pairs));
  for (py::ssize_t i = 0; i < pairs; ++i) {
    const std::span a(first.data() + i * first.shape(1), dim);
    const std::span b(second.data() + i * second.shape(1), dim);
    scored.push_back({eval::distance(a, b, metric), same_at(i), fold_at(i)});
  }
  return scored;
}

py::dict as_dict(const eval::VerificationResult& result) {
  py::dict out;
  out["metric"] = eval::distance_name(result.metric);
  out["same_pairs"] = result.same_pairs;
  out["different_pairs"] = result.different_pairs;
  out["threshold_rule"] = eval::threshold_rule_description(result.rule);
  out["accuracy"] = result.accuracy;
  if (result.fold_statistics) {
    out["standard_error"] = result.fold_statistics->standard_error;
    out["standard_deviation"] = result.fold_statistics->standard_deviation;
  } else {
    out["standard_error"] = py::none();
    out["standard_deviation"] = py::none();
  }
  py::list folds;
  for (const eval::FoldResult& fold : result.folds) {
    py::dict row;
    row["fold"] = fold.fold;
    row["pairs"] = fold.pairs;
    row["threshold"] = fold.threshold;
    row["train_accuracy"] = fold.train_accuracy;
    row["accuracy"] = fold.accuracy;
    folds.append(row);
  }
  out["folds"] = folds;
  out["auc"] = result.auc;
  out["eer"] = result.eer.rate;
  out["eer_threshold"] = result.eer.threshold;
  py::list val;
  for (const eval::ValAtFar& point : result.val) {
    py::dict row;
    row["requested_far"] = point.requested_far;
    row["far"] = point.far;
    row["val"] = point.val;
    row["threshold"] = point.threshold;
    row["resolved"] = point.resolved;
    val.append(row);
  }
  out["val"] = val;
  std::vector<double> roc_threshold, roc_far, roc_tar;
  for (const eval::RocPoint& point : result.roc.points) {
    roc_threshold.push_back(point.threshold);
    roc_far.push_back(point.far);
    roc_tar.push_back(point.tar);
  }
  out["roc_threshold"] = py::array(py::cast(roc_threshold));
  out["roc_far"] = py::array(py::cast(roc_far));
  out["roc_tar"] = py::array(py::cast(roc_tar));
  out["summary"] = eval::verification_summary(result);
  out["json"] = eval::verification_json(result);
  return out;
}

py::dict verify(const py::handle& first, const py::handle& second, const py::array_t<bool>& same,
                const py::array_t<int32_t>& fold, int num_folds, const std::string& distance,
                const std::vector<double>& fars, std::optional<double> threshold,
                const std::string& source) {
  const eval::Distance metric = eval::parse_distance(distance);
  const std::vector<eval::ScoredPair> scored =
      score(as_float_array(first, "verify: first"), as_float_array(second, "verify: second"), same,
            fold, metric);
  eval::VerificationOptions options;
  options.target_fars = fars;
  options.fixed_threshold = threshold;
  eval::VerificationResult result = eval::evaluate_verification(scored, num_folds, options);
  result.pairs_source = source;
  result.metric = metric;
  return as_dict(result);
}

}  // namespace

void bind_verification(py::module_& module) {
  module.def("verify", &verify, py::arg("first"), py::arg("second"), py::arg("same"),
             py::arg("fold"), py::arg("num_folds"), py::arg("distance"), py::arg("fars"),
             py::arg("threshold"), py::arg("source"));
}

}  // namespace visage::python
