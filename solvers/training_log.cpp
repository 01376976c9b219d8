#include "solvers/training_log.hpp"

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

// Records from a resumed run's first iteration on replace what the log holds from there.
void append_resumable(std::vector<TrainRecord>& records, TrainRecord record) {
  std::erase_if(records, [&](const TrainRecord& r) { return r.iter >= record.iter; });
  records.push_back(std::move(record));
}

void read_line(const JsonValue& line, TrainingLog& log) {
  VISAGE_CHECK(line.kind == JsonValue::Kind::kObject, "not a JSON object");
  const JsonValue* type = line.find("type");
  VISAGE_CHECK(type != nullptr && type->kind == JsonValue::Kind::kString, "no \"type\"");
  if (type->string == "train") {
    append_resumable(log.train,
                     TrainRecord{iteration(line), number(line, "loss"), number(line, "lr"),
                                 number(line, "images_per_s"), named_values(line, "outputs")});
  } else if (type->string == "test") {
    // Several test nets share iterations: replace only this net's records.
    TestRecord record{iteration(line), static_cast<int>(number(line, "net")),
                      named_values(line, "outputs")};
    std::erase_if(log.test, [&](const TestRecord& r) {
      return r.net == record.net && r.iter >= record.iter;
    });
    log.test.push_back(std::move(record));
  } else if (type->string == "verification") {
    const JsonValue* name = line.find("name");
    VISAGE_CHECK(name != nullptr && name->kind == JsonValue::Kind::kString, "no \"name\"");
    // Several verification sets share iterations: replace only this set's records.
    const int64_t iter = iteration(line);
    std::erase_if(log.verification, [&](const VerificationRecord& r) {
      return r.name == name->string && r.iter >= iter;
    });
    log.verification.push_back({iter, name->string, number(line, "accuracy"), number(line, "auc"),
                                named_values(line, "val")});
  }
}

}  // namespace

TrainingLog read_training_log(const std::filesystem::path& path) {
  std::ifstream in(path);
  VISAGE_CHECK(in.is_open(), path.string(), ": cannot open the training log");
  TrainingLog log;
  log.source = path;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      read_line(eval::parse_json(text), log);
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
