#pragma once
// kvslo's exit codes, shared by every command (run, gate, net, report).

namespace kvslo {

// Documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitPointFailed = 1,       // at least one point failed (errors are in the results)
  kExitBadInput = 2,          // bad flags or scenario; nothing ran
  kExitInfrastructure = 3,    // Redis could not be started or reached, results not writable
  kExitSloNotMet = 4,         // --require-slo and no point met the SLO
  kExitInterrupted = 130,     // Ctrl-C: finished points are kept
};

}  // namespace kvslo
