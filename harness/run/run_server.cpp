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
    endpoint_ = net::Endpoint::parse_with_environment(*redis_url);
  } else {
    start(points.empty() ? std::map<std::string, std::string>{} : points.front().redis_settings);
  }
}

bool RunServer::use_settings(const std::map<std::string, std::string>& settings) {
  if (!embedded_ || settings == settings_) return false;
  start(settings);
  return true;
}

nlohmann::json RunServer::actual_settings() const {
  return read_redis_config(endpoint_, {"io-threads", "io-threads-do-reads"});
}

void RunServer::start(const std::map<std::string, std::string>& settings) {
  embedded_.reset();
  EmbeddedRedisOptions options;
  options.maxmemory_bytes = maxmemory_;
  options.requirepass = random_hex(24);  // any local user could otherwise FLUSHALL it during a root run
  std::string shown;
  for (const auto& [key, value] : settings) {
    options.config.emplace_back(key, value);
    shown += ", " + key + " " + value;
  }
  std::cerr << "kvslo: starting an embedded redis-server (maxmemory " << format_size_approx(maxmemory_) << shown
            << ", a random password)\n";
  embedded_ = std::make_unique<EmbeddedRedis>(options);
  endpoint_ = embedded_->endpoint();
  settings_ = settings;
}

}  // namespace kvslo
