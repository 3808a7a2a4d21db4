#include "registry.hpp"

#include <algorithm>
#include <stdexcept>

#include "cluster/cluster_client.hpp"
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
  if (options.endpoint.cluster && name != "null") {
    // Every client is routed the same way: the cluster layer splits the
    // batch by shard and gives each shard a client of this kind. hiredis
    // 0.14 has no cluster support of its own, so kvslo routes for it too.
    const auto& names = client_names();
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return std::make_unique<cluster::ClusterClient>(options, std::string(name), [name = std::string(name)](const ClientOptions& shard) {
        return make_client(name, shard);
      });
    }
  }
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
