#include "run/report_command.hpp"

#include <chrono>
#include <iostream>
#include <vector>

#include "system/helper_scripts.hpp"
#include "system/subprocess.hpp"

#ifndef KVSLO_VERSION
#define KVSLO_VERSION "0.0.0"
#endif

namespace kvslo {
namespace {

// A large sweep plots in well under a minute; a helper still running after
// this is stuck (a hung font cache, a stalled file system), not busy.
constexpr std::chrono::minutes kReportTimeout{10};

}  // namespace

int write_report(const std::filesystem::path& results, const std::optional<std::filesystem::path>& out_dir,
                 const std::optional<std::filesystem::path>& baseline, const std::atomic<bool>* stop) {
  const std::string python = find_python("matplotlib");
  if (python.empty()) {
    std::cerr << "kvslo report: no Python with matplotlib found (tried $KVSLO_PYTHON, /usr/bin/python3, python3 on "
                 "PATH); install it with 'apt-get install python3-matplotlib' or scripts/install-deps.sh\n";
    return 3;
  }
  std::vector<std::string> argv{python, script_file("kvslo-report.py").string(), results.string(), "--tool-version",
                                KVSLO_VERSION};
  if (out_dir) argv.insert(argv.end(), {"--out", out_dir->string()});
  if (baseline) argv.insert(argv.end(), {"--baseline", baseline->string()});
  const int code = run_process(argv, false, kReportTimeout, stop);
  if (code == 124) {
    std::cerr << "kvslo report: stopped the report script after " << kReportTimeout.count()
              << " minutes; no report was written\n";
  }
  return code;
}

}  // namespace kvslo
