#pragma once
// The server a run measures: one kvslo starts (loopback, a free port, a
// private 0700 directory, a random password that is never shown), or an
// embedded cluster of such servers (a point's `shards`), restarted when a
// point's server, shards or settings differ; or the user's, which is only
// read (a cluster node there is found out, and its keys routed to their shards).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/point_spec.hpp"
#include "net/endpoint.hpp"
#include "system/embedded_cluster.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {

class RunServer {
 public:
  // `redis_url` empty: an embedded server sized for `points`, started with
  // the first point's server and settings. Throws std::invalid_argument for
  // a bad URL, or a point that asks for another server than the user's;
  // another exception when the embedded server cannot start.
  // `tls`: the user's settings for a rediss:// server (its CA, a client
  // certificate); the embedded server's TLS port trusts a CA kvslo makes.
  RunServer(const std::optional<std::string>& redis_url, const std::optional<net::TlsSettings>& tls,
            const std::vector<PointSpec>& points);
  bool embedded() const { return embedded_ != nullptr || cluster_ != nullptr; }
  // Where kvslo loads, checks and deletes datasets and reads the server's state.
  const net::Endpoint& endpoint() const { return endpoint_; }
  // Where points with tls on or ktls connect, when the server speaks TLS: the
  // embedded server's TLS port, or the user's rediss:// server (then the same
  // as endpoint()).
  std::optional<net::Endpoint> tls_endpoint() const;
  // The user's server is a cluster node (INFO said so): route to its shards.
  void route_as_cluster() { endpoint_.cluster = true; }
  // Restarts the embedded server when `point`'s server, shards or settings differ
  // (io-threads cannot change at run time); returns whether it did.
  bool use_server_of(const PointSpec& point);
  // The server's io-threads settings as it reports them, and its name and
  // version (an "error" when it cannot say).
  nlohmann::json actual_settings() const;

 private:
  void start(const PointSpec& point);

  std::uint64_t maxmemory_;
  std::unique_ptr<EmbeddedRedis> embedded_;
  std::unique_ptr<EmbeddedCluster> cluster_;
  int shards_ = 0;
  net::Endpoint endpoint_;
  ServerKind kind_ = ServerKind::kRedis;
  std::map<std::string, std::string> settings_;
  bool tls_port_ = false;  // the embedded server also listens for TLS (a point of the run asks for it)
};

}  // namespace kvslo
