#include "solvers/training_curves.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "core/error.hpp"
#include "eval/number_format.hpp"

namespace visage {
namespace {

using eval::Panel;
using eval::Series;

// Line styles that tell quantities of one run apart when colours tell the runs apart.
const std::string& dash_style(size_t i) {
  static const std::vector<std::string> kDashes = {"",        "6 4",  "2 3",
                                                   "9 3 2 3", "12 4", "2 3 2 3 8 3"};
  return kDashes[i % kDashes.size()];
}

Panel iteration_panel(std::string title, std::string y_title) {
  Panel panel;
  panel.title = std::move(title);
  panel.x.title = "iteration";
  panel.y.title = std::move(y_title);
  return panel;
}

// A log axis when most values would crowd into the bottom tenth of a linear one (step or
// exponential schedules); a schedule that falls linearly to zero reads better on a linear axis.
eval::Scale learning_rate_scale(const std::vector<TrainingLog>& logs) {
  double top = 0;
  size_t count = 0;
  for (const TrainingLog& log : logs) {
    for (const TrainRecord& r : log.train) {
      if (!std::isfinite(r.lr)) continue;
      if (r.lr <= 0) return eval::Scale::kLinear;
      top = std::max(top, r.lr);
      ++count;
    }
  }
  size_t crowded = 0;
  for (const TrainingLog& log : logs) {
    for (const TrainRecord& r : log.train) crowded += std::isfinite(r.lr) && r.lr < top / 10;
  }
  return 2 * crowded > count ? eval::Scale::kLog : eval::Scale::kLinear;
}

// One series per (quantity, run): colours tell runs apart and dashes quantities, or, for one
// run, colours tell the quantities apart. With several runs the legend names each run once (on
// its first quantity's line) and each quantity once (legend_entry).
Series quantity_series(const std::vector<std::string>& runs, size_t run, size_t quantity,
                       const std::string& name) {
  Series s;
  const bool one_run = runs.size() == 1;
  s.label = one_run ? name : quantity == 0 ? runs[run] : "";
  s.name = name + ": " + runs[run];
  s.color = eval::series_color(one_run ? quantity : run);
  s.dasharray = one_run ? "" : dash_style(quantity);
  return s;
}

// One named quantity of one run over iterations ("triplets.active").
struct Trace {
  std::string quantity;
  std::vector<double> x, y;
  size_t run = 0;
};

// The power of ten of a trace's largest value.
double magnitude(const Trace& trace) {
  double top = 0;
  for (const double v : trace.y) {
    if (std::isfinite(v)) top = std::max(top, std::abs(v));
  }
  return top > 0 ? std::floor(std::log10(top)) : 0;
}

// The part of a quantity's name after the group ("triplets.active" -> "active").
std::string short_name(const std::string& quantity) {
  return quantity.substr(quantity.find('.') + 1);
}

std::string group_name(const std::string& quantity) {
  return quantity.substr(0, quantity.find('.'));
}

// A panel of the traces of `quantities`, titled "<prefix><group>: <names>".
// A line without points: a legend entry for the dash of a quantity across runs.
Series legend_entry(const std::string& name, size_t quantity) {
  Series s;
  s.name = "legend: " + name;
  s.label = name;
  s.color = "#555555";
  s.dasharray = dash_style(quantity);
  return s;
}

Panel traces_panel(const std::string& prefix, const std::vector<std::string>& quantities,
                   std::vector<Trace>& traces, const std::vector<std::string>& runs) {
  Panel panel = iteration_panel(prefix + group_name(quantities.front()), "");
  std::vector<Series> legend_entries;
  for (size_t q = 0; q < quantities.size(); ++q) {
    panel.title += (q == 0 ? ": " : ", ") + short_name(quantities[q]);
    if (runs.size() > 1 && quantities.size() > 1) {
      legend_entries.push_back(legend_entry(short_name(quantities[q]), q));
    }
    for (Trace& t : traces) {
      if (t.quantity != quantities[q]) continue;
      Series s = quantity_series(runs, t.run, q, short_name(t.quantity));
      s.dots = t.x.size() <= 30;
      s.x = std::move(t.x);
      s.y = std::move(t.y);
      panel.series.push_back(std::move(s));
    }
  }
  std::ranges::move(legend_entries, std::back_inserter(panel.series));
  return panel;
}

// Named values grouped into panels: one per prefix before the first '.' ("triplets.active" ->
// "triplets"), split where a value's order of magnitude differs by more than one from the
// panel's first (counts apart from fractions), so that no line lies flat against the axis
// because another is a hundred times larger.
std::vector<Panel> grouped_panels(const std::string& prefix, std::vector<Trace> traces,
                                  const std::vector<std::string>& runs) {
  std::vector<std::vector<std::string>> groups;  // quantities per panel, in first-seen order
  double group_magnitude = 0;
  std::vector<std::string> seen;
  for (const Trace& t : traces) {
    if (std::ranges::find(seen, t.quantity) != seen.end()) continue;
    seen.push_back(t.quantity);
    double quantity_magnitude = magnitude(t);
    for (const Trace& other : traces) {
      if (other.quantity == t.quantity)
        quantity_magnitude = std::max(quantity_magnitude, magnitude(other));
    }
    if (groups.empty() || group_name(groups.back().front()) != group_name(t.quantity) ||
        std::abs(quantity_magnitude - group_magnitude) > 1) {
      groups.emplace_back();
      group_magnitude = quantity_magnitude;
    }
    groups.back().push_back(t.quantity);
  }
  std::vector<Panel> panels;
  for (const auto& quantities : groups)
    panels.push_back(traces_panel(prefix, quantities, traces, runs));
  return panels;
}

}  // namespace

std::vector<std::string> run_labels(const std::vector<TrainingLog>& logs) {
  // Add parent folders until every label is different (or the paths run out).
  for (int parents = 0;; ++parents) {
    std::vector<std::string> labels;
    bool exhausted = true;
    for (const TrainingLog& log : logs) {
      std::filesystem::path label = log.source.filename();
      std::filesystem::path folder = log.source.parent_path();
      for (int i = 0; i < parents && !folder.empty(); ++i) {
        label = folder.filename() / label;
        folder = folder.parent_path();
      }
      exhausted = exhausted && folder.empty();
      labels.push_back(label.string());
    }
    std::vector<std::string> sorted = labels;
    std::ranges::sort(sorted);
    if (std::ranges::adjacent_find(sorted) == sorted.end() || exhausted) return labels;
  }
}

std::vector<double> moving_average(const std::vector<double>& values, int window) {
  VISAGE_CHECK(window >= 1, "a moving average over ", window, " values");
  const auto half = static_cast<ptrdiff_t>(window / 2);
  const auto n = static_cast<ptrdiff_t>(values.size());
  std::vector<double> averaged(values.size());
  for (ptrdiff_t i = 0; i < n; ++i) {
    double sum = 0;
    int count = 0;
    for (ptrdiff_t j = std::max<ptrdiff_t>(0, i - half); j <= std::min(n - 1, i + half); ++j) {
      if (std::isfinite(values[j])) {
        sum += values[j];
        ++count;
      }
    }
    averaged[i] = count > 0 ? sum / count : values[i];
  }
  return averaged;
}

eval::Figure training_curves(const std::vector<TrainingLog>& logs, const CurveOptions& options) {
  VISAGE_CHECK(!logs.empty(), "no training logs to plot");
  VISAGE_CHECK(options.smooth >= 0, "smoothing over ", options.smooth, " train lines");
  const std::vector<std::string> runs = run_labels(logs);
  const bool one_run = logs.size() == 1;

  Panel loss = iteration_panel("training loss", "loss");
  Panel lr = iteration_panel("learning rate", "learning rate");
  lr.y.scale = learning_rate_scale(logs);
  Panel speed = iteration_panel("throughput", "images/s");
  std::vector<Trace> outputs;
  std::vector<Trace> tests;
  std::map<std::string, std::vector<Trace>> verifications;
  int window_used = 1;
  for (size_t run = 0; run < logs.size(); ++run) {
    const TrainingLog& log = logs[run];
    Series raw;
    raw.name = "loss: " + runs[run];
    raw.color = eval::series_color(run);
    Series rate = raw;
    rate.name = "learning rate: " + runs[run];
    rate.label = one_run ? "" : runs[run];
    Series throughput = rate;
    throughput.name = "images/s: " + runs[run];
    for (const TrainRecord& r : log.train) {
      const auto iter = static_cast<double>(r.iter);
      raw.x.push_back(iter);
      raw.y.push_back(r.loss);
      rate.x.push_back(iter);
      rate.y.push_back(r.lr);
      throughput.x.push_back(iter);
      throughput.y.push_back(r.images_per_s);
      for (const auto& output : r.outputs) {
        const std::string& name = output.first;
        auto trace = std::ranges::find_if(
            outputs, [&](const Trace& t) { return t.quantity == name && t.run == run; });
        if (trace == outputs.end()) trace = outputs.insert(outputs.end(), Trace{name, {}, {}, run});
        trace->x.push_back(iter);
        trace->y.push_back(output.second);
      }
    }
    const int window = options.smooth > 0
                           ? options.smooth
                           : std::max(1, static_cast<int>(log.train.size() / 20) | 1);
    window_used = std::max(window_used, window);
    if (window > 1) {
      Series smoothed = raw;
      smoothed.name = "loss, smoothed: " + runs[run];
      smoothed.label = one_run ? "" : runs[run];
      smoothed.y = moving_average(raw.y, window);
      raw.name = "loss, raw: " + runs[run];
      raw.width = 1;
      raw.opacity = 0.3;
      loss.series.push_back(std::move(raw));
      loss.series.push_back(std::move(smoothed));
    } else {
      raw.label = one_run ? "" : runs[run];
      loss.series.push_back(std::move(raw));
    }
    lr.series.push_back(std::move(rate));
    speed.series.push_back(std::move(throughput));

    for (const TestRecord& r : log.test) {
      for (const auto& [name, value] : r.outputs) {
        const std::string quantity = concat("test net ", r.net, ".", name);
        auto trace = std::ranges::find_if(
            tests, [&](const Trace& t) { return t.quantity == quantity && t.run == run; });
        if (trace == tests.end()) trace = tests.insert(tests.end(), Trace{quantity, {}, {}, run});
        trace->x.push_back(static_cast<double>(r.iter));
        trace->y.push_back(value);
      }
    }
    for (const VerificationRecord& r : log.verification) {
      std::vector<Trace>& traces = verifications[r.name];
      NamedValues values = {{"accuracy", r.accuracy}};
      for (const ValAtRequestedFar& v : r.val) {
        values.emplace_back("VAL@FAR=" + eval::significant(v.far, 3), v.val);
      }
      for (const auto& [name, value] : values) {
        const std::string quantity = "verification " + r.name + "." + name;
        auto trace = std::ranges::find_if(
            traces, [&](const Trace& t) { return t.quantity == quantity && t.run == run; });
        if (trace == traces.end())
          trace = traces.insert(traces.end(), Trace{quantity, {}, {}, run});
        trace->x.push_back(static_cast<double>(r.iter));
        trace->y.push_back(value);
      }
    }
  }
  if (window_used > 1) loss.title = concat("training loss (mean of ", window_used, " displays)");

  eval::Figure figure;
  figure.title = "Training: " + (one_run ? runs.front() : concat(runs.size(), " runs"));
  figure.panels = {std::move(loss), std::move(lr), std::move(speed)};
  // Accuracy and VAL share one panel per verification set, on the [0, 1] of rates.
  for (auto& [name, traces] : verifications) {
    std::vector<std::string> quantities;
    for (const Trace& t : traces) {
      if (std::ranges::find(quantities, t.quantity) == quantities.end()) {
        quantities.push_back(t.quantity);
      }
    }
    Panel panel = traces_panel("", quantities, traces, runs);
    panel.y.min = 0.0;
    panel.y.max = 1.0;
    figure.panels.push_back(std::move(panel));
  }
  for (std::vector<Trace>* traces : {&tests, &outputs}) {
    const std::string prefix = traces == &tests ? "" : "train net: ";
    for (Panel& panel : grouped_panels(prefix, std::move(*traces), runs)) {
      figure.panels.push_back(std::move(panel));
    }
  }
  figure.columns = 2;
  figure.panel_width = 480;
  figure.panel_height = 300;
  return figure;
}

}  // namespace visage
