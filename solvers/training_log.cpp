#include "solvers/training_log.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>

#include "core/error.hpp"
#include "eval/json_reader.hpp"

namespace visage {
namespace {

using eval::JsonValue;

// A number member of `line`; null (a non-finite number in the log) is NaN.
double number(const JsonValue& line, const std::string& key) {
  const JsonValue* value = line.find(key);
  VISAGE_CHECK(value != nullptr, "no \"", key, "\"");
  if (value->kind == JsonValue::Kind::kNull) return std::numeric_limits<double>::quiet_NaN();
  VISAGE_CHECK(value->kind == JsonValue::Kind::kNumber, "\"", key, "\" is not a number");
  return value->number;
}

int64_t iteration(const JsonValue& line) {
  const double iter = number(line, "iter");
  VISAGE_CHECK(std::isfinite(iter) && iter >= 0 && iter == std::floor(iter), "\"iter\" ", iter,
               " is not an iteration");
  return static_cast<int64_t>(iter);
}

NamedValues named_values(const JsonValue& line, const std::string& key) {
  const JsonValue* object = line.find(key);
  VISAGE_CHECK(object != nullptr && object->kind == JsonValue::Kind::kObject, "\"", key,
               "\" is not an object");
  NamedValues values;
  for (const auto& [name, value] : object->object) values.emplace_back(name, number(*object, name));
  return values;
}

// The "val" object's members: VAL keyed by the requested FAR as text ("0.001").
std::vector<ValAtRequestedFar> vals_at_far(const JsonValue& line) {
  std::vector<ValAtRequestedFar> vals;
  for (const auto& [key, val] : named_values(line, "val")) {
    double far = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), far);
    VISAGE_CHECK(ec == std::errc() && end == key.data() + key.size() && far > 0 && far <= 1,
                 "\"val\" key \"", key, "\" is not a false accept rate in (0, 1]");
    vals.push_back({far, val});
  }
  return vals;
}

int net_index(const JsonValue& line) {
  const double net = number(line, "net");
  VISAGE_CHECK(std::isfinite(net) && net >= 0 && net == std::floor(net) &&
                   net <= std::numeric_limits<int>::max(),
               "\"net\" ", net, " is not a test net's index");
  return static_cast<int>(net);
}

// A resumed run appends from its snapshot's iteration: a line earlier than one already read
// starts that run, and what the first run wrote after that iteration is dropped.
void forget_after(int64_t iter, TrainingLog& log) {
  const auto later = [iter](const auto& record) { return record.iter > iter; };
  std::erase_if(log.train, later);
  std::erase_if(log.test, later);
  std::erase_if(log.verification, later);
}

// Reads one line into `log`; `latest` is the largest iteration read so far.
void read_line(const JsonValue& line, TrainingLog& log, int64_t& latest) {
  VISAGE_CHECK(line.kind == JsonValue::Kind::kObject, "not a JSON object");
  const JsonValue* type = line.find("type");
  VISAGE_CHECK(type != nullptr && type->kind == JsonValue::Kind::kString, "no \"type\"");
  const bool kept =
      type->string == "train" || type->string == "test" || type->string == "verification";
  if (!kept) return;
  const int64_t iter = iteration(line);
  if (iter < latest) forget_after(iter, log);
  latest = std::max(latest, iter);
  // A run that stops at a snapshot's iteration and resumes there logs that iteration twice:
  // the resumed run's record replaces the first run's of the same kind and key.
  if (type->string == "train") {
    std::erase_if(log.train, [iter](const TrainRecord& r) { return r.iter == iter; });
    log.train.push_back({iter, number(line, "loss"), number(line, "lr"),
                         number(line, "images_per_s"), named_values(line, "outputs")});
  } else if (type->string == "test") {
    const int net = net_index(line);
    std::erase_if(log.test, [&](const TestRecord& r) { return r.iter == iter && r.net == net; });
    log.test.push_back({iter, net, named_values(line, "outputs")});
  } else {
    const JsonValue* name = line.find("name");
    VISAGE_CHECK(name != nullptr && name->kind == JsonValue::Kind::kString, "no \"name\"");
    std::erase_if(log.verification, [&](const VerificationRecord& r) {
      return r.iter == iter && r.name == name->string;
    });
    log.verification.push_back(
        {iter, name->string, number(line, "accuracy"), number(line, "auc"), vals_at_far(line)});
  }
}

}  // namespace

TrainingLog read_training_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  VISAGE_CHECK(in.is_open(), path.string(), ": cannot open the training log");
  TrainingLog log;
  log.source = path;
  std::string text;
  int64_t latest = -1;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      read_line(eval::parse_json(text), log, latest);
    } catch (const Error& e) {
      fail(path.string(), ":", number, ": ", e.what(),
           " (expected a line of the JSON-lines log that `visage train` writes)");
    }
  }
  VISAGE_CHECK(in.eof(), path.string(), ": cannot read the training log");
  VISAGE_CHECK(!log.train.empty(), path.string(),
               ": no \"train\" lines: not a log of `visage train`, or one that stopped before "
               "its first display");
  return log;
}

}  // namespace visage
