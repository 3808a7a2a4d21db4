#include "run_server.hpp"

#include <chrono>
#include <iostream>

#include "command_channel.hpp"
#include "random_secret.hpp"
#include "run_preflight.hpp"
#include "units.hpp"

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
  nlohmann::json out = nlohmann::json::object();
  try {
    CommandChannel channel(endpoint_, std::chrono::milliseconds(3000));
    for (const char* name : {"io-threads", "io-threads-do-reads"}) {
      resp::Reply r = channel.call({"CONFIG", "GET", name});
      if (r.type == resp::Reply::Type::kArray && r.elements.size() == 2) out[name] = r.elements[1].text;
    }
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  return out;
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
