#include "eval/axis_ticks.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "eval/number_format.hpp"

namespace visage::eval {
namespace {

// The smallest 1, 2 or 5 times a power of ten that is at least `raw`.
double nice_step(double raw) {
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double multiple : {1.0, 2.0, 5.0}) {
    if (multiple * power >= raw * (1 - 1e-9)) return multiple * power;
  }
  return 10 * power;
}

// Decimals that show every multiple of `step` exactly: 0.25 needs 2, 5 needs 0.
int decimals_for(double step) {
  for (int decimals = 0; decimals < 12; ++decimals) {
    const double scaled = step * std::pow(10.0, decimals);
    if (std::abs(scaled - std::round(scaled)) < 1e-6 * scaled) return decimals;
  }
  return 12;
}

std::string superscript(int exponent) {
  static constexpr std::array<const char*, 10> kDigits = {"⁰", "¹", "²", "³", "⁴",
                                                          "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string digits = std::to_string(std::abs(exponent));
  std::string out = exponent < 0 ? "⁻" : "";
  for (const char d : digits) out += kDigits[d - '0'];
  return out;
}

// 10⁻³, 10⁻², 10⁻¹, 1, 10, 10², ...: one and ten read better plain.
std::string decade_label(int exponent) {
  if (exponent == 0) return "1";
  if (exponent == 1) return "10";
  return "10" + superscript(exponent);
}

}  // namespace

std::string tick_label(double value, double step) {
  if (std::abs(value) < step * 1e-6) value = 0;  // no "-0" from rounding
  if (step >= 1e6 - 0.5) return fixed(value / 1e6, decimals_for(step / 1e6)) + "M";
  if (step >= 1e3 - 0.5 && std::abs(value) >= 1e4) {
    return fixed(value / 1e3, decimals_for(step / 1e3)) + "k";
  }
  return fixed(value, decimals_for(step));
}

AxisTicks linear_ticks(double lo, double hi, int target) {
  VISAGE_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi && target >= 2, "linear_ticks(",
               lo, ", ", hi, ", ", target, ")");
  if (hi - lo <= std::max(std::abs(lo), std::abs(hi)) * 1e-12) {
    const double half = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= half;
    hi += half;
  }
  const double step = nice_step((hi - lo) / target);
  AxisTicks axis;
  axis.min = std::floor(lo / step + 1e-9) * step;
  axis.max = std::ceil(hi / step - 1e-9) * step;
  const auto count = static_cast<int>(std::lround((axis.max - axis.min) / step));
  for (int i = 0; i <= count; ++i) {
    const double value = axis.min + i * step;
    axis.ticks.push_back({value, tick_label(value, step)});
  }
  return axis;
}

AxisTicks log_ticks(double lo, double hi) {
  VISAGE_CHECK(lo > 0 && hi >= lo && std::isfinite(hi), "log_ticks(", lo, ", ", hi,
               "): a log axis needs a positive range");
  if (hi <= lo * (1 + 1e-12)) {  // one value: widened around it, as linear_ticks does
    lo /= 2;
    hi *= 2;
  }
  AxisTicks axis;
  const int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int last = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (std::log10(hi / lo) >= 1) {
    axis.min = std::pow(10.0, first);
    axis.max = std::pow(10.0, last);
    for (int exponent = first; exponent <= last; ++exponent) {
      axis.ticks.push_back({std::pow(10.0, exponent), decade_label(exponent)});
    }
    return axis;
  }
  // Less than a decade: the 1-2-5 values from the last at or below lo to the first above it
  // that reaches hi.
  std::vector<double> values;
  for (int exponent = first; exponent <= last; ++exponent) {
    for (const double multiple : {1.0, 2.0, 5.0}) {
      values.push_back(multiple * std::pow(10.0, exponent));
    }
  }
  values.push_back(std::pow(10.0, last + 1));
  const auto after_lo = std::ranges::find_if(values, [&](double v) { return v > lo * (1 + 1e-9); });
  axis.min = after_lo == values.begin() ? values.front() : *(after_lo - 1);
  axis.max =
      *std::ranges::find_if(after_lo, values.end(), [&](double v) { return v >= hi * (1 - 1e-9); });
  for (const double value : values) {
    if (value < axis.min * (1 - 1e-9) || value > axis.max * (1 + 1e-9)) continue;
    const int exponent = static_cast<int>(std::floor(std::log10(value) + 1e-9));
    axis.ticks.push_back({value, tick_label(value, std::pow(10.0, exponent))});
  }
  return axis;
}

}  // namespace visage::eval
