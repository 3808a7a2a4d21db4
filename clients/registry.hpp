#pragma once
// Builds a client by name, so the harness never names a concrete class.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kv_client.hpp"

namespace kvslo {

// The clients make_client builds, in ladder order. It also builds "null",
// the no-I/O ceiling, which is not a rung of the ladder.
const std::vector<std::string>& client_names();
// Throws std::invalid_argument for an unknown name (listing the known ones)
// or impossible options.
std::unique_ptr<KvClient> make_client(std::string_view name, const ClientOptions& options);

}  // namespace kvslo
