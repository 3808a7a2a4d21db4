#pragma once
// Finding the Python helpers kvslo ships (the report, the redis-py peer) and
// an interpreter that can run them.

#include <filesystem>
#include <string>

namespace kvslo {

// The python3 first on PATH may be a build that does not see Debian's
// packages: tries $KVSLO_PYTHON, then `preferred` (if given), /usr/bin/python3,
// then python3 on PATH, and returns the first that imports `module` ("" if none does).
std::string find_python(const std::string& module, const std::string& preferred = "");

// A file under scripts/: $KVSLO_SCRIPTS, else the source tree's, else ./scripts.
std::filesystem::path script_file(const std::string& relative);

}  // namespace kvslo
