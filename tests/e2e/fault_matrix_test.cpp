// The fault matrix: what kvslo promises when it runs as root beside people's
// data (README, "Reliability and security"). Each test names the fault it
// provokes, against a real redis-server and the real kvslo binary, and the
// promise it checks. Item numbers are those of the issue that listed them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "command_channel.hpp"
#include "measure/batch_executor.hpp"
#include "measure/dataset.hpp"
#include "measure/payload.hpp"
#include "measure/point_runner.hpp"
#include "registry.hpp"
#include "run/run_preflight.hpp"
#include "run/run_summary.hpp"
#include "run/side_by_side.hpp"
#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"
#include "system/child_process.hpp"  // find_on_path
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Outcome;
using testing::run_kvslo;

constexpr const char* kSmall = "--working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 2 --warmup 1";

// "1,1,...,1": a --streams list that makes a run of `n` small points.
std::string repeated_ones(int n) {
  std::string out = "1";
  for (int i = 1; i < n; ++i) out += ",1";
  return out;
}

std::string url_of(const EmbeddedRedis& server) { return "redis://127.0.0.1:" + std::to_string(server.port()); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// kvslo started in its own process group, as a shell starts a job, so a
// signal can go to the whole group the way a terminal's Ctrl-C does.
class Background {
 public:
  Background(const std::string& arguments, const fs::path& log, const std::string& environment = "") {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const std::string command =
          "exec env " + environment + " " + KVSLO_BINARY + " " + arguments + " >" + log.string() + " 2>&1";
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void signal_group(int sig) const { ::kill(-pid_, sig); }
  // The exit code, or -1 if it did not end within `limit`.
  int wait(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

// Waits until the results file holds `points` points (or `at_least_header`).
nlohmann::json wait_for_results(const fs::path& out, std::size_t points, std::chrono::seconds limit = 60s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (fs::exists(out)) {
        std::ifstream in(out);
        auto j = nlohmann::json::parse(in);
        if (j["points"].size() >= points) return j;
      }
    } catch (...) {
    }
    std::this_thread::sleep_for(10ms);
  }
  return nullptr;
}

class FaultMatrix : public testing::ScratchDirTest {};

// ---------------------------------------------------------------- data loss

TEST_F(FaultMatrix, Item02_ResultsThatCannotBeWrittenExitThreeAndKeepWhatWasMeasured) {
  const fs::path sub = dir_ / "sub";
  const fs::path out = sub / "r.json";
  // Identical points would take turns and be written together: one at a time here.
  Background run(std::string("run ") + kSmall +  " --client zerocopy --interleave off --streams " + repeated_ones(20) + " --out " +
                     out.string(),
                 dir_ / "log");
  ASSERT_FALSE(wait_for_results(out, 1).is_null());
  // The directory becomes a plain file: no later write can succeed.
  fs::rename(sub, dir_ / "moved");
  std::ofstream(sub) << "in the way\n";
  const int code = run.wait(120s);
  const std::string log = slurp(dir_ / "log");
  EXPECT_EQ(code, 3) << log;
  EXPECT_NE(log.find("the results could not be written"), std::string::npos) << log;
  EXPECT_NE(log.find("client    op"), std::string::npos) << "the summary of what was measured is printed\n" << log;
  EXPECT_EQ(slurp(sub), "in the way\n");  // nothing of the user's replaced
  EXPECT_FALSE(nlohmann::json::parse(slurp(dir_ / "moved" / "r.json"))["points"].empty());
}

TEST_F(FaultMatrix, Item02_NonUtf8TextIsEscapedNotFatal) {
  // A key prefix of raw bytes reaches the parameters, key names and error texts.
  const fs::path out = dir_ / "r.json";
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client zerocopy --key-prefix $(printf 'k\\377\\376') --out " +
                        out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = nlohmann::json::parse(slurp(out));  // valid JSON, valid UTF-8
  EXPECT_EQ(j["points"][0]["parameters"]["key_prefix"], "k\\xFF\\xFE");
}

TEST_F(FaultMatrix, Item02_OutNeverReplacesAFileKvsloDidNotWrite) {
  const fs::path out = dir_ / "notes.json";
  std::ofstream(out) << "{\"mine\": true}\n";
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client zerocopy --out " + out.string());
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find(out.string()), std::string::npos) << o.output;
  EXPECT_EQ(slurp(out), "{\"mine\": true}\n");
  // A kvslo results file may be replaced (a rerun to the same path).
  ASSERT_EQ(run_kvslo(std::string("run ") + kSmall + " --client zerocopy --out " + (dir_ / "r.json").string()).exit_code, 0);
  EXPECT_EQ(run_kvslo(std::string("run ") + kSmall + " --client zerocopy --out " + (dir_ / "r.json").string()).exit_code, 0);
}

TEST_F(FaultMatrix, Item02_GateMergeAndNetNeverReplaceFilesKvsloDidNotWrite) {
  const fs::path results = dir_ / "r.json";
  ASSERT_EQ(run_kvslo(std::string("run ") + kSmall + " --client zerocopy --out " + results.string()).exit_code, 0);
  const fs::path mine = dir_ / "mine.txt";
  std::ofstream(mine) << "my notes\n";
  for (const std::string& args :
       {"gate --baseline " + results.string() + " --current " + results.string() + " --junit " + mine.string(),
        "gate --baseline " + results.string() + " --current " + results.string() + " --summary " + mine.string(),
        "merge " + results.string() + " " + results.string() + " --out " + mine.string(),
        "net --target 127.0.0.1:1 --out " + mine.string()}) {
    Outcome o = run_kvslo(args);
    EXPECT_EQ(o.exit_code, 2) << args << "\n" << o.output;
    EXPECT_NE(o.output.find("never replaces a file it did not write"), std::string::npos) << args << "\n" << o.output;
    EXPECT_EQ(slurp(mine), "my notes\n") << args;
  }
  // What kvslo wrote itself may be written again.
  const std::string gate = "gate --baseline " + results.string() + " --current " + results.string() + " --junit " +
                           (dir_ / "g.xml").string() + " --summary " + (dir_ / "g.md").string();
  ASSERT_EQ(run_kvslo(gate).exit_code, 0);
  EXPECT_EQ(run_kvslo(gate).exit_code, 0);
}

TEST_F(FaultMatrix, Item16_ResultsNestedAbsurdlyDeepAreRefusedByGateAndReport) {
  const fs::path deep = dir_ / "deep.json";
  std::ofstream(deep) << std::string(200000, '[') << std::string(200000, ']');
  Outcome o = run_kvslo("gate --baseline " + deep.string() + " --current " + deep.string());
  EXPECT_EQ(o.exit_code, 2) << o.output.substr(0, 400);
  o = run_kvslo("report " + deep.string() + " --out " + (dir_ / "deep-report").string());
  EXPECT_EQ(o.exit_code, 2) << o.output.substr(0, 400);
  EXPECT_EQ(o.output.find("Traceback (most recent call last)"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "deep-report"));
}

TEST_F(FaultMatrix, Item03_InterruptDeletesTheKeysKvsloWroteOnAUsersServer) {
  EmbeddedRedis server;
  CommandChannel admin(server.endpoint(), 2000ms);
  admin.call_ok({"SET", "someone-elses-key", "stays"});
  const fs::path out = dir_ / "r.json";
  // Twenty trials a point: the remaining points outlast any stall of this
  // test's polling under load (with two they could all finish before Ctrl-C).
  Background run("run --working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 20 --warmup 1 --client zerocopy "
                 "--interleave off --streams " + repeated_ones(20) + " --redis " +
                     url_of(server) + " --out " + out.string(),
                 dir_ / "log");
  ASSERT_FALSE(wait_for_results(out, 2).is_null());
  run.signal_group(SIGINT);
  EXPECT_EQ(run.wait(60s), 130) << slurp(dir_ / "log");
  EXPECT_EQ(admin.call({"DBSIZE"}).integer, 1) << slurp(dir_ / "log");
  EXPECT_EQ(admin.call({"GET", "someone-elses-key"}).text, "stays");
}

TEST_F(FaultMatrix, Item03_InterruptDuringTurnsKeepsEveryOpenedPointsTrials) {
  // Two points taking turns for many rounds: Ctrl-C ends the round, and both
  // points are written with the trials they ran, marked interrupted.
  const fs::path out = dir_ / "r.json", log = dir_ / "log";
  Background run("run --working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 500 --warmup 1 "
                 "--client hiredis,zerocopy --out " + out.string(), log);
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && slurp(log).find("round 3/500") == std::string::npos) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(slurp(log).find("round 3/500"), std::string::npos) << slurp(log);
  run.signal_group(SIGINT);
  EXPECT_EQ(run.wait(60s), 130) << slurp(log);
  const auto j = nlohmann::json::parse(slurp(out));
  ASSERT_EQ(j["points"].size(), 2u) << slurp(log);
  for (const auto& p : j["points"]) {
    EXPECT_GE(p["trials"].size(), 2u) << p["label"];
    EXPECT_LT(p["trials"].size(), 500u) << p["label"];
    EXPECT_EQ(p["status"], "interrupted") << p["label"];
    EXPECT_EQ(p["turn_group"], 0) << p["label"];
  }
  EXPECT_EQ(j["summary"]["interrupted"], true);
}

TEST_F(FaultMatrix, Item03_FailFastDeletesTheKeysKvsloWrote) {
  EmbeddedRedis server;
  CommandChannel admin(server.endpoint(), 2000ms);
  admin.call_ok({"SET", "someone-elses-key", "stays"});
  // zerocopy loads the dataset that hiredis will read later; the peer in
  // between fails (no such program), and --fail-fast stops the run there.
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client zerocopy,redis-benchmark,hiredis --fail-fast --redis " +
                            url_of(server) + " --out " + (dir_ / "r.json").string(),
                        "KVSLO_REDIS_BENCHMARK=/nonexistent/redis-benchmark");
  EXPECT_EQ(o.exit_code, 1) << o.output;
  EXPECT_NE(o.output.find("--fail-fast"), std::string::npos) << o.output;
  EXPECT_EQ(admin.call({"DBSIZE"}).integer, 1) << o.output;
}

TEST_F(FaultMatrix, Item03_KvsloNeverWritesOverKeysItDidNotWrite) {
  EmbeddedRedis server;
  CommandChannel admin(server.endpoint(), 2000ms);
  PointSpec spec;
  spec.chunk_size = 1 << 20;
  const std::string taken = chunk_key(spec, 5);
  admin.call_ok({"SET", taken, "precious"});
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client zerocopy --redis " + url_of(server) + " --out " +
                        (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
  EXPECT_EQ(j["points"][0]["status"], "failed");
  EXPECT_NE(j["points"][0]["failure"].get<std::string>().find("already exist"), std::string::npos) << j["points"][0]["failure"];
  EXPECT_EQ(admin.call({"GET", taken}).text, "precious");
  EXPECT_EQ(admin.call({"DBSIZE"}).integer, 1);
}

TEST_F(FaultMatrix, Item03_RedisBenchmarkPeerRefusesKeyNamesThatExist) {
  EmbeddedRedis server;
  CommandChannel admin(server.endpoint(), 2000ms);
  admin.call_ok({"SET", "key:000000000003", "precious"});
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client redis-benchmark --redis " + url_of(server) + " --out " +
                        (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
  EXPECT_NE(j["points"][0]["failure"].get<std::string>().find("already exist"), std::string::npos) << j["points"][0]["failure"];
  EXPECT_EQ(admin.call({"GET", "key:000000000003"}).text, "precious");
  EXPECT_EQ(admin.call({"DBSIZE"}).integer, 1);
}

// ------------------------------------------------------------------ secrets

TEST_F(FaultMatrix, Item04_NoMessageEchoesAPassword) {
  const fs::path out = dir_ / "r.json";
  for (const std::string& url : std::vector<std::string>{"default:hunter2@127.0.0.1:1", "redis://default:hunter2@127.0.0.1",
                                "redis://default:hunter2@[::1", "redis://u:hunter2%zz@127.0.0.1:1",
                                "http://u:hunter2@127.0.0.1:1", "redis://u:hunter2@127.0.0.1:1/5",
                                "redis://u:hunter2@127.0.0.1:99999", "redis://u:hunter2@127.0.0.1:1",
                                "redis://default:hunter2", "redis://h:6379:hunter2"}) {
    for (const std::string& form : std::vector<std::string>{"--redis '" + url + "'", "'--redis=" + url + "'"}) {
      Outcome o = run_kvslo(std::string("run ") + kSmall + " --client zerocopy " + form + " --out " + out.string());
      EXPECT_NE(o.exit_code, 0) << form;
      EXPECT_EQ(o.output.find("hunter2"), std::string::npos) << form << "\n" << o.output;
      if (fs::exists(out)) {
        EXPECT_EQ(slurp(out).find("hunter2"), std::string::npos) << form;
      }
      fs::remove(out);
    }
  }
}

TEST_F(FaultMatrix, Item05_RedisBenchmarkGetsAThrowawayUserNotThePassword) {
  EmbeddedRedisOptions options;
  options.requirepass = "hunter2-secret";
  EmbeddedRedis server(options);
  // A wrapper that records the command line redis-benchmark was given, as
  // any local user could read it in ps, then runs the real one.
  const fs::path wrapper = dir_ / "redis-benchmark";
  std::ofstream(wrapper) << "#!/bin/sh\necho \"$@\" >> " << (dir_ / "argv.log").string() << "\nexec "
                         << find_on_path("redis-benchmark") << " \"$@\"\n";
  fs::permissions(wrapper, fs::perms::owner_all);
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client redis-benchmark --redis redis://:hunter2-secret@127.0.0.1:" +
                            std::to_string(server.port()) + " --out " + (dir_ / "r.json").string(),
                        "KVSLO_REDIS_BENCHMARK=" + wrapper.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const std::string argv = slurp(dir_ / "argv.log");
  EXPECT_EQ(argv.find("hunter2"), std::string::npos) << argv;
  EXPECT_NE(argv.find("--user kvslo-peer-"), std::string::npos) << argv;
  const std::string results = slurp(dir_ / "r.json");
  EXPECT_EQ(results.find("hunter2"), std::string::npos);
  EXPECT_NE(results.find("\"***\""), std::string::npos);
  // The throwaway user is gone, and so are its keys.
  CommandChannel admin(server.endpoint(), 2000ms);
  const auto users = admin.call({"ACL", "USERS"});
  ASSERT_EQ(users.elements.size(), 1u);
  EXPECT_EQ(users.elements[0].text, "default");
  EXPECT_EQ(admin.call({"DBSIZE"}).integer, 0);
}

TEST_F(FaultMatrix, Item05_RedisBenchmarkIsRefusedWhenNoThrowawayUserCanBeMade) {
  EmbeddedRedisOptions options;
  options.requirepass = "hunter2-secret";
  EmbeddedRedis server(options);
  CommandChannel admin(server.endpoint(), 2000ms);
  // A user that may read and write but not manage ACLs.
  admin.call_ok({"ACL", "SETUSER", "bench", "on", ">hunter3-secret", "~*", "+@all", "-@admin"});
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client redis-benchmark --redis redis://bench:hunter3-secret@127.0.0.1:" +
                        std::to_string(server.port()) + " --out " + (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 1) << o.output;
  const auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
  EXPECT_NE(j["points"][0]["failure"].get<std::string>().find("throwaway ACL user"), std::string::npos)
      << j["points"][0]["failure"];
  EXPECT_EQ(o.output.find("hunter3"), std::string::npos);
}

TEST_F(FaultMatrix, Item06_TheEmbeddedServerRequiresARandomPassword) {
  const fs::path out = dir_ / "r.json";
  Background run(std::string("run ") + kSmall + " --client zerocopy --streams " + repeated_ones(40) + " --out " +
                     out.string(),
                 dir_ / "log");
  const auto j = wait_for_results(out, 0);
  ASSERT_FALSE(j.is_null());
  const std::string endpoint = j["environment"]["redis"]["endpoint"];
  EXPECT_NE(endpoint.find(":***@"), std::string::npos) << endpoint;
  const auto port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  // Another local user, without the password, cannot use it.
  CommandChannel stranger(net::Endpoint::tcp("127.0.0.1", port), 2000ms);
  const auto reply = stranger.call({"FLUSHALL"});
  EXPECT_EQ(reply.type, resp::Reply::Type::kError);
  EXPECT_NE(reply.text.find("NOAUTH"), std::string::npos) << reply.text;
  run.signal_group(SIGINT);
  EXPECT_EQ(run.wait(60s), 130);
}

// ----------------------------------------------------------- wrong verdicts

PointMeasurement measured(const std::string& client, double gbps) {
  PointMeasurement m;
  m.spec.client = client;
  TrialFigures t;
  t.bytes = static_cast<std::uint64_t>(gbps * 1e9);
  t.seconds = 1;
  t.cpu_seconds = 0.3;
  t.batches = 10;
  m.trials.push_back(t);
  return m;
}

TEST(FaultMatrixUnit, Item09_AFailedPointIsNeverABest) {
  std::vector<PointMeasurement> points{measured("zerocopy", 2.5), measured("zerocopy", 9.0), measured("hiredis", 2.0),
                                       measured("hiredis", 8.0), measured("redis-benchmark", 1.5)};
  points[1].verify_failures = 3;  // fast because it returned wrong bytes
  points[3].status_counts[static_cast<std::size_t>(KeyStatus::kMissing)] = 2;
  const RunSummary summary = summarize_run(points, Slo{});
  EXPECT_EQ(summary.failed, 2u);
  ASSERT_TRUE(summary.best.count("zerocopy get"));
  EXPECT_DOUBLE_EQ(summary.best.at("zerocopy get")->median_gbps(), 2.5);
  EXPECT_DOUBLE_EQ(summary.best.at("hiredis get")->median_gbps(), 2.0);
  const SideBySide side = compare_side_by_side(points);
  for (const auto& bar : side.bars) {
    EXPECT_EQ(bar.ours.find("9"), std::string::npos);
    if (bar.name == "zerocopy (fixed) vs hiredis, GB/s") {
      EXPECT_NEAR(bar.ratio.estimate, 2.5 / 2.0, 1e-9) << bar.name;
    }
    if (bar.name.find("redis-benchmark") != std::string::npos) {
      EXPECT_NEAR(bar.ratio.estimate, 2.5 / 1.5, 1e-9) << bar.name;
    }
  }
  for (const auto& row : side.table) {
    if (row["median_gbps"].get<double>() > 5) {
      EXPECT_EQ(row["status"], "failed") << row.dump();
    }
  }
}

TEST(FaultMatrixUnit, Item10_ALengthKeyThatIsNotTheChunkSizeIsASizeMismatch) {
  EmbeddedRedis server;
  PointSpec spec;
  spec.client = "zerocopy";
  spec.layout = Layout::kWithMetadata;
  spec.chunk_size = 64 << 10;
  spec.chunks_per_batch = 4;
  spec.working_set = 4 * spec.chunk_size;
  const ChunkSet chunks{[&](std::size_t i) { return chunk_key(spec, i); }, spec.chunk_size, 4, true};
  std::atomic<bool> never{false};
  load_chunks(server.endpoint(), chunks, 2000ms, never);
  CommandChannel admin(server.endpoint(), 2000ms);
  admin.call_ok({"SET", metadata_key(chunks.name_of(1)), std::to_string(10ull << 30)});  // oversized
  admin.call_ok({"SET", metadata_key(chunks.name_of(2)), "1024"});                       // too short
  admin.call_ok({"SET", metadata_key(chunks.name_of(3)), "garbage"});
  BatchExecutor batch(spec, server.endpoint());
  batch.prepare(0);
  const BatchResult result = batch.execute();
  ASSERT_EQ(result.keys.size(), 4u);
  EXPECT_EQ(result.keys[0].status, KeyStatus::kOk) << result.keys[0].message;
  for (std::size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(result.keys[i].status, KeyStatus::kSizeMismatch) << i << ": " << result.keys[i].message;
    EXPECT_NE(result.keys[i].message.find("length key"), std::string::npos) << result.keys[i].message;
  }
  // The connection stayed in step: the next batch reads cleanly.
  admin.call_ok({"SET", metadata_key(chunks.name_of(1)), std::to_string(spec.chunk_size)});
  batch.prepare(0);
  EXPECT_EQ(batch.execute().keys[1].status, KeyStatus::kOk);
}

fs::path write_scenario(const fs::path& dir, const std::string& text) {
  const fs::path p = dir / "open.json";
  std::ofstream(p) << text;
  return p;
}

TEST_F(FaultMatrix, Item11_OpenLoopLatencyHoldsNoHarnessWork) {
  // Far behind schedule (a million batches a second): every batch is due at
  // once, so a batch's latency is the client time of the batches before it
  // and its own. Verifying and poisoning 8 MiB per batch between them is
  // harness work and must not be in it.
  const auto scenario = write_scenario(dir_, R"({"workload": {"client": "zerocopy", "chunk_size": "1MiB",
      "chunks_per_batch": 8, "working_set": "64MiB", "trials": 1, "warmup_batches": 1,
      "arrival": {"mode": "constant", "rate_per_s": 1000000}}})");
  const fs::path out = dir_ / "r.json";
  Outcome o = run_kvslo("run " + scenario.string() + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto point = nlohmann::json::parse(slurp(out))["points"][0];
  const auto& trial = point["trials"][0];
  ASSERT_TRUE(trial.contains("busy_seconds") && trial.contains("harness_seconds")) << trial.dump();
  const double busy_ms = trial["busy_seconds"].get<double>() * 1e3;
  const double harness_ms = trial["harness_seconds"].get<double>() * 1e3;
  const double worst_ms = point["batch_latency"]["max"].get<double>();
  EXPECT_GT(harness_ms, 0.2 * busy_ms) << "the harness work this test relies on is there";
  EXPECT_LE(worst_ms, busy_ms * 1.01 + 0.5) << "busy " << busy_ms << " ms, harness " << harness_ms << " ms";
  // The trial's time is the schedule's span without the harness work.
  EXPECT_LE(trial["seconds"].get<double>() * 1e3, busy_ms * 1.01 + 0.5);
}

TEST_F(FaultMatrix, Item11_OpenLoopAheadOfScheduleKeepsItsRate) {
  // Well ahead of schedule (5 batches a second, each done in milliseconds):
  // harness work fits in the idle time, so nothing is paused and the
  // schedule's span is the offered one, (batches - 1) / rate plus the last batch.
  const auto scenario = write_scenario(dir_, R"({"workload": {"client": "zerocopy", "chunk_size": "1MiB",
      "chunks_per_batch": 8, "working_set": "32MiB", "trials": 1, "warmup_batches": 1, "batches_per_trial": 6,
      "arrival": {"mode": "constant", "rate_per_s": 5}}})");
  const fs::path out = dir_ / "r.json";
  Outcome o = run_kvslo("run " + scenario.string() + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto point = nlohmann::json::parse(slurp(out))["points"][0];
  const auto& trial = point["trials"][0];
  ASSERT_TRUE(trial.contains("harness_seconds")) << trial.dump();
  // What remains is the books kept around each call (µs; more under sanitizers),
  // not the milliseconds of verifying and poisoning each batch.
  EXPECT_LT(trial["harness_seconds"].get<double>(), 6 * 0.0005) << trial.dump();
  const double offered = 5.0 / 5;  // five gaps of 0.2 s
  const double last_ms = point["batch_latency_samples_ms"].back().get<double>();
  EXPECT_NEAR(trial["seconds"].get<double>(), offered + last_ms / 1e3, 0.01) << trial.dump();
}

TEST_F(FaultMatrix, Item18_OpenLoopWaitHonoursCtrlC) {
  const auto scenario = write_scenario(dir_, R"({"workload": {"client": "zerocopy", "chunk_size": "1MiB",
      "chunks_per_batch": 8, "working_set": "32MiB", "trials": 1, "warmup_batches": 0, "batches_per_trial": 5,
      "arrival": {"mode": "constant", "rate_per_s": 0.05}}})");
  const fs::path out = dir_ / "r.json";
  Background run("run " + scenario.string() + " --out " + out.string(), dir_ / "log");
  // The point has started (a fixed sleep from the results file's first save
  // could land before it under a sanitizer, with the server still loading).
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (slurp(dir_ / "log").find("[1/1]") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(slurp(dir_ / "log").find("[1/1]"), std::string::npos) << slurp(dir_ / "log");
  std::this_thread::sleep_for(3s);  // into the 20 s gap after the first batch
  const auto signalled = std::chrono::steady_clock::now();
  run.signal_group(SIGINT);
  EXPECT_EQ(run.wait(15s), 130) << slurp(dir_ / "log");
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 5s);
  EXPECT_EQ(nlohmann::json::parse(slurp(out))["points"][0]["status"], "interrupted");
}

TEST_F(FaultMatrix, Item18_CtrlCDuringAPeerRecordsItInterruptedNotFailed) {
  const fs::path out = dir_ / "r.json";
  // redis-py reads 4 GB here: minutes, so the signal lands in the middle.
  Background run("run --client redis-py --chunk-size 4MiB --working-set 256MiB --chunks-per-batch 8 --trials 40 "
                 "--out " + out.string(),
                 dir_ / "log");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (slurp(dir_ / "log").find("[1/1]") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(2500ms);  // the peer is loading or measuring
  run.signal_group(SIGINT);
  EXPECT_EQ(run.wait(30s), 130) << slurp(dir_ / "log");
  const auto j = nlohmann::json::parse(slurp(out));
  ASSERT_EQ(j["points"].size(), 1u) << slurp(dir_ / "log");
  EXPECT_EQ(j["points"][0]["status"], "interrupted") << j["points"][0].dump(2);
}

// ---------------------------------------- crashes and hostile input (run side)

TEST_F(FaultMatrix, Item12_SocketBufferFlagsAreRangeChecked) {
  for (const char* flag : {"--sndbuf 4097MiB", "--rcvbuf 2GiB", "--sndbuf 0"}) {
    Outcome o = run_kvslo(std::string("run ") + flag + " --out " + (dir_ / "never.json").string());
    EXPECT_EQ(o.exit_code, 2) << flag << "\n" << o.output;
    EXPECT_NE(o.output.find("1GiB"), std::string::npos) << flag << "\n" << o.output;
    EXPECT_FALSE(fs::exists(dir_ / "never.json"));
  }
}

TEST_F(FaultMatrix, Item15_DescriptorsAreCheckedBeforeAnythingRuns) {
  Outcome o = run_kvslo("run --client zerocopy --streams 200 --working-set 256MiB --chunks-per-batch 8 --chunk-size 1MiB --out " +
                            (dir_ / "never.json").string(),
                        "sh -c 'ulimit -n 128; exec \"$0\" \"$@\"'");
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("file descriptors"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "never.json"));
}

TEST_F(FaultMatrix, Item15_FlagSweepsAndStreamsAreBounded) {
  std::string list = "1";
  for (int i = 2; i <= 101; ++i) list += "," + std::to_string(i);
  for (const std::string& args : std::vector<std::string>{"--streams 1000000", "--streams " + list + " --pipeline-depth " + list}) {
    Outcome o = run_kvslo("run " + args + " --out " + (dir_ / "never.json").string());
    EXPECT_EQ(o.exit_code, 2) << args << "\n" << o.output;
    EXPECT_TRUE(o.output.find("1,024") != std::string::npos || o.output.find("at most 10,000") != std::string::npos) << o.output;
    EXPECT_FALSE(fs::exists(dir_ / "never.json"));
  }
}

TEST(FaultMatrixUnit, Item15_MemoryCountsConnectionBuffers) {
  PointSpec p;
  p.streams = 1000;
  p.chunk_size = 1 << 20;
  p.chunks_per_batch = 1000;
  p.working_set = 1000ull << 20;
  const Preflight f = preflight({p}, true);
  EXPECT_EQ(f.connection_bytes, 1000ull * (64 << 10));
  EXPECT_EQ(f.memory_needed, f.server_bytes + f.tile_bytes + f.connection_bytes + (256ull << 20));
}

// A cluster is measured now (cluster_run_test.cpp); one that cannot serve
// every slot is refused before anything runs, naming the gap, not with MOVED.
TEST_F(FaultMatrix, Item19_AClusterThatServesNotEverySlotIsRefusedNamingTheGap) {
  EmbeddedRedisOptions options;
  options.config.emplace_back("cluster-enabled", "yes");
  EmbeddedRedis server(options);  // a cluster node that owns no slot
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --redis " + url_of(server) + " --out " + (dir_ / "r.json").string());
  EXPECT_EQ(o.exit_code, 3) << o.output;
  EXPECT_NE(o.output.find("is a Redis Cluster node"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("slots 0-16383 (16384 slots) are served by no primary"), std::string::npos) << o.output;
  EXPECT_EQ(o.output.find("MOVED"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "r.json"));
}

TEST_F(FaultMatrix, Item23_MaxmemoryHoldsEveryDatasetAliveTogether) {
  // hiredis 1MiB, hiredis 4MiB, zerocopy 1MiB, zerocopy 4MiB: both datasets
  // are alive from the second point to the third.
  Outcome o = run_kvslo("run --client hiredis,zerocopy --chunk-size 1MiB,4MiB --pipeline-depth 2 --chunks-per-batch 32 "
                        "--working-set 256MiB --trials 1 --warmup 0 --out " + (dir_ / "r.json").string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
  for (const auto& p : j["points"]) EXPECT_EQ(p["status"], "ok") << p.dump(2);
}

TEST(FaultMatrixUnit, Item23_PeakDatasetBytesFollowsLifetimes) {
  auto point = [](const std::string& client, std::uint64_t chunk) {
    PointSpec p;
    p.client = client;
    p.chunk_size = chunk;
    p.chunks_per_batch = 1;
    p.working_set = 64 << 20;
    return p;
  };
  // One dataset at a time (chunk size outermost), then listed interleaved:
  // points that take turns run together, so one dataset at a time again...
  EXPECT_EQ(peak_dataset_bytes({point("hiredis", 1 << 20), point("zerocopy", 1 << 20), point("hiredis", 4 << 20)}), 64u << 20);
  EXPECT_EQ(peak_dataset_bytes({point("hiredis", 1 << 20), point("hiredis", 4 << 20), point("zerocopy", 1 << 20)}), 64u << 20);
  // ... unless they do not take turns: then they run as listed and both datasets are alive.
  std::vector<PointSpec> in_order{point("hiredis", 1 << 20), point("hiredis", 4 << 20), point("zerocopy", 1 << 20)};
  for (auto& p : in_order) p.interleave = false;
  EXPECT_EQ(peak_dataset_bytes(in_order), 128u << 20);
  // redis-benchmark's own dataset lives beside whatever is alive at its point.
  EXPECT_EQ(peak_dataset_bytes({point("hiredis", 1 << 20), point("redis-benchmark", 1 << 20), point("zerocopy", 1 << 20)}),
            128u << 20);
  // A dataset lives until its turn group is done, beside a redis-benchmark listed after its last reader.
  EXPECT_EQ(peak_dataset_bytes({point("zerocopy", 1 << 20), point("redis-benchmark", 1 << 20)}), 128u << 20);
  EXPECT_EQ(peak_dataset_bytes({point("null", 1 << 20), point("iperf3", 1 << 20)}), 0u);
}

// ---------------------------------------------------------- like for like

TEST_F(FaultMatrix, Item22_KnobsThatChangeNumbersAreRecordedAndMarked) {
  Outcome o = run_kvslo(std::string("run ") + kSmall + " --client zerocopy,hiredis --out " + (dir_ / "r.json").string(),
                        "KVSLO_DEBUG_BOUNCE_COPY=1");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("KVSLO_DEBUG_BOUNCE_COPY=1 is set"), std::string::npos) << o.output;
  const auto j = nlohmann::json::parse(slurp(dir_ / "r.json"));
  ASSERT_TRUE(j["environment"].contains("knobs") && j["points"][0].contains("knobs")) << j["environment"].dump();
  EXPECT_EQ(j["environment"]["knobs"]["KVSLO_DEBUG_BOUNCE_COPY"], "1");
  EXPECT_EQ(j["points"][0]["knobs"]["KVSLO_DEBUG_BOUNCE_COPY"], "1");  // zerocopy copies once more
  EXPECT_FALSE(j["points"][0]["warnings"].empty());
  EXPECT_TRUE(j["points"][1]["knobs"].empty());  // hiredis has no such knob
}

// ------------------------------------------------------- clients (GoogleTest)

std::vector<std::byte> bytes_of(std::size_t n) { return std::vector<std::byte>(n, std::byte{0x5a}); }

TEST(FaultMatrixClients, Item17_AServerClosingDuringALargeHiredisSetIsAnIoErrorNotSigpipe) {
  // Redis closes a connection whose bulk length exceeds proto-max-bulk-len;
  // hiredis keeps writing the rest of the 4 MiB value into the closed socket.
  // This test process keeps SIGPIPE's default action: before the fix it died.
  ASSERT_EQ(::signal(SIGPIPE, SIG_DFL), SIG_DFL);
  EmbeddedRedisOptions options;
  options.config.emplace_back("proto-max-bulk-len", "1mb");
  options.unix_socket = true;  // a unix socket reports a closed peer as EPIPE (TCP first says ECONNRESET)
  EmbeddedRedis server(options);
  ClientOptions client_options;
  client_options.endpoint = server.unix_endpoint();
  client_options.pipeline_depth = 8;
  auto client = make_client("hiredis", client_options);
  // Eight pipelined 16 MiB SETs: far more than socket buffers hold, so
  // hiredis is still writing when the server has closed the connection.
  const auto value = bytes_of(16 << 20);
  const std::vector<std::string_view> keys{"a", "b", "c", "d", "e", "f", "g", "h"};
  const std::vector<ConstBuffer> values(keys.size(), ConstBuffer(value));
  const BatchResult r = client->batch_set(keys, values);
  ASSERT_EQ(r.keys.size(), keys.size());
  for (const auto& k : r.keys) {
    EXPECT_TRUE(k.status == KeyStatus::kIoError || k.status == KeyStatus::kServerError) << k.message;
  }
}

TEST(FaultMatrixClients, Item20_AStoppedServerGivesHiredisATimeoutMessage) {
  EmbeddedRedis server;
  CommandChannel(server.endpoint(), 2000ms).call_ok({"SET", "k", "v"});
  ClientOptions options;
  options.endpoint = server.endpoint();
  options.op_timeout = 300ms;
  auto client = make_client("hiredis", options);
  std::vector<std::byte> buffer(1);
  const std::string_view key = "k";
  const MutableBuffer span(buffer);
  ASSERT_EQ(client->batch_get({&key, 1}, {&span, 1}).keys[0].status, KeyStatus::kOk);  // connected
  server.pause();
  const BatchResult r = client->batch_get({&key, 1}, {&span, 1});
  server.resume();
  EXPECT_EQ(r.keys[0].status, KeyStatus::kTimeout);
  EXPECT_NE(r.keys[0].message.find("no reply within 300 ms"), std::string::npos) << r.keys[0].message;
  EXPECT_EQ(r.keys[0].message.find("Resource temporarily unavailable"), std::string::npos) << r.keys[0].message;
}

TEST(FaultMatrixClients, Item21_HiredisSetsSocketBuffersBeforeTheHandshake) {
  // The window scale a side announces is fixed in the handshake from its
  // receive buffer then: a small rcvbuf set first gives a small scale.
  EmbeddedRedis server;
  CommandChannel(server.endpoint(), 2000ms).call_ok({"SET", "k", "v"});
  auto window_scale = [&](const std::string& name, std::optional<int> rcvbuf) {
    ClientOptions options;
    options.endpoint = server.endpoint();
    options.rcvbuf = rcvbuf;
    auto client = make_client(name, options);
    std::vector<std::byte> buffer(1);
    const std::string_view key = "k";
    const MutableBuffer span(buffer);
    EXPECT_EQ(client->batch_get({&key, 1}, {&span, 1}).keys[0].status, KeyStatus::kOk);
    return client->connections().at(0).rcv_wscale;
  };
  const int zerocopy_small = window_scale("zerocopy", 16 << 10);
  const int hiredis_small = window_scale("hiredis", 16 << 10);
  const int hiredis_default = window_scale("hiredis", std::nullopt);
  EXPECT_EQ(hiredis_small, zerocopy_small);
  EXPECT_LT(hiredis_small, hiredis_default);
}

}  // namespace
}  // namespace kvslo
