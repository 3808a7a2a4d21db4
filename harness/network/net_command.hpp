#pragma once
// `kvslo net`: the wire curve to one target, where it converges, the host's
// network settings and the sysctl lines to change.

#include <string>
#include <vector>

namespace kvslo {

int net_command(const std::string& target, const std::vector<int>& streams, const std::string& length,
                const std::string& duration, const std::string& out);

}  // namespace kvslo
