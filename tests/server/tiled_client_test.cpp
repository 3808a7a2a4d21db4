// The tiled client's own contract: tiles, eventfd completion semantics under
// stress, stage timings, per-worker bytes, and shutdown with batches in flight.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <set>
#include <thread>

#include "measure/payload.hpp"
#include "system/embedded_redis.hpp"
#include "tiled/tiled_client.hpp"
#include "zerocopy/zerocopy_client.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;

class TiledClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<EmbeddedRedis>(); }
  static void TearDownTestSuite() { server_.reset(); }
  ClientOptions options(int threads, int streams) const {
    ClientOptions o;
    o.endpoint = server_->endpoint();
    o.threads = threads;
    o.streams = streams;
    o.pipeline_depth = 4;
    return o;
  }
  // Stores n chunks of `size` bytes under prefix:i and returns their keys.
  std::vector<std::string> store(const std::string& prefix, std::size_t n, std::size_t size) {
    std::vector<std::string> names;
    std::vector<std::vector<std::byte>> values(n, std::vector<std::byte>(size));
    std::vector<std::string_view> keys;
    std::vector<ConstBuffer> spans;
    for (std::size_t i = 0; i < n; ++i) names.push_back(prefix + ":" + std::to_string(i));
    for (std::size_t i = 0; i < n; ++i) {
      fill_payload(i, values[i]);
      keys.push_back(names[i]);
      spans.push_back(values[i]);
    }
    ZeroCopyClient loader(options(1, 1));
    EXPECT_TRUE(loader.batch_set(keys, spans).all_ok());
    return names;
  }
  static std::unique_ptr<EmbeddedRedis> server_;
};

std::unique_ptr<EmbeddedRedis> TiledClientTest::server_;

struct Reads {
  std::vector<std::string_view> keys;
  std::vector<std::byte> tile;
  std::vector<MutableBuffer> buffers;
  Reads(const std::vector<std::string>& names, std::size_t size) : tile(names.size() * size) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      keys.push_back(names[i]);
      buffers.push_back({tile.data() + i * size, size});
    }
  }
};

TEST_F(TiledClientTest, MoreTilesThanThreadsAndPerWorkerBytes) {
  auto names = store("tiles", 10, 64 * 1024);
  auto o = options(2, 2);
  o.tile_bytes = 100 * 1024;  // 640 KiB in about 100 KiB tiles: 7 tiles for 2 threads
  TiledClient c(o);
  Reads r(names, 64 * 1024);
  auto id = c.submit_get(r.keys, r.buffers);
  auto done = c.wait(id);
  EXPECT_TRUE(done.result.all_ok()) << done.result.first_failure();
  EXPECT_EQ(done.stages.tiles, 7u);
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_FALSE(verify_payload(i, r.buffers[i])) << i;
  ASSERT_EQ(done.stages.worker_bytes.size(), 2u);
  EXPECT_EQ(done.stages.worker_bytes[0] + done.stages.worker_bytes[1], 10u * 64 * 1024);
  EXPECT_GT(done.stages.transfer_ns, 0u);
}

TEST_F(TiledClientTest, OneKeyAndMoreThreadsThanKeys) {
  auto names = store("few", 3, 1000);
  TiledClient c(options(4, 4));
  const std::vector<std::string> first{names[0]};  // Reads keeps views into it
  Reads one(first, 1000);
  auto r = c.batch_get(one.keys, one.buffers);
  EXPECT_TRUE(r.all_ok());
  EXPECT_EQ(c.last_batch_stages()->tiles, 1u);
  Reads three(names, 1000);
  EXPECT_TRUE(c.batch_get(three.keys, three.buffers).all_ok());
  EXPECT_EQ(c.last_batch_stages()->tiles, 3u);  // no empty tiles
}

TEST_F(TiledClientTest, EventfdIsReadableExactlyWhileCompletionsWait) {
  auto names = store("efd", 4, 4096);
  TiledClient c(options(2, 2));
  pollfd p{c.completion_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // nothing yet
  EXPECT_TRUE(c.drain_completions().empty());
  Reads a(names, 4096), b(names, 4096);
  auto ida = c.submit_get(a.keys, a.buffers);
  auto idb = c.submit_get(b.keys, b.buffers);
  std::set<BatchId> seen;
  while (seen.size() < 2) {
    ASSERT_EQ(::poll(&p, 1, 5000), 1);  // never a hang
    auto done = c.drain_completions();
    EXPECT_FALSE(done.empty()) << "stray wakeup";
    for (auto& d : done) {
      EXPECT_TRUE(d.result.all_ok());
      seen.insert(d.id);
    }
  }
  EXPECT_EQ(seen, (std::set<BatchId>{ida, idb}));
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // drained: not readable
}

TEST_F(TiledClientTest, NoLostOrStrayWakeupsUnderStress) {
  auto names = store("stress", 8, 256);
  auto o = options(2, 2);
  o.inflight = 4;
  TiledClient c(o);
  constexpr int kPerSubmitter = 5000;
  std::atomic<int> completed{0};
  std::atomic<int> stray{0};
  std::atomic<int> failed{0};
  // Each submitter reads the same keys into its own buffers; memory must stay
  // valid until completion, so each keeps one buffer set per batch slot.
  Reads r1(names, 256), r2(names, 256);
  // Batches in flight at once must not share output memory: one slot row per batch.
  std::vector<std::unique_ptr<bool[]>> present;
  present.push_back(std::make_unique<bool[]>(8 * kPerSubmitter));
  present.push_back(std::make_unique<bool[]>(8 * kPerSubmitter));
  auto submit_many = [&](Reads& r, bool* slots) {
    for (int i = 0; i < kPerSubmitter; ++i) {
      std::size_t n = 1 + static_cast<std::size_t>(i % 8);
      c.submit_exists(std::span(r.keys).first(n), std::span(slots + 8 * i, n));
    }
  };
  std::thread drainer([&] {
    pollfd p{c.completion_fd(), POLLIN, 0};
    while (completed < 2 * kPerSubmitter) {
      if (::poll(&p, 1, 10000) != 1) break;  // a lost wakeup would stall here
      auto done = c.drain_completions();
      if (done.empty()) ++stray;
      for (auto& d : done) {
        if (!d.result.all_ok()) ++failed;
        ++completed;
      }
    }
  });
  std::thread s1([&] { submit_many(r1, present[0].get()); });
  std::thread s2([&] { submit_many(r2, present[1].get()); });
  s1.join();
  s2.join();
  drainer.join();
  EXPECT_EQ(completed, 2 * kPerSubmitter);
  EXPECT_EQ(stray, 0);
  EXPECT_EQ(failed, 0);
}

TEST_F(TiledClientTest, ConcurrentSynchronousCallers) {
  auto names = store("sync", 6, 2048);
  TiledClient c(options(2, 3));
  auto caller = [&] {
    Reads r(names, 2048);
    for (int i = 0; i < 200; ++i) {
      auto result = c.batch_get(r.keys, r.buffers);
      ASSERT_TRUE(result.all_ok()) << result.first_failure();
    }
  };
  std::thread a(caller), b(caller), d(caller);
  a.join();
  b.join();
  d.join();
}

TEST_F(TiledClientTest, DestroyWithBatchesInFlightCancelsAndJoins) {
  EmbeddedRedis own;
  auto o = options(2, 2);
  o.endpoint = own.endpoint();
  o.op_timeout = 500ms;
  o.inflight = 1;
  std::vector<std::string> names{"a", "b", "c", "d"};
  Reads r(names, 16);
  own.pause();  // the first batch stalls; the rest wait behind it
  const auto start = std::chrono::steady_clock::now();
  {
    TiledClient c(o);
    for (int i = 0; i < 5; ++i) c.submit_get(r.keys, r.buffers);
    std::this_thread::sleep_for(50ms);
  }  // destructor: must not hang, must not leak (ASan), must join (TSan)
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  own.resume();
}

TEST_F(TiledClientTest, CancelledBatchesReportCancelled) {
  EmbeddedRedis own;
  auto o = options(1, 1);
  o.endpoint = own.endpoint();
  o.op_timeout = 300ms;
  o.inflight = 1;
  auto c = std::make_unique<TiledClient>(o);
  std::vector<std::string> names{"x"};
  Reads r(names, 16);
  own.pause();
  auto first = c->submit_get(r.keys, r.buffers);
  auto second = c->submit_get(r.keys, r.buffers);
  auto done = c->wait(first);  // times out
  EXPECT_EQ(done.result.keys[0].status, KeyStatus::kTimeout);
  (void)second;
  // `second` is now being served (it will time out too); a third waits and is cancelled.
  c->submit_get(r.keys, r.buffers);
  c.reset();
  own.resume();
}

}  // namespace
}  // namespace kvslo
