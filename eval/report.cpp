#include "eval/report.hpp"

#include <sstream>

#include "core/error.hpp"
#include "eval/json_writer.hpp"
#include "eval/number_format.hpp"

namespace visage::eval {
namespace {

std::string padded(const std::string& text, size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

std::string val_line(const ValAtFar& val) {
  std::string line = "VAL@FAR=" + significant(val.requested_far, 6) + ": " + fixed(val.val, 4) +
                     " (threshold " + significant(val.threshold, 6) + ")";
  if (!val.resolved) {
    line += " read at FAR=" + significant(val.far, 6) +
            ", the smallest FAR the mismatched pairs resolve (UNRESOLVED)";
  }
  return line;
}

}  // namespace

std::string verification_summary(const VerificationResult& result) {
  std::ostringstream out;
  out << "Verification: " << (result.pairs_source.empty() ? "(pairs)" : result.pairs_source) << ", "
      << result.same_pairs + result.different_pairs << " pairs (" << result.same_pairs
      << " matched, " << result.different_pairs << " mismatched), distance "
      << distance_name(result.metric) << "\n";
  out << "Threshold: " << threshold_rule_description(result.rule) << "\n";
  if (result.fold_statistics) {
    const FoldStatistics& stats = *result.fold_statistics;
    out << "Accuracy: " << fixed(stats.mean, 4) << " +/- " << fixed(stats.standard_error, 4)
        << " (standard error over " << result.folds.size() << " folds; sample std "
        << fixed(stats.standard_deviation, 4) << ")\n";
  } else {
    out << "Accuracy: " << fixed(result.accuracy, 4) << " at threshold "
        << significant(result.folds.front().threshold, 6) << "\n";
  }
  out << "AUC: " << fixed(result.auc, 4) << "\n";
  out << "EER: " << fixed(result.eer.rate, 4) << " (threshold "
      << significant(result.eer.threshold, 6) << ")\n";
  for (const ValAtFar& val : result.val) out << val_line(val) << "\n";

  out << "\n"
      << padded("fold", 4) << padded("pairs", 7) << padded("threshold", 14)
      << padded("train acc", 11) << padded("accuracy", 10) << "\n";
  for (const FoldResult& fold : result.folds) {
    out << padded(std::to_string(fold.fold + 1), 4) << padded(std::to_string(fold.pairs), 7)
        << padded(significant(fold.threshold, 6), 14) << padded(fixed(fold.train_accuracy, 4), 11)
        << padded(fixed(fold.accuracy, 4), 10) << "\n";
  }
  return out.str();
}

std::string roc_csv(const Roc& roc) {
  std::string csv = "threshold,far,tar\n";
  for (const RocPoint& point : roc.points) {
    csv += round_trip(point.threshold) + "," + round_trip(point.far) + "," + round_trip(point.tar) +
           "\n";
  }
  return csv;
}

std::string verification_json(const VerificationResult& result) {
  JsonWriter json;
  json.begin_object();
  json.key("pairs").value(result.pairs_source);
  json.key("distance").value(distance_name(result.metric));
  json.key("same_pairs").value(result.same_pairs);
  json.key("different_pairs").value(result.different_pairs);
  json.key("threshold_rule").value(threshold_rule_description(result.rule));
  json.key("accuracy").value(result.accuracy);
  json.key("accuracy_std");
  result.fold_statistics ? json.value(result.fold_statistics->standard_deviation) : json.null();
  json.key("accuracy_standard_error");
  result.fold_statistics ? json.value(result.fold_statistics->standard_error) : json.null();
  json.key("auc").value(result.auc);
  json.key("eer").value(result.eer.rate);
  json.key("eer_threshold").value(result.eer.threshold);

  json.key("val").begin_array();
  for (const ValAtFar& val : result.val) {
    json.begin_object();
    json.key("requested_far").value(val.requested_far);
    json.key("far").value(val.far);
    json.key("val").value(val.val);
    json.key("threshold").value(val.threshold);
    json.key("resolved").value(val.resolved);
    json.end_object();
  }
  json.end_array();

  json.key("folds").begin_array();
  for (const FoldResult& fold : result.folds) {
    json.begin_object();
    json.key("fold").value(fold.fold + 1);
    json.key("pairs").value(fold.pairs);
    json.key("threshold").value(fold.threshold);
    json.key("train_accuracy").value(fold.train_accuracy);
    json.key("accuracy").value(fold.accuracy);
    json.end_object();
  }
  json.end_array();

  json.key("roc").begin_object();
  for (const auto& [name, field] :
       {std::pair{"threshold", &RocPoint::threshold}, std::pair{"far", &RocPoint::far},
        std::pair{"tar", &RocPoint::tar}}) {
    json.key(name).begin_array();
    for (const RocPoint& point : result.roc.points) json.value(point.*field);
    json.end_array();
  }
  json.end_object();

  json.end_object();
  return json.str();
}

std::string roc_plot_title(const VerificationResult& result) {
  const std::string source = result.pairs_source.empty()
                                 ? "pairs"
                                 : std::filesystem::path(result.pairs_source).filename().string();
  return "ROC: " + source + ", " + distance_name(result.metric) + ", AUC " + fixed(result.auc, 4);
}

}  // namespace visage::eval
