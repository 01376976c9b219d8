#include "core/config_numbers.hpp"

#include <cmath>
#include <optional>

#include "core/error.hpp"
#include "proto/visage.pb.h"

namespace visage {
namespace {

namespace pb = google::protobuf;

struct Range {
  std::optional<double> minimum, exclusive_minimum, maximum, exclusive_maximum;

  bool contains(double v) const {
    return (!minimum || v >= *minimum) && (!exclusive_minimum || v > *exclusive_minimum) &&
           (!maximum || v <= *maximum) && (!exclusive_maximum || v < *exclusive_maximum);
  }
  // "in [0, 1)", "> 0", ">= 1".
  std::string describe() const {
    const bool low = minimum || exclusive_minimum;
    const bool high = maximum || exclusive_maximum;
    const double lo = minimum ? *minimum : exclusive_minimum.value_or(0);
    const double hi = maximum ? *maximum : exclusive_maximum.value_or(0);
    if (low && high) {
      return concat("in ", minimum ? "[" : "(", lo, ", ", hi, maximum ? "]" : ")");
    }
    if (low) return concat(minimum ? ">= " : "> ", lo);
    return concat(maximum ? "<= " : "< ", hi);
  }
};

Range range_of(const pb::FieldDescriptor& field) {
  const pb::FieldOptions& options = field.options();
  Range range;
  if (options.HasExtension(proto::minimum)) range.minimum = options.GetExtension(proto::minimum);
  if (options.HasExtension(proto::exclusive_minimum)) {
    range.exclusive_minimum = options.GetExtension(proto::exclusive_minimum);
  }
  if (options.HasExtension(proto::maximum)) range.maximum = options.GetExtension(proto::maximum);
  if (options.HasExtension(proto::exclusive_maximum)) {
    range.exclusive_maximum = options.GetExtension(proto::exclusive_maximum);
  }
  return range;
}

// The numeric value of element `index` of a scalar field (index -1: a singular field); nullopt
// for fields that are not numbers.
std::optional<double> number_at(const pb::Message& message, const pb::FieldDescriptor& field,
                                int index) {
  const pb::Reflection& r = *message.GetReflection();
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      return repeated ? r.GetRepeatedFloat(message, &field, index) : r.GetFloat(message, &field);
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      return repeated ? r.GetRepeatedDouble(message, &field, index) : r.GetDouble(message, &field);
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return repeated ? r.GetRepeatedInt32(message, &field, index) : r.GetInt32(message, &field);
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(repeated ? r.GetRepeatedInt64(message, &field, index)
                                          : r.GetInt64(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return repeated ? r.GetRepeatedUInt32(message, &field, index) : r.GetUInt32(message, &field);
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<double>(repeated ? r.GetRepeatedUInt64(message, &field, index)
                                          : r.GetUInt64(message, &field));
    default:
      return std::nullopt;
  }
}

std::string where(const std::string& source, const pb::TextFormat::ParseInfoTree* locations,
                  const pb::FieldDescriptor& field, int index) {
  if (locations != nullptr) {
    const pb::TextFormat::ParseLocation at = locations->GetLocation(&field, index);
    if (at.line >= 0) return concat(source, ":", at.line + 1, ":", at.column + 1);
  }
  return source;
}

void check_message(const pb::Message& message, const pb::TextFormat::ParseInfoTree* locations,
                   const std::string& source, const std::string& path) {
  const pb::Reflection& r = *message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  r.ListFields(message, &fields);  // only the fields that are set
  for (const pb::FieldDescriptor* field : fields) {
    const int count = field->is_repeated() ? r.FieldSize(message, field) : 1;
    const std::string name = path.empty() ? field->name() : path + "." + field->name();
    for (int i = 0; i < count; ++i) {
      const int index = field->is_repeated() ? i : -1;
      const std::string element = field->is_repeated() ? concat(name, "[", i, "]") : name;
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        const pb::Message& nested = field->is_repeated() ? r.GetRepeatedMessage(message, field, i)
                                                         : r.GetMessage(message, field);
        check_message(nested,
                      locations != nullptr ? locations->GetTreeForNested(field, index) : nullptr,
                      source, element);
        continue;
      }
      const std::optional<double> value = number_at(message, *field, index);
      if (!value) continue;
      VISAGE_CHECK(std::isfinite(*value), where(source, locations, *field, index), ": ", element,
                   " is ", *value, "; numbers in a config must be finite");
      const Range range = range_of(*field);
      VISAGE_CHECK(range.contains(*value), where(source, locations, *field, index), ": ", element,
                   " must be ", range.describe(), ", got ", *value);
    }
  }
}

}  // namespace

void check_config_numbers(const pb::Message& message,
                          const pb::TextFormat::ParseInfoTree* locations,
                          const std::string& source) {
  check_message(message, locations, source, "");
}

}  // namespace visage
