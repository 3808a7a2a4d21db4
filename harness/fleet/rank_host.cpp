#include "fleet/rank_host.hpp"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <functional>

namespace kvslo::fleet {

namespace {

// The name `ip netns` gave this process's network namespace, if it has one
// (ranks of one machine placed in namespaces: scripts/fleet-testbed.sh).
std::string named_net_namespace() {
  struct stat own {};
  if (::stat("/proc/self/ns/net", &own) != 0) return "";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    struct stat named {};
    if (::stat(entry.path().c_str(), &named) == 0 && named.st_ino == own.st_ino && named.st_dev == own.st_dev) {
      return entry.path().filename().string();
    }
  }
  return "";
}

}  // namespace

nlohmann::json describe_this_rank() {
  std::array<char, 256> host{};
  ::gethostname(host.data(), host.size() - 1);
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const int cpus_allowed = ::sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : -1;
  std::error_code ec;
  const std::string net_namespace = std::filesystem::read_symlink("/proc/self/ns/net", ec).string();
  nlohmann::json rank = {{"host", std::string(host.data())},
          {"pid", ::getpid()},
          {"cpus_allowed", cpus_allowed},
          {"cpus_online", ::sysconf(_SC_NPROCESSORS_ONLN)},
          {"net_namespace", net_namespace}};
  if (const std::string name = named_net_namespace(); !name.empty()) rank["net_namespace_name"] = name;
  return rank;
}

std::string points_fingerprint(const std::vector<PointSpec>& points) {
  std::string all;
  for (const PointSpec& p : points) all += p.comparable() + "\n";
  return std::to_string(points.size()) + ":" + std::to_string(std::hash<std::string>{}(all));
}

}  // namespace kvslo::fleet
