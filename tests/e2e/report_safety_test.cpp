// What `kvslo report` must never do, as a fault matrix: delete or follow
// something at its output path that it did not make, print a traceback for a
// malformed results file, or wait forever on its helper process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"
#include "system/subprocess.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Outcome;
using json = nlohmann::json;

// What Python prints above a traceback (the test's own name holds "Traceback").
constexpr const char* kTraceback = "Traceback (most recent call last)";
constexpr const char* kSmall =
    "--client zerocopy --working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 2 --warmup 1";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

// Every entry under `root` (relative path -> contents, "<dir>" for directories),
// so a test can say a tree survived byte for byte.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto rel = fs::relative(e.path(), root).string();
    out[rel] = e.is_symlink() ? "<link>" + fs::read_symlink(e.path()).string()
                              : (e.is_directory() ? "<dir>" : slurp(e.path()));
  }
  return out;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

class ReportSafety : public testing::ScratchDirTest {
 protected:
  // A real results file (one small kvslo run), made once per test.
  fs::path results() {
    auto out = dir_ / "r.json";
    if (!fs::exists(out)) {
      const Outcome o = testing::run_kvslo(std::string("run ") + kSmall + " --out " + out.string());
      EXPECT_EQ(o.exit_code, 0) << o.output;
    }
    return out;
  }
  static Outcome report(const fs::path& results, const fs::path& out, const std::string& extra = "") {
    return testing::run_kvslo("report " + results.string() + " --out " + out.string() + " " + extra);
  }
  // A directory someone else owns: files and a subdirectory.
  static void make_user_tree(const fs::path& at) {
    fs::create_directories(at / "baselines");
    spit(at / "notes.txt", "mine, not kvslo's\n");
    spit(at / "baselines" / "ci-gate.json", "{\"keep\": true}\n");
  }
  static void expect_refused(const Outcome& o, const fs::path& path) {
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find(path.string()), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("was not made by kvslo report"), std::string::npos) << o.output;
    EXPECT_NE(o.output.find("nothing was written"), std::string::npos) << o.output;
    EXPECT_EQ(o.output.find(kTraceback), std::string::npos) << o.output;
  }
};

// Item 1: a directory at the report path that kvslo did not make survives.
TEST_F(ReportSafety, FaultMatrix_ReportNeverDeletesADirectoryItDidNotMake) {
  const auto input = results();
  const auto target = dir_ / "results";
  make_user_tree(target);
  const auto before = snapshot(target);
  const auto entries = names_in(dir_);
  expect_refused(report(input, target), target);
  EXPECT_EQ(snapshot(target), before);
  EXPECT_EQ(names_in(dir_), entries);  // no temp directory left beside it
}

// Item 1: the default output path (results path without .json) is guarded too.
TEST_F(ReportSafety, FaultMatrix_ReportWithoutOutNeverDeletesTheDirectoryBesideTheResults) {
  const auto input = results();
  const auto target = dir_ / "r";
  make_user_tree(target);
  const auto before = snapshot(target);
  const Outcome o = testing::run_kvslo("report " + input.string());
  expect_refused(o, target);
  EXPECT_EQ(snapshot(target), before);
}

// Item 1: a regular file at the report path is neither replaced nor deleted.
TEST_F(ReportSafety, FaultMatrix_ReportRefusesARegularFileAtItsPath) {
  const auto input = results();
  const auto target = dir_ / "report";
  spit(target, "a file that happens to sit here\n");
  expect_refused(report(input, target), target);
  EXPECT_EQ(slurp(target), "a file that happens to sit here\n");
}

// Item 1: a symlink at the report path is refused without following it, even
// when it points at a report kvslo made.
TEST_F(ReportSafety, FaultMatrix_ReportNeverFollowsASymlinkAtItsPath) {
  const auto input = results();
  const auto user_dir = dir_ / "elsewhere";
  make_user_tree(user_dir);
  const auto kvslo_made = dir_ / "made";
  ASSERT_EQ(report(input, kvslo_made).exit_code, 0);
  for (const auto& pointee : {user_dir, kvslo_made}) {
    const auto link = dir_ / "link";
    fs::remove(link);
    fs::create_directory_symlink(pointee, link);
    const auto before = snapshot(pointee);
    expect_refused(report(input, link), link);
    EXPECT_TRUE(fs::is_symlink(link)) << pointee;
    EXPECT_EQ(fs::read_symlink(link), pointee);
    EXPECT_EQ(snapshot(pointee), before) << pointee;
  }
}

// Item 1: a report replaces one it made itself, carries the marker, and leaves
// nothing else beside it.
TEST_F(ReportSafety, FaultMatrix_ReportReplacesOnlyItsOwnEarlierReport) {
  const auto input = results();
  const auto target = dir_ / "report";
  ASSERT_EQ(report(input, target).exit_code, 0);
  spit(target / "report.md", "stale");
  const auto entries = names_in(dir_);
  const Outcome o = report(input, target);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(slurp(target / "report.md"), "stale");
  EXPECT_TRUE(fs::exists(target / "report.html"));
  EXPECT_EQ(names_in(dir_), entries);  // no temp or set-aside directory left
  const auto marker = json::parse(slurp(target / ".kvslo-report"));
  EXPECT_EQ(marker["tool"], "kvslo report");
  EXPECT_TRUE(marker["version"].is_string());
  EXPECT_TRUE(marker["created_at"].is_string());
  EXPECT_EQ(marker["results"], fs::absolute(input).string());
}

// Item 1: replacing an earlier report never deletes the results file (or
// baseline) the new one is made from.
TEST_F(ReportSafety, FaultMatrix_ReportNeverReplacesADirectoryHoldingItsInput) {
  const auto target = dir_ / "report";
  ASSERT_EQ(report(results(), target).exit_code, 0);
  const auto inside = target / "copy.json";
  fs::copy_file(results(), inside);
  const auto text = slurp(inside);
  for (const auto& o : {report(inside, target), report(results(), target, "--baseline " + inside.string())}) {
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find(target.string() + " holds " + inside.string()), std::string::npos) << o.output;
    EXPECT_EQ(slurp(inside), text);
  }
}

// Item 1: `run --report` keeps user files where the report would go; the run
// keeps its own exit code and says the report failed.
TEST_F(ReportSafety, FaultMatrix_RunWithReportKeepsUserFilesWhereTheReportWouldGo) {
  const auto target = dir_ / "results";
  make_user_tree(target);
  const auto before = snapshot(target);
  const Outcome o =
      testing::run_kvslo(std::string("run ") + kSmall + " --report --out " + (dir_ / "results.json").string());
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("the report failed"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find(target.string()), std::string::npos) << o.output;
  EXPECT_TRUE(fs::exists(dir_ / "results.json"));
  EXPECT_EQ(snapshot(target), before);
}

// Item 16: a malformed results (or baseline) file is refused naming the file
// and the field, with no traceback and no report directory.
TEST_F(ReportSafety, FaultMatrix_MalformedFieldsAreNamedWithoutATraceback) {
  const auto good = json::parse(slurp(results()));
  struct Case {
    std::string name, pointer;
    json value;
    std::string message;
  };
  const json bad_row = {{"group", "get 1MiB"}, {"client", "zerocopy"}, {"peer", false}, {"variant", ""},
                        {"pipeline_depth", 8}, {"threads", 1}, {"status", "ok"}, {"median_gbps", nullptr},
                        {"cpu_seconds_per_gb", 0.1}};
  json good_row = bad_row;
  good_row["median_gbps"] = 2.0;
  const std::vector<Case> cases{
      {"null-median", "/points/0/throughput_gbps/median", nullptr,
       "field points[0].throughput_gbps.median has the wrong type (null); expected a number"},
      {"string-median", "/points/0/throughput_gbps/median", "fast",
       "field points[0].throughput_gbps.median has the wrong type (string); expected a number"},
      {"bool-median", "/points/0/throughput_gbps/median", true,
       "field points[0].throughput_gbps.median has the wrong type (bool); expected a number"},
      {"sample-string", "/points/0/batch_latency_samples_ms/1", "slow",
       "field points[0].batch_latency_samples_ms[1] has the wrong type (string); expected a number"},
      {"samples-object", "/points/0/batch_latency_samples_ms", json::object(),
       "field points[0].batch_latency_samples_ms has the wrong type (object)"},
      {"streams-string", "/points/0/parameters/streams", "2",
       "field points[0].parameters.streams has the wrong type (string); expected a number"},
      {"client-number", "/points/0/parameters/client", 7,
       "field points[0].parameters.client has the wrong type (number); expected a string"},
      {"sndbuf-word", "/points/0/parameters/sndbuf_requested", "big",
       "field points[0].parameters.sndbuf_requested has the wrong type (string)"},
      {"points-object", "/points", json::object(), "field points has the wrong type (object); expected a list"},
      {"point-number", "/points/0", 5, "field points[0] has the wrong type (number); expected an object"},
      {"slo-null", "/slo/retrieval_gbps", nullptr,
       "field slo.retrieval_gbps has the wrong type (null); expected a number"},
      {"p99-null", "/points/0/batch_latency/p99", nullptr, "field points[0].batch_latency.p99 has the wrong type (null)"},
      {"errors-string", "/points/0/errors", "oops", "field points[0].errors has the wrong type (string)"},
      {"status-null", "/points/0/status", nullptr, "field points[0].status has the wrong type (null)"},
      {"stages-empty", "/points/0/stages", json::object(), "field points[0].stages.queue_wait is missing"},
      {"host-null", "/environment/host", nullptr, "field environment.host has the wrong type (null)"},
      {"created-number", "/created_at", 20240101, "field created_at has the wrong type (number)"},
      {"wire-streams", "/network", {{"wire", {{{"streams", "1"}, {"gbps", 1.0}, {"length_bytes", 131072}}}}},
       "field network.wire[0].streams has the wrong type (string)"},
      {"side-median", "/side_by_side", {{"table", {bad_row}}},
       "field side_by_side.table[0].median_gbps has the wrong type (null)"},
      {"bars-null", "/side_by_side", {{"table", {good_row}}, {"bars", nullptr}},
       "field side_by_side.bars has the wrong type (null); expected a list of objects"},
  };
  const auto entries = names_in(dir_);
  for (const auto& c : cases) {
    json doc = good;
    doc[json::json_pointer(c.pointer)] = c.value;
    const auto file = dir_ / (c.name + ".json");
    spit(file, doc.dump());
    const auto target = dir_ / (c.name + "-report");
    // As the results, and as the baseline of a good results file.
    for (const auto& o : {report(file, target), report(results(), target, "--baseline " + file.string())}) {
      EXPECT_EQ(o.exit_code, 2) << c.name << "\n" << o.output;
      EXPECT_NE(o.output.find(file.string() + ": " + c.message), std::string::npos) << c.name << "\n" << o.output;
      EXPECT_EQ(o.output.find(kTraceback), std::string::npos) << c.name << "\n" << o.output;
      EXPECT_FALSE(fs::exists(target)) << c.name;
    }
    fs::remove(file);
  }
  EXPECT_EQ(names_in(dir_), entries);
}

// A version-2 results file: each point says what it is and how it is named.
// Fields kvslo already wrote are kept; the rest are filled in plainly.
json as_schema_two(json doc) {
  doc["schema_version"] = 2;
  for (auto& p : doc["points"]) {
    if (p.contains("label")) continue;
    p["label"] = p["parameters"]["client"].get<std::string>() + " point";
    p["variant"] = "";
    p["identity"] = p["parameters"];
    p["client_info"] = {{"kind", "kvslo"}, {"rung", nullptr}, {"judged_by_slo", true}, {"moves_redis_data", true}};
    p["outcome"] = {{"status", p["status"]}, {"verdict", "FAIL"}, {"may_be_best", true}};
  }
  return doc;
}

// The report shows a version-2 point's own variant and verdict rather than
// rebuilding them from its parameters; a version it does not know is refused.
TEST_F(ReportSafety, SchemaTwo_TheReportShowsWhatEachPointSaysOfItself) {
  json doc = as_schema_two(json::parse(slurp(results())));
  doc["points"][0]["variant"] = "marked-variant";
  doc["points"][0]["outcome"]["verdict"] = "FAILED";
  doc["points"][0]["server_cpu_seconds_per_gb"] = 0.4567;
  const auto file = dir_ / "v2.json";
  spit(file, doc.dump());
  const Outcome o = report(file, dir_ / "v2-report");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const std::string md = slurp(dir_ / "v2-report" / "report.md");
  EXPECT_NE(md.find("| marked-variant |"), std::string::npos) << md;
  EXPECT_NE(md.find("| FAILED |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.457 |"), std::string::npos) << md;  // Redis CPU s/GB beside the client's
  EXPECT_NE(md.find("batch ms p50 / p99 / max (n)"), std::string::npos) << md;  // every percentile with its count

  doc["schema_version"] = 3;
  spit(file, doc.dump());
  const Outcome refused = report(file, dir_ / "v3-report");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find(file.string() + ": schema_version is 3"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find(kTraceback), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(dir_ / "v3-report"));
}

// The fields a version-2 point adds are checked like the rest: a wrong type or
// an unknown value is named, never a traceback.
TEST_F(ReportSafety, FaultMatrix_MalformedSchemaTwoFieldsAreNamedWithoutATraceback) {
  const json good = as_schema_two(json::parse(slurp(results())));
  struct Case {
    std::string pointer;
    json value;
    std::string message;
  };
  const std::vector<Case> cases{
      {"/points/0/label", 5, "field points[0].label has the wrong type (number); expected a string"},
      {"/points/0/variant", nullptr, "field points[0].variant has the wrong type (null); expected a string"},
      {"/points/0/identity", json::array(), "field points[0].identity has the wrong type (list); expected an object"},
      {"/points/0/client_info", nullptr, "field points[0].client_info has the wrong type (null); expected an object"},
      {"/points/0/client_info/kind", "alien", "field points[0].client_info.kind is \"alien\"; expected one of"},
      {"/points/0/client_info/rung", 1.5,
       "field points[0].client_info.rung has the wrong type (number); expected an integer or null"},
      {"/points/0/client_info/moves_redis_data", "yes",
       "field points[0].client_info.moves_redis_data has the wrong type (string); expected true or false"},
      {"/points/0/outcome/status", "done", "field points[0].outcome.status is \"done\"; expected one of"},
      {"/points/0/outcome/verdict", "pass", "field points[0].outcome.verdict is \"pass\"; expected one of"},
      {"/points/0/outcome/may_be_best", 1,
       "field points[0].outcome.may_be_best has the wrong type (number); expected true or false"},
  };
  const auto target = dir_ / "v2-bad-report";
  for (const auto& c : cases) {
    json doc = good;
    doc[json::json_pointer(c.pointer)] = c.value;
    const auto file = dir_ / "v2-bad.json";
    spit(file, doc.dump());
    const Outcome o = report(file, target);
    EXPECT_EQ(o.exit_code, 2) << c.pointer << "\n" << o.output;
    EXPECT_NE(o.output.find(file.string() + ": " + c.message), std::string::npos) << c.pointer << "\n" << o.output;
    EXPECT_EQ(o.output.find(kTraceback), std::string::npos) << c.pointer << "\n" << o.output;
    EXPECT_FALSE(fs::exists(target)) << c.pointer;
  }
}

// Item 18: a helper that outlives its timeout is stopped, reaped, and reported as 124.
TEST_F(ReportSafety, FaultMatrix_RunProcessStopsAChildThatOutlivesItsTimeout) {
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(run_process({"/bin/sleep", "30"}, true, 300ms), 124);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // nothing left unreaped
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(run_process({"/bin/sh", "-c", "exit 7"}, true, 10s), 7);
}

void ignore_signal(int) {}

// Item 18: a signal arriving while kvslo waits for its helper does not lose
// the helper's exit code or leave it unreaped.
TEST_F(ReportSafety, FaultMatrix_RunProcessSurvivesASignalWhileWaiting) {
  struct sigaction action {};
  action.sa_handler = ignore_signal;  // no SA_RESTART: the wait sees EINTR
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGALRM, &action, &previous), 0);
  itimerval every_50ms{{0, 50'000}, {0, 50'000}};
  ::setitimer(ITIMER_REAL, &every_50ms, nullptr);
  const int code = run_process({"/bin/sh", "-c", "sleep 0.5; exit 7"}, true, 10s);
  itimerval off{};
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &previous, nullptr);
  EXPECT_EQ(code, 7);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace kvslo
