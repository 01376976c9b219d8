#include "solvers/progress.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"

namespace visage {
namespace {

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// JSON has no NaN or infinity.
std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", x);
  return text;
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

ProgressLog::ProgressLog(std::ostream* human, const std::string& json_path, bool append)
    : human_(human), json_path_(json_path) {
  if (json_path_.empty()) return;
  const std::filesystem::path path(json_path_);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  json_.open(json_path_, append ? std::ios::app : std::ios::trunc);
  VISAGE_CHECK(json_.good(), json_path_, ": cannot open the progress log for writing");
}

void ProgressLog::json_line(const std::string& line) {
  if (!json_.is_open()) return;
  json_ << line << '\n';
  json_.flush();
}

void ProgressLog::say(const std::string& line) {
  if (human_ != nullptr) *human_ << line << std::endl;
}

void ProgressLog::train(const TrainProgress& p) {
  char line[256];
  std::snprintf(
      line, sizeof(line), "iter %lld/%lld  loss %.6g  lr %.6g  %.1f images/s  elapsed %s  ETA %s",
      static_cast<long long>(p.iter), static_cast<long long>(p.max_iter), p.loss, p.lr,
      p.images_per_s, format_duration(p.elapsed_s).c_str(), format_duration(p.eta_s).c_str());
  std::string text = line;
  std::string outputs;
  for (const auto& [name, value] : p.outputs) {
    text += concat("  ", name, " ", value);
    outputs += concat(outputs.empty() ? "" : ",", "\"", name, "\":", json_number(value));
  }
  say(text);
  json_line(concat("{\"type\":\"train\",\"iter\":", p.iter, ",\"max_iter\":", p.max_iter,
                   ",\"loss\":", json_number(p.loss), ",\"lr\":", json_number(p.lr),
                   ",\"images_per_s\":", json_number(p.images_per_s),
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
    json += concat(i == 0 ? "" : ",", json_string(name), ":", json_number(value));
  }
  say(readable);
  json_line(json + "}}");
}

void ProgressLog::event(const std::string& type, int64_t iter, const std::string& key,
                        const std::string& value) {
  json_line(concat("{\"type\":", json_string(type), ",\"iter\":", iter, ",", json_string(key), ":",
                   json_string(value), "}"));
}

}  // namespace visage
