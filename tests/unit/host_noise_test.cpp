// The host's noise: /proc/stat and /proc/loadavg parsed from text, the
// difference of two snapshots, and a calibration that measures something.
#include <gtest/gtest.h>

#include <stdexcept>

#include "system/host_calibration.hpp"
#include "system/host_noise.hpp"

namespace kvslo {
namespace {

constexpr const char* kStat =
    "cpu  100 5 50 800 10 2 3 30 0 0\n"
    "cpu0 60 5 25 390 5 1 2 12 0 0\n"
    "cpu1 40 0 25 410 5 1 1 18 0 0\n"
    "intr 12345 0 0\n"
    "ctxt 999\n";

TEST(HostNoise, ParsesProcStatPerCpuAndTotal) {
  const ProcStat s = parse_proc_stat(kStat);
  EXPECT_EQ(s.all.user, 100u);
  EXPECT_EQ(s.all.nice, 5u);
  EXPECT_EQ(s.all.system, 50u);
  EXPECT_EQ(s.all.idle, 800u);
  EXPECT_EQ(s.all.iowait, 10u);
  EXPECT_EQ(s.all.irq, 2u);
  EXPECT_EQ(s.all.softirq, 3u);
  EXPECT_EQ(s.all.steal, 30u);
  EXPECT_EQ(s.all.busy(), 160u);
  EXPECT_EQ(s.all.total(), 1000u);
  ASSERT_EQ(s.per_cpu.size(), 2u);
  EXPECT_EQ(s.per_cpu[1].steal, 18u);
  // An old kernel without steal: it reads 0.
  EXPECT_EQ(parse_proc_stat("cpu 1 2 3 4\n").all.steal, 0u);
}

TEST(HostNoise, RefusesWhatIsNotProcStat) {
  EXPECT_THROW(parse_proc_stat("intr 1 2 3\n"), std::runtime_error);
  EXPECT_THROW(parse_proc_stat("cpu 1 2\n"), std::runtime_error);
  const LoadAverage l = parse_loadavg("0.52 0.48 0.40 2/345 6789\n");
  EXPECT_DOUBLE_EQ(l.one, 0.52);
  EXPECT_DOUBLE_EQ(l.fifteen, 0.40);
  EXPECT_THROW(parse_loadavg("busy\n"), std::runtime_error);
}

HostSnapshot at(double seconds, const ProcStat& stat, double own_cpu) {
  HostSnapshot s;
  s.at = std::chrono::steady_clock::time_point(std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
  s.stat = stat;
  s.own_cpu_seconds = own_cpu;
  s.ticks_per_second = 100;
  s.cpu_governor = "not exposed";
  return s;
}

TEST(HostNoise, TheDifferenceSeparatesStealOwnServerAndOthers) {
  // Two CPUs over 10 s = 2000 ticks: 1000 busy (10 s of CPU), 100 steal, 900 idle.
  ProcStat before, after;
  before.all = {1000, 0, 500, 5000, 0, 0, 0, 0};
  after.all = {1700, 0, 800, 5900, 0, 0, 0, 100};
  HostSnapshot start = at(100, before, 2.0);
  HostSnapshot end = at(110, after, 6.0);  // kvslo: 4 s of CPU
  end.loadavg = {1.5, 1.2, 0.9};
  const HostNoise n = host_noise(start, end, 3.0);  // the server: 3 s
  EXPECT_DOUBLE_EQ(n.seconds, 10);
  EXPECT_DOUBLE_EQ(n.steal_pct, 5);  // 100 of 2000 ticks
  EXPECT_DOUBLE_EQ(n.own_cpu_cores, 0.4);
  EXPECT_DOUBLE_EQ(n.server_cpu_cores, 0.3);
  EXPECT_DOUBLE_EQ(n.other_cpu_cores, 0.3);  // 10 s busy - 4 - 3 = 3 s over 10 s
  const nlohmann::json j = n.to_json();
  EXPECT_EQ(j["loadavg"], (nlohmann::json{1.5, 1.2, 0.9}));
  EXPECT_EQ(j["cpu_governor"], "not exposed");
  EXPECT_TRUE(j["cpu_mhz_after"].is_null());
  // A server elsewhere: its CPU is not known here, and nothing is subtracted for it.
  const HostNoise elsewhere = host_noise(start, end, -1);
  EXPECT_DOUBLE_EQ(elsewhere.other_cpu_cores, 0.6);
  EXPECT_TRUE(elsewhere.to_json()["server_cpu_cores"].is_null());
  // Others never go below zero when the counts disagree (the kernel's ticks are coarse).
  EXPECT_DOUBLE_EQ(host_noise(start, end, 50).other_cpu_cores, 0);
}

TEST(HostNoise, ASnapshotOfThisHostReadsProc) {
  const HostSnapshot s = snapshot_host();
  EXPECT_GT(s.stat.all.total(), 0u);
  EXPECT_FALSE(s.stat.per_cpu.empty());
  EXPECT_FALSE(s.cpu_governor.empty());  // a governor, or "not exposed"
}

TEST(HostCalibration, MeasuresMemcpyAndLoopback) {
  const Calibration c = calibrate_host();
  EXPECT_GT(c.memcpy_gbps, 0);
  EXPECT_GT(c.loopback_gbps, 0);
  EXPECT_DOUBLE_EQ(calibration_drift(c, c), 0);
  EXPECT_DOUBLE_EQ(calibration_drift({10, 2}, {9, 2.5}), 0.25);
  EXPECT_DOUBLE_EQ(calibration_drift({10, 0}, {5, 2}), 0.5);  // a missing figure does not count
}

}  // namespace
}  // namespace kvslo
