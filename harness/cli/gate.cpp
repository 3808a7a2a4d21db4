// `kvslo gate` (a run against a baseline) and `kvslo merge` (runs pooled into one baseline).
#include <memory>

#include "commands.hpp"
#include "gate/gate_command.hpp"

namespace kvslo::cli {

Subcommand register_gate(CLI::App& app) {
  struct Options {
    GateOptions gate;
    std::string threshold = "10%";
    std::vector<std::string> metrics;
    std::string junit, summary;
  };
  auto o = std::make_shared<Options>();
  auto* gate = app.add_subcommand("gate", "compare a run against a baseline; exit 1 on a regression, 2 on bad input");
  gate->add_option("--baseline", o->gate.baseline, "baseline results JSON")->required();
  gate->add_option("--current", o->gate.current, "current results JSON")->required();
  gate->add_option("--threshold", o->threshold, "smallest change that counts, e.g. 10%")->capture_default_str();
  gate->add_option("--alpha", o->gate.alpha, "significance level of the rank test")->capture_default_str();
  gate->add_option("--metric", o->metrics, "throughput, batch_p99, cpu_per_gb (repeatable; default throughput)");
  gate->add_option("--normalize", o->gate.normalize, "none or client:NAME (divide by a reference client in the same run)")
      ->capture_default_str();
  gate->add_flag("--require-slo", o->gate.require_slo, "also fail when the current run does not meet its SLO");
  gate->add_flag("--fail-on-missing", o->gate.fail_on_missing, "also fail when a baseline point is missing from the current run");
  gate->add_option("--junit", o->junit, "write JUnit XML here (one test case per point and metric)");
  gate->add_option("--summary", o->summary, "write a Markdown summary here (for CI pages)");
  return {gate, [o] { return gate_command(o->gate, o->threshold, o->metrics, o->junit, o->summary); }};
}

Subcommand register_merge(CLI::App& app) {
  struct Options {
    std::vector<std::string> inputs;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  auto* merge = app.add_subcommand("merge", "pool the trials of several runs of one scenario into one baseline");
  merge->add_option("results", o->inputs, "results files")->required();
  merge->add_option("--out", o->out, "merged results file")->required();
  return {merge, [o] { return merge_command(o->inputs, o->out); }};
}

}  // namespace kvslo::cli
