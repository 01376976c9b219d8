// SIGINT and SIGTERM turned into a request to stop at the next safe point: `visage train` finishes
// its iteration and writes a snapshot, `visage experiment` passes the request on to the trainings
// it started and waits for their snapshots.
#pragma once

#include <csignal>

namespace visage::tools {

// Installs the handler for SIGINT and SIGTERM and restores the previous ones on destruction. The
// handler resets itself after one delivery (SA_RESETHAND), so a second Ctrl-C kills at once. One
// instance at a time.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  static bool received();
  // The signal's number, 0 while none arrived.
  static int signal();
  static const char* signal_name();

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace visage::tools
