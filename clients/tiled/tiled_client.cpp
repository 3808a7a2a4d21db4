#include "tiled/tiled_client.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "zerocopy/stream_driver.hpp"

namespace kvslo {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t ns_between(Clock::time_point a, Clock::time_point b) {
  return b > a ? static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()) : 0;
}

std::uint64_t key_bytes(const BatchJob& job, std::size_t i) {
  switch (job.kind) {
    case OpKind::kGet: return job.outcome(i).value_size;
    case OpKind::kSet: return job.values[i].size();
    case OpKind::kExists: return 0;
  }
  return 0;
}

}  // namespace

struct TiledClient::Batch {
  BatchId id = 0;
  BatchJob job;
  BatchResult result;
  Clock::time_point submitted;
  Clock::time_point first_start;
  bool started = false;
  std::size_t tiles = 0;
  std::size_t tiles_left = 0;
  std::vector<std::uint64_t> worker_bytes;
};

TiledClient::TiledClient(ClientOptions options) : options_((options.validate(), std::move(options))) {
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  const auto threads = static_cast<std::size_t>(options_.threads);
  worker_connections_.resize(threads);
  for (std::size_t w = 0; w < threads; ++w) {
    const auto streams = balanced_range(static_cast<std::size_t>(options_.streams), threads, w).size();
    drivers_.push_back(std::make_unique<StreamDriver>(options_, static_cast<int>(streams)));
  }
  try {
    for (std::size_t w = 0; w < threads; ++w) workers_.emplace_back([this, w] { worker_main(w); });
  } catch (...) {
    shutdown();  // a thread that could not start: join those that did, rather than terminate
    ::close(event_fd_);
    throw;
  }
}

TiledClient::~TiledClient() {
  shutdown();
  ::close(event_fd_);
}

void TiledClient::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    // Tiles no worker has started are cancelled; tiles being served finish
    // (each within the operation timeout) and complete their batches.
    while (!tiles_.empty()) {
      Tile tile = std::move(tiles_.front());
      tiles_.pop_front();
      fail_unserved(tile.batch->job, tile.range, KeyStatus::kCancelled, "client closed before the key was served");
      if (--tile.batch->tiles_left == 0) {
        --active_batches_;
        complete_locked(tile.batch);
      }
    }
    while (!waiting_.empty()) {
      auto batch = std::move(waiting_.front());
      waiting_.pop_front();
      fail_unserved(batch->job, {0, batch->job.size()}, KeyStatus::kCancelled, "client closed before the batch started");
      complete_locked(batch);
    }
  }
  work_ready_.notify_all();
  // workers_ stays (joined): submit() reads its size without the lock.
  for (auto& t : workers_) t.join();
  drivers_.clear();  // closes the connections
}

BatchId TiledClient::submit(BatchJob job) {
  auto batch = std::make_shared<Batch>();
  batch->result = BatchResult(job.size());
  batch->job = job;
  batch->job.result = &batch->result;
  batch->job.fixed_size = options_.fixed_size;
  batch->worker_bytes.assign(workers_.size(), 0);
  batch->submitted = Clock::now();
  std::lock_guard lock(mutex_);
  batch->id = next_id_++;
  if (stopping_) {
    fail_unserved(batch->job, {0, batch->job.size()}, KeyStatus::kCancelled, "client is shutting down");
    complete_locked(batch);
  } else if (batch->job.size() == 0) {
    complete_locked(batch);
  } else {
    waiting_.push_back(batch);
    dispatch_locked();
  }
  return batch->id;
}

void TiledClient::dispatch_locked() {
  bool added = false;
  while (active_batches_ < static_cast<std::size_t>(options_.inflight) && !waiting_.empty()) {
    auto batch = std::move(waiting_.front());
    waiting_.pop_front();
    const std::size_t n = batch->job.size();
    std::size_t tiles = std::min(n, workers_.size());
    if (options_.tile_bytes) {
      std::uint64_t bytes = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bytes += batch->job.kind == OpKind::kGet   ? batch->job.buffers[i].size()
                 : batch->job.kind == OpKind::kSet ? batch->job.values[i].size()
                                                   : 1;
      }
      tiles = static_cast<std::size_t>(std::clamp<std::uint64_t>((bytes + *options_.tile_bytes - 1) / *options_.tile_bytes, 1, n));
    }
    batch->tiles = batch->tiles_left = tiles;
    for (std::size_t t = 0; t < tiles; ++t) tiles_.push_back({batch, balanced_range(n, tiles, t)});
    ++active_batches_;
    added = true;
  }
  if (added) work_ready_.notify_all();
}

void TiledClient::worker_main(std::size_t index) {
  for (;;) {
    Tile tile;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !tiles_.empty(); });
      if (tiles_.empty()) return;  // stopping, nothing left to serve
      tile = std::move(tiles_.front());
      tiles_.pop_front();
      if (!tile.batch->started) {
        tile.batch->started = true;
        tile.batch->first_start = Clock::now();
      }
    }
    drivers_[index]->run(tile.batch->job, tile.range);
    finish_tile(index, tile);
  }
}

void TiledClient::finish_tile(std::size_t worker, const Tile& tile) {
  const BatchJob& job = tile.batch->job;
  fail_unserved(job, tile.range, KeyStatus::kIoError, "internal: key left unserved");
  std::uint64_t bytes = 0;
  for (std::size_t i = tile.range.begin; i < tile.range.end; ++i) {
    if (job.outcome(i).status == KeyStatus::kOk) bytes += key_bytes(job, i);
  }
  auto connections = drivers_[worker]->connections();
  std::lock_guard lock(mutex_);
  worker_connections_[worker] = std::move(connections);
  tile.batch->worker_bytes[worker] += bytes;
  if (--tile.batch->tiles_left == 0) {
    --active_batches_;
    complete_locked(tile.batch);
    dispatch_locked();
  }
}

void TiledClient::complete_locked(const std::shared_ptr<Batch>& batch) {
  const auto now = Clock::now();
  CompletedBatch done;
  done.id = batch->id;
  done.result = std::move(batch->result);
  done.stages.worker_bytes = batch->worker_bytes;
  done.stages.tiles = batch->tiles;
  const auto start = batch->started ? batch->first_start : now;
  done.stages.queue_wait_ns = ns_between(batch->submitted, start);
  done.stages.transfer_ns = ns_between(start, now);
  const bool was_empty = completed_.empty();
  completed_.push_back(std::move(done));
  completed_at_.push_back(now);
  // The eventfd is readable exactly while the queue is non-empty: signal only
  // on the empty -> non-empty edge, so wakeups coalesce and none is stray.
  if (was_empty) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
  }
}

std::vector<CompletedBatch> TiledClient::take_completed_locked() {
  std::uint64_t counter = 0;
  [[maybe_unused]] ssize_t n = ::read(event_fd_, &counter, sizeof counter);  // EAGAIN when nothing was signalled
  const auto now = Clock::now();
  std::vector<CompletedBatch> out;
  out.reserve(completed_.size());
  for (std::size_t i = 0; i < completed_.size(); ++i) {
    completed_[i].stages.handoff_ns = ns_between(completed_at_[i], now);
    out.push_back(std::move(completed_[i]));
  }
  completed_.clear();
  completed_at_.clear();
  return out;
}

std::vector<CompletedBatch> TiledClient::drain_completions() {
  std::lock_guard lock(mutex_);
  std::vector<CompletedBatch> out;
  // Batches a waiter is blocked on stay parked for it.
  auto waited = [this](BatchId id) { return std::find(waited_for_.begin(), waited_for_.end(), id) != waited_for_.end(); };
  for (auto& c : parked_) {
    if (!waited(c.id)) out.push_back(std::move(c));
  }
  std::erase_if(parked_, [&](const CompletedBatch& c) { return !waited(c.id); });
  for (auto& c : take_completed_locked()) {
    if (waited(c.id)) {
      parked_.push_back(std::move(c));
    } else {
      out.push_back(std::move(c));
    }
  }
  if (!parked_.empty()) waiter_cv_.notify_all();
  return out;
}

CompletedBatch TiledClient::wait(BatchId id) {
  std::unique_lock lock(mutex_);
  waited_for_.push_back(id);
  for (;;) {
    auto it = std::find_if(parked_.begin(), parked_.end(), [id](const CompletedBatch& c) { return c.id == id; });
    if (it != parked_.end()) {
      CompletedBatch found = std::move(*it);
      parked_.erase(it);
      waited_for_.erase(std::find(waited_for_.begin(), waited_for_.end(), id));
      return found;
    }
    if (poller_active_) {
      waiter_cv_.wait(lock);
      continue;
    }
    // This waiter sleeps in poll() on the eventfd for everyone; a completion
    // that lands between unlock and poll leaves the eventfd readable, so it
    // cannot be missed.
    poller_active_ = true;
    lock.unlock();
    pollfd p{event_fd_, POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    lock.lock();
    poller_active_ = false;
    for (auto& c : take_completed_locked()) parked_.push_back(std::move(c));
    waiter_cv_.notify_all();
  }
}

BatchId TiledClient::submit_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  return submit(BatchJob::get(keys, buffers));
}

BatchId TiledClient::submit_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) {
  return submit(BatchJob::set(keys, values));
}

BatchId TiledClient::submit_exists(std::span<const std::string_view> keys, std::span<bool> present) {
  return submit(BatchJob::exists(keys, present));
}

BatchResult TiledClient::finish_sync(BatchId id) {
  CompletedBatch done = wait(id);
  std::lock_guard lock(mutex_);
  last_stages_ = std::move(done.stages);
  return std::move(done.result);
}

std::optional<BatchStages> TiledClient::last_batch_stages() const {
  std::lock_guard lock(mutex_);
  return last_stages_;
}

BatchResult TiledClient::batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  return finish_sync(submit_get(keys, buffers));
}

BatchResult TiledClient::batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) {
  return finish_sync(submit_set(keys, values));
}

BatchResult TiledClient::batch_exists(std::span<const std::string_view> keys, std::span<bool> present) {
  return finish_sync(submit_exists(keys, present));
}

std::vector<ConnectionInfo> TiledClient::connections() const {
  std::lock_guard lock(mutex_);
  std::vector<ConnectionInfo> out;
  for (const auto& w : worker_connections_) out.insert(out.end(), w.begin(), w.end());
  return out;
}

}  // namespace kvslo
