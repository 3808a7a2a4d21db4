#include "report_command.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "embedded_redis.hpp"  // find_on_path
#include "subprocess.hpp"

#ifndef KVSLO_SOURCE_SCRIPTS
#define KVSLO_SOURCE_SCRIPTS "scripts"
#endif

namespace kvslo {
namespace {

// The python3 first on PATH may be a build that does not see Debian's
// packages; prefer one that can import matplotlib.
std::string find_python() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("KVSLO_PYTHON"); env && *env) candidates.push_back(env);
  candidates.push_back("/usr/bin/python3");
  if (auto p = find_on_path("python3"); !p.empty()) candidates.push_back(p);
  for (const auto& python : candidates) {
    if (::access(python.c_str(), X_OK) == 0 && run_process({python, "-c", "import matplotlib"}, true) == 0) return python;
  }
  return {};
}

std::filesystem::path script_path() {
  if (const char* env = std::getenv("KVSLO_SCRIPTS"); env && *env) return std::filesystem::path(env) / "kvslo-report.py";
  std::filesystem::path source = std::filesystem::path(KVSLO_SOURCE_SCRIPTS) / "kvslo-report.py";
  if (std::filesystem::exists(source)) return source;
  return std::filesystem::path("scripts") / "kvslo-report.py";
}

}  // namespace

int write_report(const std::filesystem::path& results, const std::optional<std::filesystem::path>& out_dir,
                 const std::optional<std::filesystem::path>& baseline) {
  const std::string python = find_python();
  if (python.empty()) {
    std::cerr << "kvslo report: no Python with matplotlib found (tried $KVSLO_PYTHON, /usr/bin/python3, python3 on "
                 "PATH); install it with 'apt-get install python3-matplotlib' or scripts/install-deps.sh\n";
    return 3;
  }
  std::vector<std::string> argv{python, script_path().string(), results.string()};
  if (out_dir) argv.insert(argv.end(), {"--out", out_dir->string()});
  if (baseline) argv.insert(argv.end(), {"--baseline", baseline->string()});
  return run_process(argv, false);
}

}  // namespace kvslo
