// Where an axis puts its ticks and what they say: "nice" values (1, 2 or 5 times a power of ten)
// on linear axes, decades (or 1-2-5 steps inside a short range) on log axes, and labels with a
// fixed number format, so that the same data always gives the same figure.
#pragma once

#include <string>
#include <vector>

namespace visage::eval {

struct Tick {
  double value = 0.0;
  std::string label;
};

struct AxisTicks {
  double min = 0.0;  // the axis range: the data range widened to the outer ticks
  double max = 1.0;
  std::vector<Tick> ticks;
};

// About `target` ticks (target + 1 at most) covering [lo, hi]; a degenerate range (lo == hi) is
// widened around it.
AxisTicks linear_ticks(double lo, double hi, int target = 5);

// Ticks for a log axis over [lo, hi] (both > 0): every decade, labelled 10⁻³, 10⁻², ...; when the
// range spans less than a decade, 1-2-5 multiples in plain numbers instead. A degenerate range
// (lo == hi) is widened to [lo / 2, 2 hi].
AxisTicks log_ticks(double lo, double hi);

// A tick value as text with as many decimals as `step` needs ("0.25", "1.5"); thousands as
// "20k", millions as "1.5M" when the step is that coarse.
std::string tick_label(double value, double step);

}  // namespace visage::eval
