// Training curves from progress logs (training_log.hpp) as a figure of panels: the smoothed
// training loss, the learning rate, throughput, verification accuracy and VAL@FAR, test-net
// outputs and the train net's other outputs (triplet mining statistics, ...). Several logs give
// one series each, labelled by run, to compare runs.
#pragma once

#include <string>
#include <vector>

#include "eval/svg_chart.hpp"
#include "solvers/training_log.hpp"

namespace visage {

struct CurveOptions {
  // Train lines averaged into each point of the smoothed loss (centred); 0 picks one twentieth
  // of the log, 1 plots the loss as logged.
  int smooth = 0;
};

// The name each log's series carry: its file name, or as much of its path as tells it apart from
// the others' (run1/log.jsonl, run2/log.jsonl).
std::vector<std::string> run_labels(const std::vector<TrainingLog>& logs);

// A centred moving average over `window` values (the ends average what they have).
std::vector<double> moving_average(const std::vector<double>& values, int window);

eval::Figure training_curves(const std::vector<TrainingLog>& logs, const CurveOptions& options);

}  // namespace visage
