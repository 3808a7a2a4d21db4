// The kvslo binary end to end: real runs against an embedded redis-server,
// bad flags, an interrupted run, and a server that dies mid-run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "command_channel.hpp"
#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::Outcome;

Outcome kvslo(const std::string& arguments) { return testing::run_kvslo(arguments); }

using Cli = testing::ScratchDirTest;

constexpr const char* kSmall = "--working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 2 --warmup 1";

TEST_F(Cli, RunWritesResultsAndVerdict) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("SLO (retrieval >= 2.00 GB/s)"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("Results: " + out.string()), std::string::npos);
  EXPECT_NE(o.output.find("GB/s (10^9 bytes/s)"), std::string::npos);
  auto j = read(out);
  EXPECT_EQ(j["schema_version"], 2);
  ASSERT_EQ(j["points"].size(), 2u);
  for (const auto& p : j["points"]) {
    EXPECT_EQ(p["status"], "ok") << p.dump(2);
    EXPECT_EQ(p["trials"].size(), 2u);
    EXPECT_GT(p["throughput_gbps"]["median"].get<double>(), 0.0);
    EXPECT_EQ(p["batch_latency"]["count"], 8);  // 32 keys / 8 per batch x 2 trials
    EXPECT_EQ(p["chunk_latency"]["count"], 64);
    EXPECT_EQ(p["key_status_counts"]["ok"], 64);
    EXPECT_EQ(p["verify_failures"], 0);
    EXPECT_TRUE(p["slo"].contains("pass"));
  }
  EXPECT_EQ(j["points"][0]["parameters"]["client"], "hiredis");
  EXPECT_EQ(j["points"][1]["parameters"]["client"], "zerocopy");
  EXPECT_EQ(j["environment"]["redis"]["embedded"], true);
  EXPECT_FALSE(j["environment"]["redis"]["redis_version"].get<std::string>().empty());
  EXPECT_FALSE(j["environment"]["build"]["git_revision"].get<std::string>().empty());
  EXPECT_GT(j["environment"]["host"]["cpu_cores"].get<int>(), 0);
  EXPECT_EQ(j["summary"]["points"], 2);
}

TEST_F(Cli, ComparedPointsTakeTurnsRoundByRound) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client hiredis,zerocopy --streams 1,2 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto j = read(out);
  // One group per stream count, in the order of their first points.
  ASSERT_EQ(j["interleave"]["groups"].size(), 2u) << j["interleave"].dump();
  EXPECT_TRUE(j["interleave"]["seed"].is_number_unsigned());
  ASSERT_EQ(j["points"].size(), 4u);
  for (const auto& p : j["points"]) {
    ASSERT_TRUE(p["turn_group"].is_number_integer()) << p["label"];
    ASSERT_EQ(p["trials"].size(), 2u);
    EXPECT_EQ(p["trials"][0]["round"], 0);
    EXPECT_EQ(p["trials"][1]["round"], 1);
    EXPECT_GE(p["trials"][1]["start_s"].get<double>(), p["trials"][0]["start_s"].get<double>());
  }
  // Round 1 of either point of a group starts after round 0 of both ended.
  const auto& a = j["points"][0]["trials"];
  const auto& b = j["points"][1]["trials"];
  EXPECT_EQ(j["points"][0]["turn_group"], j["points"][1]["turn_group"]);
  EXPECT_GT(std::min(a[1]["start_s"].get<double>(), b[1]["start_s"].get<double>()),
            std::max(a[0]["start_s"].get<double>(), b[0]["start_s"].get<double>()));
  EXPECT_NE(o.output.find("round 2/2: 2 points take turns"), std::string::npos) << o.output;

  // --interleave off: today's order, each point's trials back to back, nothing paired.
  o = kvslo(std::string("run ") + kSmall + " --client hiredis,zerocopy --interleave off --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  j = read(out);
  EXPECT_TRUE(j["interleave"]["groups"].empty());
  for (const auto& p : j["points"]) EXPECT_TRUE(p["turn_group"].is_null());
  EXPECT_EQ(j["points"][0]["parameters"]["interleave"], false);
}

TEST_F(Cli, APrecisionTargetAddsRoundsUpToTheLimit) {
  auto out = dir_ / "r.json";
  // 2 trials reach no 95% interval: rounds are added until one does (6) and is
  // within +-50%, or until 8.
  auto o = kvslo(std::string("run ") + kSmall + " --client hiredis,zerocopy --precision 50% --max-trials 8 --out " +
                 out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto j = read(out);
  for (const auto& p : j["points"]) {
    EXPECT_GE(p["trials"].size(), 6u) << p["label"];
    EXPECT_LE(p["trials"].size(), 8u) << p["label"];
    EXPECT_GE(p["throughput_interval"]["confidence"].get<double>(), 0.95);
    EXPECT_EQ(p["parameters"]["precision"], 0.5);
  }
  // A precision that is no share is refused before anything runs.
  o = kvslo(std::string("run ") + kSmall + " --precision 150% --out " + (dir_ / "x.json").string());
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("precision"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "x.json"));
}

TEST_F(Cli, SetAndExistsAndSweepLists) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client zerocopy --op set --streams 1,2 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto j = read(out);
  ASSERT_EQ(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][1]["parameters"]["streams"], 2);
  EXPECT_EQ(j["points"][0]["slo"]["applicable"], false);
  o = kvslo(std::string("run ") + kSmall + " --client hiredis --op exists --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
}

// Valkey as the embedded server beside Redis in one run: each point says
// which server and version served it, and the report compares them.
TEST_F(Cli, RedisAndValkeyInOneRunAndTheReportComparesThem) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client zerocopy --server redis,valkey --set redis.io-threads=2 --out " +
                 out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("starting an embedded valkey-server ("), std::string::npos) << o.output;
  auto j = read(out);
  ASSERT_EQ(j["points"].size(), 2u);
  for (const auto& p : j["points"]) EXPECT_EQ(p["status"], "ok") << p.dump(2);
  const auto& valkey = j["points"][1];
  EXPECT_EQ(valkey["parameters"]["server"], "valkey");
  EXPECT_EQ(valkey["label"], "zerocopy get 1MiB x8 streams=1 depth=8 server=valkey io-threads=2");
  const auto& actual = valkey["redis_settings_actual"];
  EXPECT_EQ(actual["server"], "valkey");
  EXPECT_EQ(actual["io-threads"], "2");
  EXPECT_EQ(actual["server_version"].get<std::string>().rfind("8.", 0), 0u) << actual;
  EXPECT_NE(actual["redis_compat_version"], actual["server_version"]) << actual;  // Valkey's redis_version is 7.2.x
  EXPECT_EQ(j["points"][0]["redis_settings_actual"]["server"], "redis");
  o = kvslo("report " + out.string() + " --out " + (dir_ / "report").string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  std::ifstream md(dir_ / "report" / "report.md");
  const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("## Server comparison"), std::string::npos) << text;
  EXPECT_NE(text.find("| valkey " + actual["server_version"].get<std::string>() + " |"), std::string::npos) << text;
}

// A user's Valkey (--redis): its name and own version, read from INFO
// server, are recorded and shown; kvslo starts no server of its own then.
TEST_F(Cli, AUsersValkeyIsNamedByItsOwnVersion) {
  EmbeddedRedisOptions options;
  options.kind = ServerKind::kValkey;
  EmbeddedRedis server(options);
  auto out = dir_ / "r.json";
  const std::string url = " --redis redis://127.0.0.1:" + std::to_string(server.port());
  auto o = kvslo(std::string("run ") + kSmall + " --client zerocopy" + url + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("Valkey " + server.version() + " at"), std::string::npos) << o.output;
  auto j = read(out);
  const auto& redis = j["environment"]["redis"];
  EXPECT_EQ(redis["server_name"], "valkey");
  EXPECT_EQ(redis["valkey_version"], server.version());
  EXPECT_EQ(redis["redis_version"], server.redis_version());
  EXPECT_EQ(redis["embedded"], false);
  o = kvslo(std::string("run ") + kSmall + " --client zerocopy --server valkey" + url + " --out " + out.string());
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.output.find("server valkey: kvslo starts that server itself"), std::string::npos) << o.output;
}

// Flags are sugar for --set on the default scenario: a product of flags
// skips the combination that cannot run, records why, and runs the rest.
TEST_F(Cli, FlagsExpandAsAScenarioAndSkipWhatCannotRun) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client zerocopy,redis-py --op exists --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("skipped client=redis-py"), std::string::npos) << o.output;
  auto j = read(out);
  ASSERT_EQ(j["points"].size(), 1u);
  EXPECT_EQ(j["points"][0]["label"], "zerocopy exists 1MiB x8 streams=1 depth=8");
  EXPECT_EQ(j["points"][0]["client_info"]["kind"], "kvslo");
  EXPECT_EQ(j["points"][0]["identity"]["streams"], 1);
  EXPECT_FALSE(j["points"][0]["identity"].contains("trials"));
  ASSERT_EQ(j["skipped_points"].size(), 1u);
  EXPECT_EQ(j["skipped_points"][0]["point"], "client=redis-py");
  EXPECT_NE(j["skipped_points"][0]["reason"].get<std::string>().find("has no EXISTS"), std::string::npos);
}

// The receive axis: GET payloads bounced through a staging buffer still
// arrive whole and verified; the label and identity say which way they came.
TEST_F(Cli, ReceiveAxisBouncesAndStillVerifies) {
  const auto scenario = dir_ / "receive.json";
  std::ofstream(scenario) << R"({"workload": {"working_set": "32MiB", "chunk_size": "1MiB", "chunks_per_batch": 8,
                                  "trials": 1, "warmup_batches": 1},
                                 "axes": {"client": ["zerocopy", "tiled"], "receive": ["in-place", "bounce"]}})";
  auto out = dir_ / "r.json";
  auto o = kvslo("run " + scenario.string() + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto j = read(out);
  ASSERT_EQ(j["points"].size(), 4u);
  for (const auto& p : j["points"]) {
    const bool bounce = p["parameters"].value("receive", "in-place") == "bounce";
    EXPECT_EQ(p["status"], "ok") << p["label"];
    EXPECT_EQ(p["variant"], bounce ? "bounce" : "") << p["label"];
    EXPECT_EQ(p["identity"].contains("receive"), bounce) << p["label"];
    EXPECT_GT(p["key_status_counts"]["ok"].get<int>(), 0) << p["label"];
  }
}

TEST_F(Cli, TiledRecordsStagesAndWorkerBytes) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client tiled --threads 2 --streams 2 --inflight 1 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto j = read(out);
  const auto& p = j["points"][0];
  EXPECT_EQ(p["status"], "ok");
  EXPECT_EQ(p["stages"]["handoff"]["count"], 8);
  EXPECT_EQ(p["stages"]["transfer"]["unit"], "ms");
  ASSERT_EQ(p["worker_bytes"].size(), 2u);
  EXPECT_EQ(p["worker_bytes"][0].get<std::uint64_t>() + p["worker_bytes"][1].get<std::uint64_t>(), 64ull << 20);
}

bool is_png(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in && std::string(magic, 8) == "\x89PNG\r\n\x1a\n" && fs::file_size(p) > 5000;
}

TEST_F(Cli, ReportFromARealRun) {
  auto out = dir_ / "sweep.json";
  auto o = kvslo("run --client zerocopy,tiled --chunk-size 512KiB,1MiB --streams 1,2 --working-set 16MiB "
                 "--chunks-per-batch 8 --trials 2 --warmup 1 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  auto report_dir = dir_ / "report";
  o = kvslo("report " + out.string() + " --out " + report_dir.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  for (const char* png : {"throughput_vs_chunk_size.png", "throughput_vs_streams.png", "latency_percentiles.png",
                          "latency_cdf.png", "tiled_stages.png", "ladder.png"}) {
    EXPECT_TRUE(is_png(report_dir / png)) << png << "\n" << o.output;
  }
  std::ifstream html(report_dir / "report.html");
  std::string text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<html>"), std::string::npos);
  EXPECT_NE(text.find("</html>"), std::string::npos);
  EXPECT_GE(std::count(text.begin(), text.end(), '\n'), 10);
  EXPECT_NE(text.find("data:image/png;base64,iVBOR"), std::string::npos);  // plots embedded
  EXPECT_NE(text.find("SLO (retrieval"), std::string::npos);
  EXPECT_GT(fs::file_size(report_dir / "report.md"), 500u);
  // Plots that do not apply say why instead of drawing an empty chart.
  EXPECT_NE(o.output.find("skipped buffer_heatmap"), std::string::npos) << o.output;
  // Before/after against itself: every point matches, 0% change.
  o = kvslo("report " + out.string() + " --baseline " + out.string() + " --out " + (dir_ / "compare").string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_TRUE(is_png(dir_ / "compare" / "before_after.png"));
}

TEST_F(Cli, RunWithReportPrintsTheSummaryOnceAndWritesTheReport) {
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client zerocopy --report --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  std::size_t summaries = 0;
  for (std::size_t at = o.output.find("SLO (retrieval"); at != std::string::npos; at = o.output.find("SLO (retrieval", at + 1)) {
    ++summaries;
  }
  EXPECT_EQ(summaries, 1u) << o.output;  // a forked helper must not print buffered output again
  EXPECT_TRUE(fs::exists(dir_ / "r" / "report.html"));
}

TEST_F(Cli, ReportRejectsBadInputAndWritesNothing) {
  auto good = dir_ / "good.json";
  ASSERT_EQ(kvslo(std::string("run ") + kSmall + " --client zerocopy --out " + good.string()).exit_code, 0);
  auto doc = read(good);
  struct Case {
    std::string name;
    std::string contents;
    std::string message;
  };
  auto without = [&](const std::string& pointer) {
    auto d = doc;
    auto ptr = nlohmann::json::json_pointer(pointer);
    auto parent = ptr.parent_pointer();
    d.at(parent).erase(ptr.back());
    return d.dump();
  };
  auto other_version = doc;
  other_version["schema_version"] = 99;  // the report reads versions 1 and 2
  for (const auto& c : std::vector<Case>{{"notjson", "this is not json", "not a JSON results file"},
                                         {"version", other_version.dump(), "schema_version is 99"},
                                         {"nopoints", without("/points"), "field points is missing"},
                                         {"nomedian", without("/points/0/throughput_gbps/median"), "median is missing"},
                                         {"noslo", without("/slo"), "field slo is missing"}}) {
    auto file = dir_ / (c.name + ".json");
    std::ofstream(file) << c.contents;
    auto target = dir_ / (c.name + "-report");
    auto o = kvslo("report " + file.string() + " --out " + target.string());
    EXPECT_EQ(o.exit_code, 2) << c.name << "\n" << o.output;
    EXPECT_NE(o.output.find(file.string()), std::string::npos) << c.name << "\n" << o.output;
    EXPECT_NE(o.output.find(c.message), std::string::npos) << c.name << "\n" << o.output;
    EXPECT_FALSE(fs::exists(target)) << c.name;
  }
}

TEST_F(Cli, DatasetsAreDroppedWhenNoLaterPointNeedsThem) {
  EmbeddedRedis server;
  CommandChannel admin(server.endpoint(), 2000ms);
  admin.call_ok({"SET", "someone-elses-key", "stays"});
  auto out = dir_ / "r.json";
  auto o = kvslo("run --client zerocopy --chunk-size 512KiB,1MiB --working-set 8MiB --chunks-per-batch 4 --trials 1 "
                 "--redis redis://127.0.0.1:" + std::to_string(server.port()) + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_EQ(read(out)["points"].size(), 2u);
  // kvslo's own keys are gone; nothing else was touched.
  EXPECT_EQ(admin.call({"DBSIZE"}).integer, 1);
  EXPECT_EQ(admin.call({"GET", "someone-elses-key"}).text, "stays");
}

TEST_F(Cli, BadFlagsAreRejectedBeforeAnythingRuns) {
  struct Case {
    std::string args;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{{"run --chunk-size 4M", "invalid size '4M'"},
                                         {"run --client nope", "unknown client 'nope'"},
                                         {"run --streams 0", "--streams"},
                                         {"run --chunk-size 256MiB --working-set 128MiB", "larger than the working set"},
                                         {"run --threads 3 --streams 2", "threads"},
                                         {"run --redis http://x:1", "invalid Redis endpoint"},
                                         {"run --op del", "--op"},
                                         {"run --bogus", "bogus"}}) {
    auto out = dir_ / "never.json";
    auto o = kvslo(c.args + " --out " + out.string());
    EXPECT_EQ(o.exit_code, 2) << c.args << "\n" << o.output;
    EXPECT_NE(o.output.find(c.message), std::string::npos) << c.args << "\n" << o.output;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
}

TEST_F(Cli, RunRefusesWhatDoesNotFitInMemory) {
  auto o = kvslo("run --working-set 900GiB --out " + (dir_ / "x.json").string());
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("only"), std::string::npos) << o.output;
}

TEST_F(Cli, PasswordNeverReachesResultsOrOutput) {
  EmbeddedRedisOptions options;
  options.requirepass = "hunter2-secret";
  EmbeddedRedis server(options);
  auto out = dir_ / "r.json";
  auto o = kvslo(std::string("run ") + kSmall + " --client zerocopy --redis redis://:hunter2-secret@127.0.0.1:" +
                 std::to_string(server.port()) + " --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(o.output.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("redis://:***@127.0.0.1"), std::string::npos);
  // From the environment too.
  ::setenv("KVSLO_REDIS_PASSWORD", "hunter2-secret", 1);
  o = kvslo(std::string("run ") + kSmall + " --client zerocopy --redis redis://127.0.0.1:" +
            std::to_string(server.port()) + " --out " + out.string());
  ::unsetenv("KVSLO_REDIS_PASSWORD");
  EXPECT_EQ(o.exit_code, 0) << o.output;
}

TEST_F(Cli, DeadServerIsReportedPerPointAndEarlierPointsStay) {
  EmbeddedRedis server;
  auto out = dir_ / "r.json";
  const std::string url = "redis://127.0.0.1:" + std::to_string(server.port());
  // Many small points; kill the server once the first has landed on disk.
  std::string cmd = std::string(KVSLO_BINARY) + " run " + kSmall +
                    " --client zerocopy --streams 1,2,3,4,1,2,3,4,1,2,3,4 --op-timeout-ms 1000 --redis " + url +
                    " --out " + out.string() + " >/dev/null 2>&1";
  std::thread runner([&] { (void)std::system(cmd.c_str()); });
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (fs::exists(out) && read(out)["points"].size() >= 1) break;
    } catch (...) {
    }
    std::this_thread::sleep_for(10ms);
  }
  server.kill_now();
  runner.join();
  auto j = read(out);  // still valid JSON
  ASSERT_GE(j["points"].size(), 1u);
  EXPECT_EQ(j["points"][0]["status"], "ok");
  ASSERT_EQ(j["points"].size(), 12u) << "every planned point is recorded, failed ones with their error";
  const auto& last = j["points"].back();
  EXPECT_EQ(last["status"], "failed");
  EXPECT_FALSE(last["failure"].is_null());
}

TEST_F(Cli, InterruptKeepsFinishedPointsAndStopsRedis) {
  auto out = dir_ / "r.json";
  pid_t child = ::fork();
  if (child == 0) {
    // Twenty trials a point: the remaining points outlast any stall of this
    // test's polling under load (with two they could all finish before Ctrl-C).
    std::string args = "--working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 20 --warmup 1 --client zerocopy "
                       "--interleave off --streams 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1";
    ::execl("/bin/sh", "sh", "-c", (std::string("exec ") + KVSLO_BINARY + " run " + args + " --out " + out.string() + " >/dev/null 2>&1").c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      if (fs::exists(out) && read(out)["points"].size() >= 2) break;
    } catch (...) {
    }
    std::this_thread::sleep_for(10ms);
  }
  ::kill(child, SIGINT);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  auto j = read(out);
  EXPECT_GE(j["points"].size(), 2u);
  EXPECT_LT(j["points"].size(), 16u);
  EXPECT_EQ(j["summary"]["interrupted"], true);
  // The embedded server was stopped: nothing answers on its port any more.
  const std::string endpoint = j["environment"]["redis"]["endpoint"];
  const auto port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  EXPECT_THROW(CommandChannel(net::Endpoint::tcp("127.0.0.1", port), 1000ms), net::NetError);
}

}  // namespace
}  // namespace kvslo
