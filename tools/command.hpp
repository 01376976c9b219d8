// The `visage` subcommands. Each takes its arguments (after the subcommand name) and returns the
// process exit code; errors are thrown as visage::Error and printed by main().
#pragma once

#include <span>
#include <string>

namespace visage::tools {

using Args = std::span<const std::string>;

int run_train(Args args);
int run_test(Args args);
int run_time(Args args);
int run_summary(Args args);
int run_device_query(Args args);
int run_embed(Args args);
int run_verify(Args args);
int run_fit_metric(Args args);
int run_synth(Args args);
int run_draw(Args args);
int run_plot(Args args);
int run_export(Args args);
int run_experiment(Args args);

}  // namespace visage::tools
