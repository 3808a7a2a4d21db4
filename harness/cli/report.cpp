// `kvslo report`: plots and reports from a results file.
#include <filesystem>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "run/report_command.hpp"
#include "signals.hpp"

namespace kvslo::cli {

Subcommand register_report(CLI::App& app) {
  struct Options {
    std::string results, out, baseline;
  };
  auto o = std::make_shared<Options>();
  auto* report = app.add_subcommand("report", "write plots, report.md and a self-contained report.html from a results file");
  report->add_option("results", o->results, "results JSON")->required();
  report->add_option("--out", o->out, "directory (default: the results path without .json)");
  report->add_option("--baseline", o->baseline, "a second results file to compare against (before/after plot)");
  auto optional_path = [](const std::string& p) {
    return p.empty() ? std::nullopt : std::optional<std::filesystem::path>(p);
  };
  return {report, [o, optional_path] {
            install_signal_handlers();  // Ctrl-C ends the script, which then removes its temporary directory
            return write_report(o->results, optional_path(o->out), optional_path(o->baseline), &stop_requested());
          }};
}

}  // namespace kvslo::cli
