#include "solvers/progress.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/error.hpp"
#include "eval/json_writer.hpp"
#include "eval/number_format.hpp"

namespace visage {
namespace {

// JSON has no NaN or infinity.
std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", x);
  return text;
}

// Every bit, for results that are compared with `visage verify --json`.
std::string json_exact(double x) { return std::isfinite(x) ? eval::round_trip(x) : "null"; }

// A fresh run's curves must not mix with an earlier run's in TensorBoard, which draws every event
// file of a folder as one run. Only files Visage writes are removed.
void remove_event_files(const std::filesystem::path& folder) {
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("events.out.tfevents.") && name.ends_with(".visage")) {
      std::filesystem::remove(entry.path());
    }
  }
}

// A TensorBoard tag: "group/name", with the dots of "top.value" names as slashes, so that
// TensorBoard groups a layer's statistics ("train/triplet/active_fraction").
std::string scalar_tag(const std::string& group, std::string name) {
  std::ranges::replace(name, '.', '/');
  return concat(group, "/", name);
}

std::string rule_name(const VerificationProgress& p) {
  switch (p.result.rule) {
    case eval::ThresholdRule::kCrossValidated:
      return "cross_validated";
    case eval::ThresholdRule::kBestOnPairs:
      return "best_on_pairs";
    case eval::ThresholdRule::kFixed:
      return p.threshold_pairs.empty() ? "fixed" : "threshold_pairs";
  }
  fail("invalid ThresholdRule value ", static_cast<int>(p.result.rule));
}

}  // namespace

std::string format_duration(double seconds) {
  char text[32];
  const auto total = static_cast<int64_t>(seconds);
  if (seconds < 60) {
    std::snprintf(text, sizeof(text), "%.1fs", seconds);
  } else if (total < 3600) {
    std::snprintf(text, sizeof(text), "%dm%02ds", static_cast<int>(total / 60),
                  static_cast<int>(total % 60));
  } else {
    std::snprintf(text, sizeof(text), "%dh%02dm%02ds", static_cast<int>(total / 3600),
                  static_cast<int>(total / 60 % 60), static_cast<int>(total % 60));
  }
  return text;
}

ProgressLog::ProgressLog(std::ostream* human, const std::string& json_path, bool append,
                         const std::string& events_folder)
    : human_(human), json_path_(json_path) {
  if (!json_path_.empty()) {
    const std::filesystem::path path(json_path_);
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    json_.open(json_path_, append ? std::ios::app : std::ios::trunc);
    VISAGE_CHECK(json_.good(), json_path_, ": cannot open the progress log for writing");
  }
  if (!events_folder.empty()) {
    std::filesystem::create_directories(events_folder);
    if (!append) remove_event_files(events_folder);
    events_.emplace(events_folder);
  }
}

void ProgressLog::scalars(int64_t iter, const TaggedScalars& values) {
  if (!events_) return;
  errno = 0;
  if (!events_->write_scalars(iter, values)) {
    note_failure(events_->path(), errno);
    events_.reset();
  }
}

void ProgressLog::json_line(const std::string& line) {
  if (!json_.is_open() || !json_.good()) return;
  errno = 0;
  json_ << line << '\n';
  json_.flush();
  if (!json_.good()) note_failure(json_path_, errno);
}

void ProgressLog::human_line(const std::string& line) {
  if (human_ == nullptr || !human_->good()) return;
  errno = 0;
  *human_ << line << std::endl;
  if (!human_->good()) note_failure("standard output", errno);
}

void ProgressLog::note_failure(const std::string& output, int error) {
  if (!write_error_.empty()) return;
  write_error_ = concat(output, ": ", error != 0 ? std::strerror(error) : "write failed");
  std::cerr << "visage: warning: cannot write " << write_error_
            << "; training goes on, and the exit status will say so" << std::endl;
}

void ProgressLog::say(const std::string& line) { human_line(line); }

void ProgressLog::train(const TrainProgress& p) {
  char line[256];
  std::snprintf(
      line, sizeof(line), "iter %lld/%lld  loss %.6g  lr %.6g  %.1f images/s  elapsed %s  ETA %s",
      static_cast<long long>(p.iter), static_cast<long long>(p.max_iter), p.loss, p.lr,
      p.images_per_s, format_duration(p.elapsed_s).c_str(), format_duration(p.eta_s).c_str());
  std::string text = line;
  if (p.ranks > 1) {
    char share[128];
    std::snprintf(share, sizeof share, " (%d ranks x %.1f, all-reduce %.3gs)", p.ranks,
                  p.images_per_s / p.ranks, p.allreduce_s);
    text.insert(text.find(" images/s") + 9, share);
  }
  std::string outputs;
  std::string group;  // values named "top.value" share one "top:" label on the line
  for (const auto& [name, value] : p.outputs) {
    char number[32];
    std::snprintf(number, sizeof(number), "%.4g", value);
    const size_t dot = name.find('.');
    if (dot == std::string::npos) {
      text += concat("  ", name, " ", number);
      group.clear();
    } else {
      const std::string top = name.substr(0, dot);
      text += top == group ? " " : concat("  ", top, ": ");
      text += concat(name.substr(dot + 1), " ", number);
      group = top;
    }
    outputs += concat(outputs.empty() ? "" : ",", "\"", name, "\":", json_number(value));
  }
  say(text);
  TaggedScalars values = {{"train/loss", p.loss},
                          {"train/learning_rate", p.lr},
                          {"train/images_per_s", p.images_per_s}};
  if (p.ranks > 1) values.emplace_back("train/allreduce_s", p.allreduce_s);
  for (const auto& [name, value] : p.outputs) values.emplace_back(scalar_tag("train", name), value);
  scalars(p.iter, values);
  json_line(concat("{\"type\":\"train\",\"iter\":", p.iter, ",\"max_iter\":", p.max_iter,
                   ",\"loss\":", json_number(p.loss), ",\"lr\":", json_number(p.lr),
                   ",\"images_per_s\":", json_number(p.images_per_s), ",\"ranks\":", p.ranks,
                   ",\"allreduce_s\":", json_number(p.allreduce_s),
                   ",\"elapsed_s\":", json_number(p.elapsed_s), ",\"eta_s\":", json_number(p.eta_s),
                   ",\"outputs\":{", outputs, "}}"));
}

void ProgressLog::test(int64_t iter, const TestResult& result) {
  std::string readable = concat("iter ", iter, "  test net ", result.net, ":");
  std::string json =
      concat("{\"type\":\"test\",\"iter\":", iter, ",\"net\":", result.net, ",\"outputs\":{");
  for (size_t i = 0; i < result.outputs.size(); ++i) {
    const auto& [name, value] = result.outputs[i];
    readable += concat("  ", name, " = ", value);
    json += concat(i == 0 ? "" : ",", eval::json_quote(name), ":", json_number(value));
  }
  say(readable);
  TaggedScalars values;
  for (const auto& [name, value] : result.outputs) {
    values.emplace_back(scalar_tag(concat("test", result.net), name), value);
  }
  scalars(iter, values);
  json_line(json + "}}");
}

void ProgressLog::verification(int64_t iter, const VerificationProgress& p) {
  const eval::VerificationResult& r = p.result;
  const bool cross_validated = r.fold_statistics.has_value();
  std::string readable = concat("iter ", iter, "  ", p.name, ": acc ", eval::fixed(r.accuracy, 4));
  if (cross_validated) {
    readable += concat(" +/- ", eval::fixed(r.fold_statistics->standard_error, 4));
  } else if (r.rule == eval::ThresholdRule::kBestOnPairs) {
    readable += " (threshold fitted on these pairs: optimistic)";
  } else {
    readable += concat(" (threshold ", eval::significant(r.folds.front().threshold, 4),
                       p.threshold_pairs.empty() ? "" : " from " + p.threshold_pairs, ")");
  }
  std::string val_json;
  std::string val_far_json;
  for (const eval::ValAtFar& v : r.val) {
    const std::string far = eval::round_trip(v.requested_far);
    readable +=
        concat("  VAL@FAR=", eval::significant(v.requested_far, 6), " ", eval::fixed(v.val, 4),
               v.resolved ? "" : " (read at FAR " + eval::significant(v.far, 3) + ")");
    val_json += concat(val_json.empty() ? "" : ",", eval::json_quote(far), ":", json_exact(v.val));
    val_far_json +=
        concat(val_far_json.empty() ? "" : ",", eval::json_quote(far), ":", json_exact(v.far));
  }
  readable += concat("  AUC ", eval::fixed(r.auc, 4), "  EER ", eval::fixed(r.eer.rate, 4), "  (",
                     r.same_pairs + r.different_pairs, " pairs",
                     cross_validated ? concat(", ", r.folds.size(), " folds") : "", ", ",
                     format_duration(p.seconds), ")");
  say(readable);
  const std::string group = scalar_tag("verification", p.name);
  TaggedScalars values = {
      {group + "/accuracy", r.accuracy}, {group + "/auc", r.auc}, {group + "/eer", r.eer.rate}};
  for (const eval::ValAtFar& v : r.val) {
    values.emplace_back(concat(group, "/val@far=", eval::significant(v.requested_far, 6)), v.val);
  }
  scalars(iter, values);

  const std::string threshold =
      cross_validated ? std::string("null") : json_exact(r.folds.front().threshold);
  json_line(concat(
      "{\"type\":\"verification\",\"iter\":", iter, ",\"name\":", eval::json_quote(p.name),
      ",\"pairs_file\":", eval::json_quote(r.pairs_source),
      ",\"pairs\":", r.same_pairs + r.different_pairs, ",\"folds\":", r.folds.size(),
      ",\"distance\":", eval::json_quote(eval::distance_name(r.metric)), ",\"threshold_rule\":",
      eval::json_quote(rule_name(p)), ",\"threshold\":", threshold, ",\"threshold_pairs\":",
      p.threshold_pairs.empty() ? "null" : eval::json_quote(p.threshold_pairs),
      ",\"accuracy\":", json_exact(r.accuracy), ",\"accuracy_standard_error\":",
      cross_validated ? json_exact(r.fold_statistics->standard_error) : "null",
      ",\"accuracy_std\":",
      cross_validated ? json_exact(r.fold_statistics->standard_deviation) : "null",
      ",\"auc\":", json_exact(r.auc), ",\"eer\":", json_exact(r.eer.rate), ",\"val\":{", val_json,
      "},\"val_far\":{", val_far_json, "},\"seconds\":", json_number(p.seconds), "}"));
}

void ProgressLog::event(const std::string& type, int64_t iter, const std::string& key,
                        const std::string& value) {
  json_line(concat("{\"type\":", eval::json_quote(type), ",\"iter\":", iter, ",",
                   eval::json_quote(key), ":", eval::json_quote(value), "}"));
}

}  // namespace visage
