// Two client "hosts" of one mpirun on this machine (scripts/fleet-testbed.sh:
// a network namespace each, each link capped with tc, one redis-server both
// reach through their own link): together they exceed what one host's link
// allows, and each rank runs in its own namespace. Needs root and mpirun.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "fleet/mpi_link.hpp"
#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"

namespace kvslo {
namespace {

std::map<std::string, std::string> fleet_testbed(const std::string& action) {
  const std::string command = std::string(KVSLO_SOURCE_DIR) + "/scripts/fleet-testbed.sh " + action + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::map<std::string, std::string> vars;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string s(line);
    vars["output"] += s;
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (auto eq = s.find('='); eq != std::string::npos) vars[s.substr(0, eq)] = s.substr(eq + 1);
  }
  vars["status"] = std::to_string(::pclose(pipe));
  return vars;
}

class FleetTestbed : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "the testbed needs root (ip netns, tc); CI runs as root";
#if defined(__SANITIZE_THREAD__)
    // Open MPI's own locks (mca_btl_tcp_add_procs) trip ThreadSanitizer's lock-order check inside
    // MPI_Init; the fleet adds no threads of its own, and kvslo's threaded clients are under TSan elsewhere.
    GTEST_SKIP() << "not under ThreadSanitizer: Open MPI's own locking is reported";
#endif
    if (!fleet::MpiLink::built_with_mpi()) GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
    if (std::system("command -v mpirun >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mpirun (openmpi-bin)";
    testbed_ = fleet_testbed("up --name kvft --hosts 2 --rate 400mbit");
    ASSERT_EQ(testbed_["status"], "0") << testbed_["output"];
  }
  void TearDown() override {
    if (testbed_.count("status")) fleet_testbed("down --name kvft");
    ScratchDirTest::TearDown();
  }
  void what_ranks_on_other_hosts_cannot_reach_is_refused_at_start();
  std::map<std::string, std::string> testbed_;
};

TEST_F(FleetTestbed, TwoHostsTogetherExceedOneHostsLinkAndWhatTheyCannotReachIsRefused) {
  const auto out = dir_ / "fleet.json";
  // The password reaches rank 0 in its environment, never on a command line.
  // (Leak checking off under ASan: Open MPI's own allocations, as in fleet_run_test.cpp.)
  const std::string environment = "KVSLO_REDIS_PASSWORD=$(cat " + testbed_["KVSLO_FLEET_PASSWORD_FILE"] +
                                  ") ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" mpirun --allow-run-as-root --oversubscribe --bind-to none -x KVSLO_REDIS_PASSWORD -x ASAN_OPTIONS "
                                  "--mca plm_rsh_agent " + testbed_["KVSLO_FLEET_AGENT"] + " --host " +
                                  testbed_["KVSLO_FLEET_HOSTS"] + " -n 2";
  const auto o = testing::run_kvslo("run --client zerocopy --ranks 1,all --chunk-size 1MiB --chunks-per-batch 8 "
                                    "--working-set 32MiB --trials 2 --warmup 1 --redis " + testbed_["KVSLO_FLEET_REDIS"] +
                                    " --out " + out.string(), environment);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["fleet"]["per_rank"].size(), 2u);
  EXPECT_EQ(j["fleet"]["per_rank"][0]["net_namespace_name"], "kvft-1");
  EXPECT_EQ(j["fleet"]["per_rank"][1]["net_namespace_name"], "kvft-2");
  ASSERT_EQ(j["points"].size(), 2u);
  constexpr double kLink = 0.05;  // 400 Mbit/s in GB/s
  const auto& alone = j["points"][0];
  const auto& both = j["points"][1];
  ASSERT_EQ(alone["fleet"]["ranks"], 1);
  ASSERT_EQ(both["fleet"]["ranks"], 2);
  EXPECT_LT(alone["throughput_gbps"]["median"].get<double>(), kLink * 1.15) << "one host is held to its link";
  EXPECT_GT(both["throughput_gbps"]["median"].get<double>(), kLink * 1.3) << "two hosts' links carry more than one";
  for (const auto& t : both["fleet"]["trials"]) {
    for (const auto& r : t["ranks"]) EXPECT_LT(r["gbps"].get<double>(), kLink * 1.15) << "each rank its own link";
  }
  EXPECT_EQ(both["verify_failures"], 0);
  what_ranks_on_other_hosts_cannot_reach_is_refused_at_start();
}

// (In the same test: the testbed's addresses are fixed, so its tests cannot run at once.)
void FleetTestbed::what_ranks_on_other_hosts_cannot_reach_is_refused_at_start() {
  const std::string mpirun = "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" mpirun --allow-run-as-root "
                             "--oversubscribe --bind-to none -x ASAN_OPTIONS --mca plm_rsh_agent " +
                             testbed_["KVSLO_FLEET_AGENT"] + " --host " + testbed_["KVSLO_FLEET_HOSTS"] + " -n 2";
  const std::string point = "run --client zerocopy --chunk-size 1MiB --chunks-per-batch 8 --working-set 32MiB --trials 1 ";
  // An embedded server listens on rank 0's loopback only.
  auto o = testing::run_kvslo(point + "--out " + (dir_ / "a.json").string(), mpirun);
  EXPECT_NE(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("the ranks run on more than one host"), std::string::npos) << o.output;
  // The password is not sent between hosts: a rank without KVSLO_REDIS_PASSWORD is named.
  std::ifstream in(testbed_["KVSLO_FLEET_PASSWORD_FILE"]);
  std::string password;
  std::getline(in, password);
  const std::string url = testbed_["KVSLO_FLEET_REDIS"].replace(0, 8, "redis://:" + password + "@");
  o = testing::run_kvslo(point + "--redis " + url + " --out " + (dir_ / "b.json").string(), mpirun);
  EXPECT_NE(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("rank 1 (" ), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("has no KVSLO_REDIS_PASSWORD"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find(password), std::string::npos) << "the password is never printed";
}

}  // namespace
}  // namespace kvslo
