#include "tools/stop_signals.hpp"

namespace visage::tools {
namespace {

// The number of the stop signal received, 0 while none. A signal handler may only store to a
// volatile sig_atomic_t object with static storage duration (C++ [support.signal]), so this is the
// one global the design allows; StopSignals scopes its use.
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void record_stop_signal(int signal) { g_stop_signal = signal; }

}  // namespace

StopSignals::StopSignals() {
  g_stop_signal = 0;
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

bool StopSignals::received() { return g_stop_signal != 0; }

int StopSignals::signal() { return g_stop_signal; }

const char* StopSignals::signal_name() {
  return g_stop_signal == SIGINT ? "SIGINT" : g_stop_signal == SIGTERM ? "SIGTERM" : "a signal";
}

}  // namespace visage::tools
