// kvslo: can Redis serve KV-cache retrieval at the SLO on this hardware?
#include <signal.h>

#include <CLI/CLI.hpp>
#include <vector>

#include "cli/commands.hpp"
#include "exit_codes.hpp"
#include "system/allocator.hpp"

int main(int argc, char** argv) {
  using namespace kvslo::cli;
  // Before any client allocates: one allocator state for the whole run (system/allocator.hpp).
  kvslo::settle_allocator();
  // A server that closes a connection while a client writes (hiredis uses
  // plain write) must fail that point, not kill kvslo with no summary.
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"kvslo: KV-cache retrieval benchmarks and SLO validation for Redis"};
  app.require_subcommand(1);
  const std::vector<Subcommand> commands{register_run(app, {argv, argv + argc}),    register_validate(app), register_list(app),
                                         register_report(app), register_gate(app),     register_merge(app),
                                         register_net(app),    register_clients(app),  register_version(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kvslo::kExitOk : kvslo::kExitBadInput;
  }
  for (const auto& c : commands) {
    if (c.command->parsed()) return c.run();
  }
  return kvslo::kExitOk;
}
