#pragma once
// The host's noise over a run: what the kernel says every CPU did (/proc/stat),
// the load average, kvslo's own CPU and the CPU frequency policy, snapshotted
// before and after the points; their difference says how much of the machine
// others took (steal by the hypervisor, other processes), so a figure that
// moved can be told apart from a host that was busy.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvslo {

// One "cpu" line of /proc/stat, in clock ticks (USER_HZ).
struct CpuTimes {
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;

  // Ticks this kernel's processes and interrupts ran (guest time is inside user).
  std::uint64_t busy() const { return user + nice + system + irq + softirq; }
  std::uint64_t total() const { return busy() + idle + iowait + steal; }
};

struct ProcStat {
  CpuTimes all;                  // the "cpu" line
  std::vector<CpuTimes> per_cpu;  // "cpu0", "cpu1", ...
};

// Throws std::runtime_error naming what is wrong when the "cpu" line is
// missing or malformed; fields a kernel does not report (steal before 2.6.11) read 0.
ProcStat parse_proc_stat(std::string_view text);

struct LoadAverage {
  double one = 0, five = 0, fifteen = 0;
};
// Throws std::runtime_error when the first three fields are not numbers.
LoadAverage parse_loadavg(std::string_view text);

struct HostSnapshot {
  std::chrono::steady_clock::time_point at;
  ProcStat stat;
  LoadAverage loadavg;
  double own_cpu_seconds = 0;  // this process and its reaped children (the peers), user + system
  double ticks_per_second = 100;
  std::string cpu_governor;  // per CPU, "performance" or "cpu0=..., cpu1=..." when they differ; "not exposed" when absent
  std::optional<double> cpu_mhz;  // mean scaling_cur_freq over the CPUs that expose it
};

// Reads /proc/stat, /proc/loadavg, getrusage and cpufreq; throws when /proc cannot be read.
HostSnapshot snapshot_host();

// What happened on the host between two snapshots.
struct HostNoise {
  double seconds = 0;            // wall time between them
  double steal_pct = 0;          // steal as a share of all CPU time, percent
  double other_cpu_cores = 0;    // cores busy with neither kvslo nor the server (>= 0)
  double own_cpu_cores = 0;      // kvslo's (and its peers') cores
  double server_cpu_cores = -1;  // the server's, when known and on this host
  LoadAverage loadavg;           // at the end
  std::string cpu_governor;
  std::optional<double> cpu_mhz_before, cpu_mhz_after;

  nlohmann::json to_json() const;
};

// `server_cpu_seconds`: the server's CPU over the interval when it runs on
// this host (<0: not known or elsewhere; then it counts as other load).
HostNoise host_noise(const HostSnapshot& before, const HostSnapshot& after, double server_cpu_seconds);

}  // namespace kvslo
