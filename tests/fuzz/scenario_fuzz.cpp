// libFuzzer target: scenario text, then --set assignments, parsed, expanded
// and recorded as the CLI does. Refusing an input (ScenarioError, or the
// std::invalid_argument it derives from) is the expected outcome for most
// bytes; any other exception, a crash, a hang or a sanitizer report (ASan and
// UBSan are on in the fuzz build) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "experiment/scenario.hpp"

namespace {

// The shipped table: the models the scenarios name.
const kvslo::ModelTable& models() {
  static const kvslo::ModelTable table = kvslo::ModelTable::load(KVSLO_FUZZ_MODELS);
  return table;
}

void parse_and_expand(std::string_view input) {
  // Up to the first NUL byte: the scenario; after it, one --set per line.
  const std::size_t nul = input.find('\0');
  auto scenario = kvslo::Scenario::parse(std::string(input.substr(0, nul)), "fuzz.json", models());
  if (nul != std::string_view::npos) {
    std::string_view rest = input.substr(nul + 1);
    while (!rest.empty()) {
      const std::size_t eol = rest.find('\n');
      scenario.override_with(std::string(rest.substr(0, eol)), models());
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    }
  }
  // What a run records: dump() throws on text that is not UTF-8.
  for (const auto& point : scenario.expand(models())) {
    (void)point.to_json().dump();
    (void)point.label();
  }
  (void)scenario.to_json().dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    parse_and_expand(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::invalid_argument&) {
    // Refused cleanly: the CLI prints it and exits 2.
  }
  return 0;
}
