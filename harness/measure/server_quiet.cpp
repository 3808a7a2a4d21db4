#include "measure/server_quiet.hpp"

#include <algorithm>
#include <thread>

#include "cluster/redirect.hpp"
#include "cluster/routed_commands.hpp"
#include "command_channel.hpp"

namespace kvslo {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kInterval = std::chrono::milliseconds(100);
// INFO itself costs the server about 0.3% of a core at 10 Hz (measured); 5%
// leaves room for that and a monitoring agent, and is far below a purge or a
// client's load.
constexpr double kQuietCores = 0.05;
constexpr int kQuietIntervals = 2;

double info_number(const InfoFields& info, std::string_view key) {
  const auto value = info.find(key);
  if (!value) return 0;
  try {
    return std::stod(*value);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

nlohmann::json QuietWait::to_json() const {
  nlohmann::json j{{"seconds", seconds},
                   {"quiet", quiet},
                   {"cpu_rate", cpu_rate >= 0 ? nlohmann::json(cpu_rate) : nlohmann::json(nullptr)},
                   {"pending", pending}};
  if (!error.empty()) j["error"] = error;
  return j;
}

std::vector<std::string> pending_server_work(const InfoFields& info) {
  std::vector<std::string> out;
  // Children: their CPU shows in used_cpu_*_children only once they exit.
  for (const char* flag : {"rdb_bgsave_in_progress", "aof_rewrite_in_progress", "module_fork_in_progress", "loading",
                           "async_loading"}) {
    if (info_number(info, flag) > 0) out.emplace_back(flag);
  }
  if (const double lazy = info_number(info, "lazyfree_pending_objects"); lazy > 0) {
    out.push_back("lazyfree_pending_objects=" + std::to_string(static_cast<long long>(lazy)));
  }
  return out;
}

namespace {

QuietWait wait_for_quiet_node(const net::Endpoint& endpoint, std::chrono::milliseconds budget, const std::atomic<bool>& stop) {
  QuietWait out;
  const auto start = Clock::now();
  const auto deadline = start + budget;
  try {
    CommandChannel channel(endpoint, std::chrono::milliseconds(3000));
    // "default" rather than "cpu persistence memory": servers before 7.0 take one section only.
    InfoFields info = read_info(channel, "default");
    double cpu = info.number("used_cpu_user") + info.number("used_cpu_sys");
    auto at = Clock::now();
    int quiet_intervals = 0;
    out.pending = pending_server_work(info);
    while (!stop) {
      if (quiet_intervals >= kQuietIntervals && out.pending.empty()) {
        out.quiet = true;
        break;
      }
      if (Clock::now() + kInterval > deadline) break;
      std::this_thread::sleep_for(kInterval);
      info = read_info(channel, "default");
      const double cpu_now = info.number("used_cpu_user") + info.number("used_cpu_sys");
      const auto now = Clock::now();
      out.cpu_rate = (cpu_now - cpu) / std::chrono::duration<double>(now - at).count();
      cpu = cpu_now;
      at = now;
      out.pending = pending_server_work(info);
      quiet_intervals = out.cpu_rate < kQuietCores ? quiet_intervals + 1 : 0;
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

}  // namespace

QuietWait wait_for_quiet_server(const net::Endpoint& endpoint, std::chrono::milliseconds budget,
                                const std::atomic<bool>& stop) {
  if (!endpoint.cluster) return wait_for_quiet_node(endpoint, budget, stop);
  // Every primary in turn, within the one budget: each may still be freeing or saving after the load.
  QuietWait all;
  all.quiet = true;
  const auto start = Clock::now();
  try {
    for (const auto& node : cluster::RoutedCommands(endpoint, std::chrono::milliseconds(3000)).primaries()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(budget - (Clock::now() - start));
      const QuietWait one = wait_for_quiet_node(node, std::max(left, std::chrono::milliseconds(0)), stop);
      all.quiet = all.quiet && one.quiet;
      all.cpu_rate = std::max(all.cpu_rate, one.cpu_rate);
      for (const auto& p : one.pending) all.pending.push_back(cluster::node_address(node) + " " + p);
      if (all.error.empty() && !one.error.empty()) all.error = cluster::node_address(node) + ": " + one.error;
    }
  } catch (const std::exception& e) {
    all.quiet = false;
    all.error = e.what();
  }
  all.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return all;
}

}  // namespace kvslo
