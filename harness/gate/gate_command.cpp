#include "gate/gate_command.hpp"

#include <iostream>

#include "exit_codes.hpp"
#include "system/results_file.hpp"

namespace kvslo {

int gate_command(GateOptions gate, const std::string& gate_threshold, const std::vector<std::string>& gate_metrics,
                 const std::string& gate_junit_path, const std::string& gate_summary_path) {
  try {
    std::string t = gate_threshold;
    const bool pct = !t.empty() && t.back() == '%';
    if (pct) t.pop_back();
    std::size_t used = 0;
    gate.threshold = std::stod(t, &used) / (pct ? 100.0 : 1.0);
    if (used != t.size() || gate.threshold < 0) throw std::invalid_argument("x");
  } catch (const std::exception&) {
    std::cerr << "kvslo gate: --threshold '" << gate_threshold << "': expected a percentage such as 10%\n";
    return kExitBadInput;
  }
  try {
    if (!gate_metrics.empty()) {
      gate.metrics.clear();
      for (const auto& m : gate_metrics) gate.metrics.push_back(parse_gate_metric(m));
    }
    if (!gate_junit_path.empty()) gate.junit = gate_junit_path;
    if (!gate_summary_path.empty()) gate.summary = gate_summary_path;
    // Refused before anything is compared: an earlier gate's output may be replaced, nothing else.
    auto has = [](const char* signature) {
      return [signature](const std::string& contents) { return contents.find(signature) != std::string::npos; };
    };
    if (gate.junit) check_output_is_ours(*gate.junit, "--junit", has("<testsuite name=\"kvslo gate\""));
    if (gate.summary) check_output_is_ours(*gate.summary, "--summary", has("## kvslo gate: "));
    GateReport result = run_gate(gate);
    std::cout << gate_table(result, gate);
    if (gate.junit) write_file_atomically(*gate.junit, gate_junit(result));
    if (gate.summary) write_file_atomically(*gate.summary, gate_markdown(result, gate));
    return result.exit_code();
  } catch (const std::invalid_argument& e) {
    std::cerr << "kvslo gate: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "kvslo gate: " << e.what() << "\n";
    return kExitBadInput;
  }
}

int merge_command(const std::vector<std::string>& inputs, const std::string& out) {
  try {
    std::vector<std::filesystem::path> files(inputs.begin(), inputs.end());
    check_results_path_is_ours(out);
    write_file_atomically(out, merge_results(files).dump(2) + "\n");
    std::cout << "merged " << files.size() << " runs into " << out << "\n";
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "kvslo merge: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace kvslo
