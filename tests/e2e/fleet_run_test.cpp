// Many client hosts under a real mpirun (Open MPI), on loopback: the ranks'
// bytes add up to the fleet's, every chunk is verified, a rank sitting a
// trial out does not spin, and a rank killed mid-run leaves a clear error
// and the finished points on disk.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "fleet/mpi_link.hpp"
#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"

namespace kvslo {
namespace {

class FleetRun : public testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
#if defined(__SANITIZE_THREAD__)
    // Open MPI's own locks (mca_btl_tcp_add_procs) trip ThreadSanitizer's lock-order check inside
    // MPI_Init; the fleet adds no threads of its own, and kvslo's threaded clients are under TSan elsewhere.
    GTEST_SKIP() << "not under ThreadSanitizer: Open MPI's own locking is reported";
#endif
    if (!fleet::MpiLink::built_with_mpi()) GTEST_SKIP() << "built without MPI (libopenmpi-dev)";
    if (std::system("command -v mpirun >/dev/null 2>&1") != 0) GTEST_SKIP() << "no mpirun (openmpi-bin)";
  }
  // Under ASan, LeakSanitizer would report what Open MPI allocates at
  // MPI_Init in plugins it unloads (no frames to suppress by name): leak
  // checking is off for these runs only, address and UB checks stay on
  // (kvslo's own leaks are checked by every run without mpirun).
  static std::string mpirun(int ranks) {
    return "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "
           "mpirun --allow-run-as-root --oversubscribe --bind-to none -n " + std::to_string(ranks);
  }
};

std::uint64_t ok_keys(const nlohmann::json& point) { return point["key_status_counts"].value("ok", std::uint64_t{0}); }

TEST_F(FleetRun, TwoRanksBytesAddUpAndEveryChunkIsVerified) {
  const auto out = dir_ / "r.json";
  const auto o = testing::run_kvslo("run --client zerocopy,tiled --chunk-size 256KiB --chunks-per-batch 8 --working-set 16MiB "
                                    "--trials 2 --warmup 1 --out " + out.string(), mpirun(2));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["fleet"]["ranks"], 2) << j["fleet"];
  ASSERT_EQ(j["fleet"]["per_rank"].size(), 2u);
  EXPECT_NE(j["fleet"]["mpi"].get<std::string>().find("Open MPI"), std::string::npos);
  ASSERT_EQ(j["points"].size(), 2u);
  for (const auto& p : j["points"]) {
    SCOPED_TRACE(p["label"].get<std::string>());
    EXPECT_TRUE(p["status"] == "ok" || p["status"] == "slo_miss") << p["errors"] << p["failure"];
    EXPECT_EQ(p["verify_failures"], 0);
    const auto& f = p["fleet"];
    ASSERT_EQ(f["ranks"], 2);
    ASSERT_EQ(f["trials"].size(), p["trials"].size());
    std::uint64_t all = 0;
    for (std::size_t t = 0; t < p["trials"].size(); ++t) {
      const auto& ft = f["trials"][t];
      ASSERT_EQ(ft["ranks"].size(), 2u) << "both ranks ran every trial";
      std::uint64_t sum = 0;
      for (const auto& r : ft["ranks"]) {
        EXPECT_EQ(r["bytes"], 8ull << 20) << "split: each rank one pass over its half";
        sum += r["bytes"].get<std::uint64_t>();
      }
      EXPECT_EQ(p["trials"][t]["bytes"], sum) << "the fleet's bytes are the ranks' bytes";
      EXPECT_LE(ft["first_done_s"].get<double>(), ft["last_done_s"].get<double>());
      EXPECT_NEAR(p["trials"][t]["seconds"].get<double>(), ft["last_done_s"].get<double>(), 1e-9);
      all += sum;
    }
    // Every chunk both ranks read was verified: 64 keys per trial, none failed.
    EXPECT_EQ(ok_keys(p), all / (256 << 10));
    EXPECT_EQ(ok_keys(p), 128u);
  }
}

TEST_F(FleetRun, ThreeRanksSharedOrSplitAndAnIdleRankDoesNotSpin) {
  const auto out = dir_ / "r.json";
  // 40 batches of 8 MiB per rank and trial: trials long enough that the
  // ranks sitting out a ranks=1 point wait a measurable time.
  const auto o = testing::run_kvslo("run --client zerocopy --ranks 1,all --fleet-keys split,shared --chunk-size 1MiB "
                                    "--chunks-per-batch 8 --working-set 48MiB --batches 40 --trials 2 --warmup 1 "
                                    "--interleave off --out " + out.string(), mpirun(3));
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 4u) << o.output;
  int idle_checked = 0;
  for (const auto& p : j["points"]) {
    SCOPED_TRACE(p["label"].get<std::string>());
    EXPECT_EQ(p["verify_failures"], 0);
    const auto& f = p["fleet"];
    const int ranks = f["ranks"];
    for (std::size_t t = 0; t < p["trials"].size(); ++t) {
      const auto& ft = f["trials"][t];
      ASSERT_EQ(ft["ranks"].size(), static_cast<std::size_t>(ranks));
      std::uint64_t sum = 0;
      for (const auto& r : ft["ranks"]) sum += r["bytes"].get<std::uint64_t>();
      EXPECT_EQ(p["trials"][t]["bytes"], sum);
      EXPECT_EQ(sum, static_cast<std::uint64_t>(ranks) * 40 * (8 << 20)) << "each rank its 40 batches";
      if (ranks == 1) {
        ASSERT_EQ(ft["idle_ranks"].size(), 2u) << "ranks 1 and 2 sat it out";
        for (const auto& idle : ft["idle_ranks"]) {
          const double seconds = idle["seconds"], cpu = idle["cpu_seconds"];
          EXPECT_GT(seconds, 0.05) << "it waited through the trial";
          EXPECT_LT(cpu, 0.05 * seconds) << "an idle rank must not spin: " << cpu << " s of CPU in " << seconds << " s";
          ++idle_checked;
        }
      }
    }
    EXPECT_EQ(ok_keys(p) * (1 << 20), p["trials"][0]["bytes"].get<std::uint64_t>() * p["trials"].size());
  }
  EXPECT_EQ(idle_checked, 8) << "2 idle ranks x 2 trials x 2 points";
  EXPECT_NE(o.output.find("fleet: 3 of 3 ranks (keys shared)"), std::string::npos) << o.output;
}

TEST_F(FleetRun, RanksThatExpandedOtherPointsAreRefusedByName) {
  // One app context per rank, as two hosts with different scenario files would be.
  const std::string tail = " --client zerocopy --chunk-size 256KiB --chunks-per-batch 8 --working-set 8MiB --warmup 1 --out " +
                           (dir_ / "r.json").string();
  const auto o = testing::run_kvslo("run --trials 2" + tail + " : -n 1 " + KVSLO_BINARY + " run --trials 3" + tail, mpirun(1));
  EXPECT_NE(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("rank 1 (" ), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("expanded the scenario into other points than rank 0"), std::string::npos) << o.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "r.json")) << "nothing ran";
}

// The pid of a rank, from the results' fleet record (written before the first point).
pid_t rank_pid(const std::filesystem::path& out, int rank) {
  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("fleet")) return 0;
  return j["fleet"]["per_rank"][rank]["pid"].get<pid_t>();
}

std::size_t points_written(const std::filesystem::path& out) {
  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_discarded() || !j.contains("points") ? 0 : j["points"].size();
}

TEST_F(FleetRun, ARankKilledMidRunIsNamedAndTheFinishedPointsStay) {
  const auto out = dir_ / "r.json";
  const auto log = dir_ / "mpirun.log";
  // Three points one after another, each a few seconds long: rank 1 is
  // killed once the first is on disk.
  const std::string command = mpirun(2) + " " + KVSLO_BINARY +
                              " run --client zerocopy,tiled,hiredis --chunk-size 1MiB --chunks-per-batch 8 --working-set 32MiB "
                              "--batches 60 --trials 3 --warmup 1 --interleave off --out " + out.string() + " > " +
                              log.string() + " 2>&1";
  const pid_t shell = ::fork();
  ASSERT_GE(shell, 0);
  if (shell == 0) {
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (points_written(out) < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(points_written(out), 1u) << "the first point was never written";
  const pid_t victim = rank_pid(out, 1);
  ASSERT_GT(victim, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the second point's trials
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(shell, &status, 0), shell);
  std::ifstream in(log);
  const std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << said;
  EXPECT_NE(said.find("rank 1"), std::string::npos) << "the dead rank is named:\n" << said;
  const auto j = read(out);
  ASSERT_GE(j["points"].size(), 1u);
  EXPECT_TRUE(j["points"][0]["status"] == "ok" || j["points"][0]["status"] == "slo_miss") << j["points"][0]["failure"];
  EXPECT_EQ(j["points"][0]["verify_failures"], 0);
  EXPECT_LT(j["points"].size(), 3u) << "the run stopped at the lost rank";
}

}  // namespace
}  // namespace kvslo
