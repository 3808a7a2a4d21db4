#pragma once
// Runs the kvslo binary the way a user would and captures what it says.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace kvslo::testing {

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr
};

inline Outcome run_kvslo(const std::string& arguments, const std::string& environment = "") {
  const std::string command = environment + " " + std::string(KVSLO_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  Outcome o{-1, {}};
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) o.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

}  // namespace kvslo::testing
