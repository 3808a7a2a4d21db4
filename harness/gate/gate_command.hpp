#pragma once
// `kvslo gate` and `kvslo merge` as the command line sees them.

#include <string>
#include <vector>

#include "gate/gate.hpp"

namespace kvslo {

int gate_command(GateOptions options, const std::string& threshold, const std::vector<std::string>& metrics,
                 const std::string& junit_path, const std::string& summary_path);
int merge_command(const std::vector<std::string>& inputs, const std::string& out);

}  // namespace kvslo
