#pragma once
// Rung 3 of the ladder: the client an inference engine would embed.
//
// `threads` workers each own their own connections (streams / threads of
// them) running the zero-copy core. A batch is cut into balanced contiguous
// tiles (one per thread, or about `tile_bytes` each); workers take tiles from
// a queue and pipeline within them. Up to `inflight` batches are served at
// once. When a batch's last tile is done it goes to a completion queue,
// signalled through one eventfd the caller can put in its own epoll/poll
// loop: the eventfd is readable exactly while completions are waiting, so
// wakeups coalesce (one per batch at most, fewer under load) and none is
// lost or stray. Nothing on the path polls or sleeps.
//
// Memory passed to submit_* must stay valid until the batch completes.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "batch_job.hpp"
#include "kv_client.hpp"

namespace kvslo {

class StreamDriver;

using BatchId = std::uint64_t;

struct CompletedBatch {
  BatchId id = 0;
  BatchResult result;
  BatchStages stages;
};

class TiledClient final : public KvClient {
 public:
  explicit TiledClient(ClientOptions options);
  // Batches not yet started complete as cancelled; every thread is joined.
  ~TiledClient() override;
  // What the destructor does, with the object left to drain: batches not yet
  // started complete as cancelled, batches being served finish (each within
  // the operation timeout), every thread is joined and every connection
  // closed. Later submits complete at once as cancelled. Idempotent.
  void shutdown();

  BatchId submit_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers);
  BatchId submit_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values);
  BatchId submit_exists(std::span<const std::string_view> keys, std::span<bool> present);
  // Readable (POLLIN) while completions wait; non-blocking, close-on-exec.
  int completion_fd() const { return event_fd_; }
  // Every finished batch not yet returned, oldest first. Never blocks.
  std::vector<CompletedBatch> drain_completions();
  // Blocks (on the eventfd) until batch `id` completes and returns it. Several
  // threads may wait at once; do not mix wait() with drain_completions()
  // called concurrently from another thread (the drain may consume the wakeup).
  CompletedBatch wait(BatchId id);

  BatchResult batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) override;
  BatchResult batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) override;
  BatchResult batch_exists(std::span<const std::string_view> keys, std::span<bool> present) override;
  std::string_view name() const override { return "tiled"; }
  std::vector<ConnectionInfo> connections() const override;

  std::optional<BatchStages> last_batch_stages() const override;

 private:
  struct Batch;
  struct Tile {
    std::shared_ptr<Batch> batch;
    KeyRange range;
  };

  BatchId submit(BatchJob job);
  void dispatch_locked();
  void worker_main(std::size_t index);
  void finish_tile(std::size_t worker, const Tile& tile);
  void complete_locked(const std::shared_ptr<Batch>& batch);
  BatchResult finish_sync(BatchId id);
  // Moves the completion queue out and clears the eventfd (mutex_ held).
  std::vector<CompletedBatch> take_completed_locked();

  ClientOptions options_;
  int event_fd_ = -1;
  std::vector<std::unique_ptr<StreamDriver>> drivers_;  // one per worker
  std::vector<std::thread> workers_;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  bool stopping_ = false;
  BatchId next_id_ = 1;
  std::deque<std::shared_ptr<Batch>> waiting_;  // submitted, not yet cut into tiles
  std::size_t active_batches_ = 0;              // cut into tiles, not yet complete
  std::deque<Tile> tiles_;
  std::deque<CompletedBatch> completed_;  // the eventfd is signalled iff this is non-empty
  std::deque<std::chrono::steady_clock::time_point> completed_at_;  // parallel to completed_
  std::vector<CompletedBatch> parked_;    // taken off the queue for a waiter
  std::vector<BatchId> waited_for_;       // ids wait() is blocked on
  bool poller_active_ = false;            // one waiter polls the eventfd, the others wait on waiter_cv_
  std::condition_variable waiter_cv_;
  std::vector<std::vector<ConnectionInfo>> worker_connections_;  // snapshots after each tile
  std::optional<BatchStages> last_stages_;  // of the last synchronous call
};

}  // namespace kvslo
