// Many client hosts, the parts that need no MPI: how ranks share the keys,
// which points a run of N ranks can measure, how a trial of several ranks
// is combined on one clock, and the messages between ranks.
#include <gtest/gtest.h>

#include <set>

#include "experiment/scenario.hpp"
#include "fleet/fleet_messages.hpp"
#include "fleet/fleet_plan.hpp"
#include "fleet/fleet_trial.hpp"
#include "measure/key_share.hpp"

namespace kvslo {
namespace {

PointSpec sixteen_batches() {
  PointSpec p;
  p.chunk_size = 1 << 20;
  p.chunks_per_batch = 4;
  p.working_set = 66ull << 20;  // 66 keys: 16 whole batches and 2 keys over
  return p;
}

TEST(KeyShare, SplitGivesEachRankItsOwnWholeBatches) {
  const PointSpec p = sixteen_batches();
  std::set<std::size_t> seen;
  std::size_t batches = 0;
  for (int r = 0; r < 3; ++r) {
    const KeyShare s = key_share(p, r, 3);
    EXPECT_EQ(s.first % p.chunks_per_batch, 0u) << "a share starts at a batch";
    EXPECT_EQ(s.count % p.chunks_per_batch, 0u);
    EXPECT_EQ(s.batches, s.count / p.chunks_per_batch) << "one pass over its share per trial";
    batches += s.batches;
    for (std::size_t k = s.first; k < s.first + s.count; ++k) EXPECT_TRUE(seen.insert(k).second) << "key " << k << " in two shares";
  }
  EXPECT_EQ(batches, 16u) << "together, one pass over the working set's whole batches";
  EXPECT_EQ(*seen.rbegin(), 63u);
}

TEST(KeyShare, SharedOrAloneReadsTheWholeWorkingSet) {
  PointSpec p = sixteen_batches();
  const KeyShare alone = key_share(p, 0, 1);
  EXPECT_EQ(alone.first, 0u);
  EXPECT_EQ(alone.count, 66u);
  EXPECT_EQ(alone.batches, p.batches());
  p.fleet_keys = FleetKeys::kShared;
  const KeyShare shared = key_share(p, 2, 3);
  EXPECT_EQ(shared.first, 0u);
  EXPECT_EQ(shared.count, 66u);
  p.fleet_keys = FleetKeys::kSplit;
  p.batches_per_trial = 5;
  EXPECT_EQ(key_share(p, 1, 3).batches, 5u) << "batches_per_trial holds for every rank";
}

TEST(KeyShare, SplitRefusesARankWithoutAWholeBatch) {
  PointSpec p = sixteen_batches();
  p.working_set = 8ull << 20;  // 2 batches
  try {
    key_share(p, 0, 3);
    FAIL() << "three ranks cannot split two batches";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2 whole batches of 4 chunks, fewer than the 3 ranks"), std::string::npos) << e.what();
  }
}

TEST(FleetPlan, SkipsWhatTheRanksCannotMeasureAndSaysWhy) {
  PointSpec ours = sixteen_batches(), two = ours, peer = ours, peer_alone = ours, tiny = ours;
  two.ranks = 2;
  peer.client = "redis-py";
  peer_alone.client = "redis-py";
  peer_alone.ranks = 1;
  tiny.working_set = 4ull << 20;  // one batch
  std::vector<PointSpec> points{ours, two, peer, peer_alone, tiny};
  std::vector<SkippedPoint> skipped;
  fleet::fit_points_to_ranks(points, skipped, 3);
  ASSERT_EQ(points.size(), 3u);  // ours, two, the peer on rank 0 alone
  EXPECT_EQ(points[0].ranks, 3) << "all, counted";
  ASSERT_EQ(skipped.size(), 2u);
  EXPECT_NE(skipped[0].reason.find("redis-py is measured by rank 0 alone"), std::string::npos) << skipped[0].reason;
  EXPECT_NE(skipped[1].reason.find("fewer than the 3 ranks"), std::string::npos) << skipped[1].reason;

  std::vector<PointSpec> alone{ours, two};
  skipped.clear();
  fleet::fit_points_to_ranks(alone, skipped, 1);
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_NE(skipped.at(0).reason.find("kvslo runs alone (start it with mpirun -n 2 or more)"), std::string::npos);
  // Ranks 1 and "all" alone are one measurement, as a run without mpirun makes it: measured once.
  PointSpec one = ours;
  one.ranks = 1;
  std::vector<PointSpec> same{one, ours};
  skipped.clear();
  fleet::fit_points_to_ranks(same, skipped, 1);
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(same[0].ranks, 0) << "alone, the point keeps the identity of a run without mpirun";
  EXPECT_EQ(same[0].client, "zerocopy");
  EXPECT_NE(skipped.at(0).reason.find("with 1 rank, the same point as another"), std::string::npos) << skipped.at(0).reason;
  // Under mpirun "all" is counted: the fleet's point never shares its identity with one measured alone.
  std::vector<PointSpec> fleet_points{ours, one};
  skipped.clear();
  fleet::fit_points_to_ranks(fleet_points, skipped, 2);
  ASSERT_EQ(fleet_points.size(), 2u);
  EXPECT_EQ(fleet_points[0].ranks, 2);
  EXPECT_EQ(fleet_points[1].ranks, 1);
  EXPECT_NE(fleet_points[0].to_json().dump(), ours.to_json().dump());
  std::vector<PointSpec> none{two};
  EXPECT_THROW(fleet::fit_points_to_ranks(none, skipped, 1), std::invalid_argument);
}

TrialFigures ran(double begin, std::vector<std::pair<double, std::uint64_t>> marks, double cpu) {
  TrialFigures t;
  t.window_begin = begin;
  t.window_end = marks.back().first;
  t.batch_marks = std::move(marks);
  t.bytes = t.batch_marks.back().second;
  t.batches = t.batch_marks.size();
  t.cpu_seconds = cpu;
  return t;
}

TEST(FleetTrial, AggregateIsEveryRanksBytesOverTheFleetsWindow) {
  // Rank 0: 100.0-101.0 s, 2 GB in two batches; rank 1 starts 10 ms later
  // and ends at 102.0 s with 3 GB.
  const std::vector<fleet::RankTrial> ranks{
      {0, ran(100.0, {{100.5, 1'000'000'000}, {101.0, 2'000'000'000}}, 0.2)},
      {1, ran(100.01, {{100.6, 1'000'000'000}, {101.2, 2'000'000'000}, {102.0, 3'000'000'000}}, 0.3)}};
  const fleet::FleetTrial t = fleet::combine_trial(ranks, 99.0);
  EXPECT_EQ(t.aggregate.bytes, 5'000'000'000u) << "the sum of the ranks' bytes";
  EXPECT_DOUBLE_EQ(t.aggregate.seconds, 2.0) << "last end - first start";
  EXPECT_DOUBLE_EQ(t.aggregate.gbps(), 2.5);
  EXPECT_DOUBLE_EQ(t.aggregate.cpu_seconds, 0.5);
  EXPECT_EQ(t.aggregate.batches, 5u);
  EXPECT_DOUBLE_EQ(t.record["gbps"], 2.5);
  EXPECT_NEAR(t.record["start_skew_s"].get<double>(), 0.01, 1e-9);
  // First done at 101.0 s: rank 0's 2 GB, rank 1's first batch (1 GB) and
  // two thirds of its second (100.6-101.2 s, 0.4 s of it past), in 1 s.
  EXPECT_DOUBLE_EQ(t.record["first_done_s"], 1.0);
  EXPECT_NEAR(t.record["first_done_gbps"].get<double>(), 3.0 + 2.0 / 3.0, 1e-9);
  EXPECT_DOUBLE_EQ(t.record["last_done_s"], 2.0);
  ASSERT_EQ(t.record["ranks"].size(), 2u);
  EXPECT_DOUBLE_EQ(t.record["ranks"][0]["gbps"], 2.0);
  EXPECT_NEAR(t.record["ranks"][1]["gbps"].get<double>(), 3.0 / 1.99, 1e-9);
  EXPECT_DOUBLE_EQ(t.record["ranks"][0]["begin_s"], 1.0) << "times count from the origin given";
}

TEST(FleetTrial, ARankWithoutAWindowIsRefused) {
  TrialFigures none;
  EXPECT_THROW(fleet::combine_trial({{1, none}}, 0), std::invalid_argument);
  EXPECT_THROW(fleet::combine_trial({}, 0), std::invalid_argument);
}

TEST(FleetMessages, FiguresAndEndpointsCrossWhole) {
  TrialFigures t = ran(5.5, {{6.0, 10}, {6.5, 20}}, 0.25);
  t.failed_keys = 1;
  const TrialFigures back = fleet::trial_from(fleet::unpack(fleet::pack(fleet::trial_message(t))));
  EXPECT_EQ(back.bytes, 20u);
  EXPECT_EQ(back.failed_keys, 1u);
  EXPECT_DOUBLE_EQ(back.window_begin, 5.5);
  EXPECT_EQ(back.batch_marks, t.batch_marks);

  net::Endpoint e = net::Endpoint::parse("rediss://kv:s3cret@10.0.0.7:6380");
  e.tls->ca_file = "/etc/kv/ca.pem";
  const net::Endpoint again = fleet::endpoint_from(fleet::unpack(fleet::pack(fleet::endpoint_message(e))));
  EXPECT_EQ(again.host, "10.0.0.7");
  EXPECT_EQ(again.port, 6380);
  EXPECT_EQ(again.password, "s3cret") << "the other ranks must be able to AUTH";
  ASSERT_TRUE(again.tls);
  EXPECT_EQ(again.tls->ca_file, "/etc/kv/ca.pem");
  EXPECT_THROW(fleet::unpack("\xc1"), std::runtime_error) << "0xc1 is never MessagePack";
}

TEST(FleetMessages, ARanksErrorsAreKeptWithItsName) {
  PointMeasurement rank1;
  rank1.batch_latency_ns = {1, 2};
  rank1.status_counts[static_cast<std::size_t>(KeyStatus::kMissing)] = 3;
  rank1.keep_error("key k:7: missing");
  PointMeasurement fleet;
  fleet.batch_latency_ns = {5};
  fleet::merge_measurement(fleet::unpack(fleet::pack(fleet::measurement_message(rank1))), "rank 1 (host-b)", fleet);
  EXPECT_EQ(fleet.batch_latency_ns.size(), 3u);
  EXPECT_EQ(fleet.status_counts[static_cast<std::size_t>(KeyStatus::kMissing)], 3u);
  ASSERT_EQ(fleet.errors.size(), 1u);
  EXPECT_EQ(fleet.errors[0], "rank 1 (host-b): key k:7: missing");
}

}  // namespace
}  // namespace kvslo
