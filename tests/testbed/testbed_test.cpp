// The wire and the network on a real two-"host" testbed (scripts/testbed.sh:
// a network namespace, a veth pair, tc rate limits, redis-server and iperf3
// inside). Needs root, as CI has; elsewhere the tests skip and say why.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "support/kvslo_process.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_kvslo;

std::map<std::string, std::string> testbed(const std::string& action, const std::string& args) {
  const std::string command = std::string(KVSLO_SOURCE_DIR) + "/scripts/testbed.sh " + action + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::map<std::string, std::string> vars;
  char line[512];
  std::string all;
  while (std::fgets(line, sizeof line, pipe)) {
    std::string s(line);
    all += s;
    if (!s.empty() && s.back() == '\n') s.pop_back();
    if (auto eq = s.find('='); eq != std::string::npos) vars[s.substr(0, eq)] = s.substr(eq + 1);
  }
  const int status = ::pclose(pipe);
  vars["status"] = std::to_string(status);
  vars["output"] = all;
  return vars;
}

class Testbed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    const std::string id = std::to_string(::getpid());
    open_ = testbed("up", "--name kvt-open-" + id);
    capped_ = testbed("up", "--name kvt-cap-" + id + " --rate 400mbit");
  }
  static void TearDownTestSuite() {
    if (::geteuid() != 0) return;
    const std::string id = std::to_string(::getpid());
    testbed("down", "--name kvt-open-" + id);
    testbed("down", "--name kvt-cap-" + id);
  }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the testbed needs root (ip netns, tc); CI runs as root";
    ASSERT_EQ(open_["status"], "0") << open_["output"];
    ASSERT_EQ(capped_["status"], "0") << capped_["output"];
    dir_ = fs::temp_directory_path() / ("kvslo-testbed-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  json read(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
  }
  static std::map<std::string, std::string> open_, capped_;
  fs::path dir_;
};

std::map<std::string, std::string> Testbed::open_, Testbed::capped_;

TEST_F(Testbed, WireCurveShowsTheRateCap) {
  auto open_out = dir_ / "open.json";
  auto o = run_kvslo("net --target " + open_["KVSLO_TESTBED_IPERF"] + " --streams 1,2 --duration 2s --out " + open_out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("converges at"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("bandwidth-delay product"), std::string::npos) << o.output;
  auto capped_out = dir_ / "capped.json";
  o = run_kvslo("net --target " + capped_["KVSLO_TESTBED_IPERF"] + " --streams 1,2 --duration 2s --out " + capped_out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto open = read(open_out), capped = read(capped_out);
  ASSERT_EQ(capped["wire"].size(), 2u);
  // 400 Mbit/s = 0.05 GB/s: the capped curve sits at the cap, the open one far above it.
  for (const auto& w : capped["wire"]) {
    EXPECT_LT(w["gbps"].get<double>(), 0.05 * 1.15) << w.dump();
    EXPECT_GT(w["gbps"].get<double>(), 0.05 * 0.5) << w.dump();
  }
  EXPECT_GT(open["wire"][0]["gbps"].get<double>(), 3 * capped["wire"][0]["gbps"].get<double>());
  EXPECT_TRUE(open["wire"][0]["length_capped"].get<bool>());  // 4MiB asked, iperf3 3.12 writes 1MiB
  EXPECT_GT(open["settings"]["mtu"].get<int>(), 0);
}

TEST_F(Testbed, SweepAgainstTheTestbedRedisReportsPercentOfWire) {
  auto out = dir_ / "sweep.json";
  auto o = run_kvslo("run --client zerocopy --chunk-size 1MiB --streams 1,2 --working-set 32MiB --chunks-per-batch 8 "
                     "--trials 2 --redis " + capped_["KVSLO_TESTBED_REDIS"] + " --wire --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("% of wire"), std::string::npos) << o.output;
  auto j = read(out);
  ASSERT_TRUE(j["network"].contains("wire")) << j["network"].dump();
  EXPECT_EQ(j["network"]["wire"].size(), 2u);
  for (const auto& p : j["points"]) {
    ASSERT_TRUE(p.contains("pct_of_wire")) << p.dump();
    // Redis cannot beat the wire it runs over (a little slack for timing).
    EXPECT_LT(p["pct_of_wire"].get<double>(), 115.0);
    EXPECT_GT(p["pct_of_wire"].get<double>(), 20.0);
  }
}

TEST_F(Testbed, CappedBufferRequestIsReportedAsCapped) {
  std::ifstream max_file("/proc/sys/net/core/rmem_max");
  long rmem_max = 0;
  max_file >> rmem_max;
  auto out = dir_ / "buffers.json";
  auto o = run_kvslo("run --client zerocopy --chunk-size 1MiB --working-set 16MiB --chunks-per-batch 4 --trials 1 "
                     "--rcvbuf " + std::to_string(2 * rmem_max) + " --redis " + open_["KVSLO_TESTBED_REDIS"] +
                     " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("capped by net.core.rmem_max"), std::string::npos) << o.output;
  auto j = read(out);
  const auto& p = j["points"][0];
  ASSERT_FALSE(p["warnings"].empty());
  EXPECT_NE(p["warnings"][0].get<std::string>().find("rcvbuf"), std::string::npos);
  EXPECT_EQ(p["connections"][0]["rcvbuf_granted"].get<long>(), 2 * rmem_max);
}

TEST_F(Testbed, NoIperfServerIsAClearError) {
  // The testbed host listens on 6379 and 5201 only.
  const std::string host = open_["KVSLO_TESTBED_IPERF"].substr(0, open_["KVSLO_TESTBED_IPERF"].find(':'));
  auto o = run_kvslo("net --target " + host + ":5999 --streams 1 --duration 1s");
  EXPECT_EQ(o.exit_code, 3) << o.output;
  EXPECT_NE(o.output.find("no iperf3 server on " + host + ":5999"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("iperf3 -s -p 5999"), std::string::npos) << o.output;
  // In a sweep, a wire that cannot be measured is recorded and the points still run.
  auto out = dir_ / "nowire.json";
  o = run_kvslo("run --client zerocopy --chunk-size 1MiB --working-set 16MiB --chunks-per-batch 4 --trials 1 --redis " +
                open_["KVSLO_TESTBED_REDIS"] + " --wire-target " + host + ":5999 --out " + out.string());
  EXPECT_EQ(o.exit_code, 0) << o.output;
  auto j = read(out);
  EXPECT_NE(j["network"]["error"].get<std::string>().find("no iperf3 server"), std::string::npos);
  EXPECT_EQ(j["points"][0]["status"], "ok");
}

}  // namespace
}  // namespace kvslo
