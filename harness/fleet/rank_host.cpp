#include "fleet/rank_host.hpp"

#include <sched.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <functional>

namespace kvslo::fleet {

nlohmann::json describe_this_rank() {
  std::array<char, 256> host{};
  ::gethostname(host.data(), host.size() - 1);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const int cpus_allowed = ::sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : -1;
  std::error_code ec;
  const std::string net_namespace = std::filesystem::read_symlink("/proc/self/ns/net", ec).string();
  return {{"host", std::string(host.data())},
          {"pid", ::getpid()},
          {"cpus_allowed", cpus_allowed},
          {"cpus_online", ::sysconf(_SC_NPROCESSORS_ONLN)},
          {"net_namespace", net_namespace}};
}

std::string points_fingerprint(const std::vector<PointSpec>& points) {
  std::string all;
  for (const PointSpec& p : points) all += p.to_json().dump() + "\n";
  return std::to_string(points.size()) + ":" + std::to_string(std::hash<std::string>{}(all));
}

}  // namespace kvslo::fleet
