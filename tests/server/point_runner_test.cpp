// The point runner against a real redis-server: what only a live server shows.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "measure/point_runner.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

TEST(OpenLoop, LatencyCountsFromTheIntendedStart) {
  EmbeddedRedis server;
  std::atomic<bool> stop{false};
  PointRunner runner(server.endpoint(), stop);
  PointSpec spec;
  spec.client = "zerocopy";
  spec.chunk_size = 1 << 20;
  spec.chunks_per_batch = 16;
  spec.working_set = 64 << 20;
  spec.trials = 1;
  spec.warmup_batches = 1;
  spec.batches_per_trial = 20;
  // Offered far above what one connection serves: each batch arrives 1 ms
  // after the previous one, but takes several ms to serve, so batches queue.
  spec.arrival = {ArrivalMode::kConstant, 1000.0, 1};
  PointMeasurement open = runner.run(spec);
  ASSERT_TRUE(open.failure.empty()) << open.failure;
  ASSERT_EQ(open.batch_latency_ns.size(), 20u);
  spec.arrival = Arrival{};
  PointMeasurement closed = runner.run(spec);
  ASSERT_EQ(closed.batch_latency_ns.size(), 20u);
  // The first point loaded the dataset and waited for the idle server; the second reused it.
  ASSERT_TRUE(open.quiet_wait.has_value());
  EXPECT_TRUE(open.quiet_wait->quiet) << open.quiet_wait->to_json().dump();
  EXPECT_EQ(open.to_json(Slo{})["server_quiet_wait"]["quiet"], true);
  EXPECT_FALSE(closed.quiet_wait.has_value());
  EXPECT_FALSE(closed.to_json(Slo{}).contains("server_quiet_wait"));
  // Closed loop: each latency is a service time. Open loop: the last batch
  // waited behind the 19 before it, so its latency is far above any single
  // service time (no coordinated omission).
  const double service_max = *std::max_element(closed.batch_latency_ns.begin(), closed.batch_latency_ns.end());
  const double service_min = *std::min_element(closed.batch_latency_ns.begin(), closed.batch_latency_ns.end());
  EXPECT_GT(open.batch_latency_ns.back(), 5 * service_min) << "service " << service_min << ".." << service_max;
  EXPECT_GT(open.batch_latency_ns.back(), open.batch_latency_ns.front());
  // Latency never undercounts service: each open-loop latency includes its own service time.
  for (double v : open.batch_latency_ns) EXPECT_GE(v, service_min * 0.5);
}

}  // namespace
}  // namespace kvslo
