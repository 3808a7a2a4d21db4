#include "registry.hpp"

#include <stdexcept>

#include "hiredis/hiredis_client.hpp"
#include "null/null_client.hpp"
#include "tiled/tiled_client.hpp"
#include "zerocopy/zerocopy_client.hpp"

namespace kvslo {

const std::vector<std::string>& client_names() {
  static const std::vector<std::string> names{"hiredis", "zerocopy", "tiled"};
  return names;
}

std::unique_ptr<KvClient> make_client(std::string_view name, const ClientOptions& options) {
  if (name == "hiredis") return std::make_unique<HiredisClient>(options);
  if (name == "zerocopy") return std::make_unique<ZeroCopyClient>(options);
  if (name == "tiled") return std::make_unique<TiledClient>(options);
  if (name == "null") return std::make_unique<NullClient>();
  std::string known;
  for (const auto& n : client_names()) known += (known.empty() ? "" : ", ") + n;
  known += ", null";
  throw std::invalid_argument("unknown client '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace kvslo
