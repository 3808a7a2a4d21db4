#pragma once
// The subcommands of `kvslo`, one registration function each: it declares
// the subcommand's options on `app` and returns what to run when it was given.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace kvslo::cli {

struct Subcommand {
  CLI::App* command;
  std::function<int()> run;  // the exit code
};

// `args` is argv, recorded in the results (with any password masked).
Subcommand register_run(CLI::App& app, std::vector<std::string> args);
Subcommand register_validate(CLI::App& app);
Subcommand register_list(CLI::App& app);
Subcommand register_report(CLI::App& app);
Subcommand register_gate(CLI::App& app);
Subcommand register_merge(CLI::App& app);
Subcommand register_net(CLI::App& app);
Subcommand register_clients(CLI::App& app);
Subcommand register_version(CLI::App& app);

}  // namespace kvslo::cli
