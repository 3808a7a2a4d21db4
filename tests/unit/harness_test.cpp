// Units, statistics, payload verification, the SLO verdict, atomic results.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "experiment/fields.hpp"
#include "experiment/models.hpp"
#include "experiment/point_spec.hpp"
#include "experiment/slo.hpp"
#include "experiment/units.hpp"
#include "measure/payload.hpp"
#include "measure/stats.hpp"
#include "system/results_file.hpp"

namespace kvslo {
namespace {

TEST(Units, ParsesBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("4MiB"), 4ull << 20);
  EXPECT_EQ(parse_size("512KiB"), 512ull << 10);
  EXPECT_EQ(parse_size("40MB"), 40'000'000ull);
  EXPECT_EQ(parse_size("1GB"), 1'000'000'000ull);
  EXPECT_EQ(parse_size("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_size("4096"), 4096ull);
  EXPECT_EQ(parse_size("7 B"), 7ull);
}

TEST(Units, RejectsWithTheAcceptedUnits) {
  for (const char* bad : {"", "MiB", "4M", "4mib", "1.3B", "-4MiB", "4MiBs", "1e3MB"}) {
    try {
      parse_size(bad);
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("KiB"), std::string::npos) << e.what();
    }
  }
}

TEST(Units, FormatsExactly) {
  EXPECT_EQ(format_size(4ull << 20), "4MiB");
  EXPECT_EQ(format_size(40'000'000), "40MB");
  EXPECT_EQ(format_size(1000), "1KB");
  EXPECT_EQ(format_size(1025), "1025B");
  EXPECT_EQ(format_gbps(2.345), "2.35 GB/s");
}

TEST(Stats, NearestRankPercentiles) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  auto p = summarize(v);
  EXPECT_EQ(p.count, 1000u);
  EXPECT_EQ(p.p50, 500);
  EXPECT_EQ(p.p90, 900);
  EXPECT_EQ(p.p99, 990);
  EXPECT_EQ(p.p999, 999);
  EXPECT_EQ(p.max, 1000);
  EXPECT_DOUBLE_EQ(p.mean, 500.5);
  auto one = summarize({7});
  EXPECT_EQ(one.p50, 7);
  EXPECT_EQ(one.p999, 7);
  EXPECT_EQ(summarize({}).count, 0u);
  auto s = spread({3, 1, 2, 10});
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 10);
}

TEST(Payload, VerifiesAndPinpointsCorruption) {
  std::vector<std::byte> a(4099), b(4099);
  fill_payload(17, a);
  EXPECT_FALSE(verify_payload(17, a));
  EXPECT_EQ(verify_payload(18, a), std::optional<std::size_t>(0));  // another key's chunk
  b = a;
  b[4097] ^= std::byte{1};
  EXPECT_EQ(verify_payload(17, b), std::optional<std::size_t>(4097));
  b = a;
  b[1000] ^= std::byte{0x80};
  EXPECT_EQ(verify_payload(17, b), std::optional<std::size_t>(1000));
}

TEST(Slo, VerdictGivesReasons) {
  Slo slo;
  PointFigures f{Op::kGet, 2.5, 100, 0, 0, true};
  auto v = judge(slo, f);
  EXPECT_TRUE(v.pass);
  ASSERT_FALSE(v.reasons.empty());
  EXPECT_NE(v.reasons[0].find("2.50 GB/s >= 2.00 GB/s"), std::string::npos);
  f.median_gbps = 1.5;
  EXPECT_FALSE(judge(slo, f).pass);
  f.median_gbps = 3;
  f.failed_keys = 2;
  v = judge(slo, f);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.reasons[0].find("2 keys failed"), std::string::npos);
  f.failed_keys = 0;
  slo.batch_p99_ms = 50;
  v = judge(slo, f);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.reasons.back().find("batch p99 100.00 ms > 50.00 ms"), std::string::npos);
  PointFigures set{Op::kSet, 1.0, 1, 0, 0, true};
  EXPECT_FALSE(judge(Slo{}, set).applicable);
  Slo store;
  store.store_gbps = 0.5;
  EXPECT_TRUE(judge(store, set).pass);
  EXPECT_TRUE(judge(store, set).applicable);
}

TEST(PointSpec, RejectsImpossiblePoints) {
  PointSpec p;
  EXPECT_NO_THROW(p.validate());
  auto expect_reject = [](PointSpec bad, const std::string& part) {
    try {
      bad.validate();
      ADD_FAILURE() << part;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  PointSpec q = p;
  q.working_set = 1 << 20;
  expect_reject(q, "larger than the working set");
  q = p;
  q.chunks_per_batch = 1000;
  expect_reject(q, "a batch must not read a key twice");
  q = p;
  q.client = "nope";
  expect_reject(q, "unknown client 'nope'");
  q = p;
  q.streams = 0;
  expect_reject(q, "streams");
  // An op is a type: an unknown name is refused where it is read (the field table).
  q = p;
  try {
    apply_field(q, "op", "del", "/op", Checker{"test"}, ModelTable{});
    ADD_FAILURE() << "op del";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("expected one of get, set, exists"), std::string::npos) << e.what();
  }
  EXPECT_EQ(p.batches(), 4u);  // 1 GiB / 4 MiB = 256 keys, 64 per batch
}

TEST(ResultsFile, WritesAtomicallyAndKeepsEveryPoint) {
  auto dir = std::filesystem::temp_directory_path() / ("kvslo-results-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "nested" / "run.json";
  ResultsFile f(path, {{"tool", "kvslo"}});
  f.write();
  f.add_point({{"index", 0}});
  f.write();
  f.add_point({{"index", 1}});
  f.write();
  std::ifstream in(path);
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["schema_version"], kResultsSchemaVersion);
  EXPECT_EQ(j["points"].size(), 2u);
  // No temp files left behind.
  std::size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(path.parent_path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
  EXPECT_THROW(write_file_atomically("/proc/kvslo-cannot-write/x.json", "{}"), std::runtime_error);
}

}  // namespace
}  // namespace kvslo
