#include "system/helper_scripts.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <vector>

#include "system/child_process.hpp"  // find_on_path
#include "system/subprocess.hpp"

#ifndef KVSLO_SOURCE_SCRIPTS
#define KVSLO_SOURCE_SCRIPTS "scripts"
#endif

namespace kvslo {

std::string find_python(const std::string& module, const std::string& preferred) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("KVSLO_PYTHON"); env && *env) candidates.push_back(env);
  if (!preferred.empty()) candidates.push_back(preferred);
  candidates.push_back("/usr/bin/python3");
  if (auto p = find_on_path("python3"); !p.empty()) candidates.push_back(p);
  // A first matplotlib import builds its font cache, which takes a while on a slow machine.
  constexpr std::chrono::seconds kImportTimeout{120};
  for (const auto& python : candidates) {
    if (::access(python.c_str(), X_OK) == 0 && run_process({python, "-c", "import " + module}, true, kImportTimeout) == 0) {
      return python;
    }
  }
  return {};
}

std::filesystem::path script_file(const std::string& relative) {
  if (const char* env = std::getenv("KVSLO_SCRIPTS"); env && *env) return std::filesystem::path(env) / relative;
  std::filesystem::path source = std::filesystem::path(KVSLO_SOURCE_SCRIPTS) / relative;
  if (std::filesystem::exists(source)) return source;
  return std::filesystem::path("scripts") / relative;
}

}  // namespace kvslo
