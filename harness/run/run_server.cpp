#include "run/run_server.hpp"

#include <iostream>

#include "experiment/units.hpp"
#include "run/run_preflight.hpp"
#include "system/random_secret.hpp"
#include "system/redis_info.hpp"

namespace kvslo {

RunServer::RunServer(const std::optional<std::string>& redis_url, const std::vector<PointSpec>& points)
    : maxmemory_(redis_url ? 0 : embedded_maxmemory(points)) {
  if (redis_url) {
    for (const auto& p : points) {
      if (p.server != ServerKind::kRedis) {
        throw std::invalid_argument("server " + to_string(p.server) +
                                    ": kvslo starts that server itself; with --redis the server is yours (drop one)");
      }
    }
    endpoint_ = net::Endpoint::parse_with_environment(*redis_url);
  } else if (points.empty()) {
    start(ServerKind::kRedis, {});
  } else {
    start(points.front().server, points.front().redis_settings);
  }
}

bool RunServer::use_server_of(const PointSpec& point) {
  if (!embedded_ || (point.server == kind_ && point.redis_settings == settings_)) return false;
  start(point.server, point.redis_settings);
  return true;
}

nlohmann::json RunServer::actual_settings() const {
  nlohmann::json settings = read_redis_config(endpoint_, {"io-threads", "io-threads-do-reads"});
  if (settings.is_object() && embedded_) {
    settings["server"] = to_string(kind_);
    settings["server_version"] = embedded_->version();
  }
  return settings;
}

void RunServer::start(ServerKind kind, const std::map<std::string, std::string>& settings) {
  embedded_.reset();
  EmbeddedRedisOptions options;
  options.kind = kind;
  options.maxmemory_bytes = maxmemory_;
  options.requirepass = random_hex(24);  // any local user could otherwise FLUSHALL it during a root run
  std::string shown;
  for (const auto& [key, value] : settings) {
    options.config.emplace_back(key, value);
    shown += ", " + key + " " + value;
  }
  const char* what = kind == ServerKind::kReference ? "reference server (kvslo's own, not Redis; " : "redis-server (";
  std::cerr << "kvslo: starting an embedded " << what << "maxmemory " << format_size_approx(maxmemory_) << shown
            << ", a random password)\n";
  embedded_ = std::make_unique<EmbeddedRedis>(options);
  endpoint_ = embedded_->endpoint();
  kind_ = kind;
  settings_ = settings;
}

}  // namespace kvslo
