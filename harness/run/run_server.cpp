#include "run/run_server.hpp"

#include <algorithm>
#include <iostream>

#include "experiment/units.hpp"
#include "net/socket.hpp"
#include "net/tls_session.hpp"
#include "run/run_preflight.hpp"
#include "system/random_secret.hpp"
#include "system/redis_info.hpp"

namespace kvslo {

RunServer::RunServer(const std::optional<std::string>& redis_url, const std::optional<net::TlsSettings>& tls,
                     const std::vector<PointSpec>& points)
    : maxmemory_(redis_url ? 0 : embedded_maxmemory(points)),
      tls_port_(!redis_url && std::any_of(points.begin(), points.end(), [](const PointSpec& p) { return p.tls != TlsMode::kOff; })) {
  if (tls && !(redis_url && redis_url->starts_with("rediss://"))) {
    throw std::invalid_argument("--tls-ca, --tls-cert, --tls-key, --tls-server-name and --tls-insecure are for a server of "
                                "yours named with rediss:// (the embedded server's TLS port trusts a CA kvslo makes)");
  }
  if (redis_url) {
    for (const auto& p : points) {
      if (p.server != ServerKind::kRedis) {
        throw std::invalid_argument("server " + to_string(p.server) +
                                    ": kvslo starts that server itself; with --redis the server is yours (drop one)");
      }
      if (p.shards != 0) {
        throw std::invalid_argument("shards " + std::to_string(p.shards) +
                                    ": kvslo starts an embedded cluster itself; with --redis the server is yours (drop one; "
                                    "a cluster of yours is found out from any of its nodes, or named with redis-cluster://)");
      }
    }
    endpoint_ = net::Endpoint::parse_with_environment(*redis_url);
    if (endpoint_.tls && tls) endpoint_.tls = *tls;
    if (endpoint_.tls) {
      if (!endpoint_.tls->verify && (!endpoint_.tls->ca_file.empty() || !endpoint_.tls->server_name.empty())) {
        throw std::invalid_argument("--tls-insecure verifies nothing: --tls-ca and --tls-server-name would be ignored (drop one)");
      }
      try {
        net::check_tls_settings(*endpoint_.tls);  // a missing CA file or a key that does not fit, before anything runs
      } catch (const net::NetError& e) {
        throw std::invalid_argument(e.what());
      }
      if (!endpoint_.tls->verify) {
        std::cerr << "kvslo: --tls-insecure: the server's certificate is not verified (anyone on the path could read "
                     "and change the traffic); recorded in the results\n";
      }
    }
  } else {
    start(points.empty() ? PointSpec{} : points.front());
  }
}

std::optional<net::Endpoint> RunServer::tls_endpoint() const {
  if (embedded_ && embedded_->speaks_tls()) return embedded_->tls_endpoint();  // not the reference server
  if (!embedded() && endpoint_.tls) return endpoint_;
  return std::nullopt;
}

bool RunServer::use_server_of(const PointSpec& point) {
  if (!embedded() || (point.server == kind_ && point.redis_settings == settings_ && point.shards == shards_)) return false;
  start(point);
  return true;
}

nlohmann::json RunServer::actual_settings() const {
  nlohmann::json settings = read_redis_config(endpoint_, {"io-threads", "io-threads-do-reads"});
  if (settings.is_object() && embedded()) {
    settings["server"] = to_string(kind_);
    const EmbeddedRedis& server = embedded_ ? *embedded_ : cluster_->node(0);
    settings["server_version"] = server.version();
    // Valkey's redis_version is the Redis it is compatible with (7.2.4), kept beside its own.
    if (kind_ == ServerKind::kValkey) settings["redis_compat_version"] = server.redis_version();
    if (cluster_) settings["shards"] = shards_;
  }
  return settings;
}

void RunServer::start(const PointSpec& point) {
  embedded_.reset();
  cluster_.reset();
  std::vector<std::pair<std::string, std::string>> config;
  std::string shown;
  for (const auto& [key, value] : point.redis_settings) {
    config.emplace_back(key, value);
    shown += ", " + key + " " + value;
  }
  // Any local user could otherwise FLUSHALL it during a root run.
  const std::string password = random_hex(24);
  if (point.shards > 0) {
    std::cerr << "kvslo: starting an embedded Redis Cluster of " << point.shards << " primaries ("
              << embedded_server_program(point.server) << ", maxmemory "
              << format_size_approx(maxmemory_) << " each" << shown << ", a random password)\n";
    // Each node may be given the whole dataset: a hashtag layout can put most of it on one shard.
    EmbeddedClusterOptions options;
    options.kind = point.server;
    options.primaries = point.shards;
    options.maxmemory_bytes_per_node = maxmemory_;
    options.requirepass = password;
    options.config = config;
    cluster_ = std::make_unique<EmbeddedCluster>(options);
    endpoint_ = cluster_->endpoint();
  } else {
    EmbeddedRedisOptions options;
    options.kind = point.server;
    options.maxmemory_bytes = maxmemory_;
    options.requirepass = password;
    options.config = config;
    // valkey-server takes the same tls-* directives (Debian builds it with OpenSSL, as redis-server).
    options.tls = tls_port_ && point.server != ServerKind::kReference;
    if (options.tls) shown += ", a TLS port with a throwaway CA";
    const std::string what = point.server == ServerKind::kReference ? "reference server (kvslo's own, not Redis; "
                                                                    : embedded_server_program(point.server) + " (";
    std::cerr << "kvslo: starting an embedded " << what << "maxmemory " << format_size_approx(maxmemory_) << shown
              << ", a random password)\n";
    embedded_ = std::make_unique<EmbeddedRedis>(options);
    endpoint_ = embedded_->endpoint();
  }
  kind_ = point.server;
  settings_ = point.redis_settings;
  shards_ = point.shards;
}

}  // namespace kvslo
