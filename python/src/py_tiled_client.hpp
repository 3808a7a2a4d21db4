#pragma once
// kvslo.TiledClient: the tiled core (clients/tiled) for Python callers.
//
// Every call that can block or take time releases the GIL before any work
// and takes it back only to build Python results, so Python threads (and the
// event loop) run while the C++ workers move data. `release_gil=False` holds
// it throughout: the ablation that shows what releasing buys.
//
// Completion is the core's eventfd: completion_fd() is readable while
// finished batches wait, and drain_completions() returns them (one wakeup
// covers every batch that finished meanwhile). kvslo.aio puts the fd on an
// asyncio loop.

#include <pybind11/pybind11.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "held_buffers.hpp"
#include "tiled/tiled_client.hpp"

namespace kvslo::python {

namespace py = pybind11;

// One finished batch as Python sees it.
struct Completion {
  std::uint64_t batch_id = 0;
  std::string op;
  bool ok = false;
  py::list statuses;     // "ok", "missing", "size_mismatch", ... per key
  py::list messages;     // why, per key ("" when ok); never a password
  py::list value_sizes;  // GET: the value's length as the server sent it
  py::object present;    // EXISTS: a bool per key; None otherwise
  std::uint64_t bytes = 0;  // payload bytes of the keys that were ok
  std::uint64_t queue_wait_ns = 0, transfer_ns = 0, handoff_ns = 0;
  std::size_t tiles = 0;
};

struct TiledClientSettings {
  std::string url;
  int threads = 1;
  std::optional<int> streams;  // default: one per thread
  int pipeline_depth = 8;
  bool fixed_size = true;
  double timeout_s = 10;
  double connect_timeout_s = 2;
  std::optional<std::uint64_t> tile_bytes;
  int inflight = 1;
  std::optional<int> sndbuf, rcvbuf;
  bool release_gil = true;
  // rediss:// only: how to trust the server (net::TlsSettings).
  std::optional<std::string> tls_ca, tls_cert, tls_key, tls_server_name;
  bool tls_insecure = false;
  bool ktls = false;
};

class PyTiledClient {
 public:
  explicit PyTiledClient(const TiledClientSettings& settings);
  ~PyTiledClient();
  PyTiledClient(const PyTiledClient&) = delete;
  PyTiledClient& operator=(const PyTiledClient&) = delete;

  std::uint64_t submit_get(const py::sequence& keys, const py::object& buffers);
  std::uint64_t submit_set(const py::sequence& keys, const py::object& buffers);
  std::uint64_t submit_exists(const py::sequence& keys);
  int completion_fd() const;
  // Every finished batch not yet returned, oldest first; never blocks. The
  // buffers of a returned batch are released to Python here.
  py::list drain_completions();
  // Blocks until batch `id` completes. While any wait() blocks,
  // drain_completions() refuses (RuntimeError) rather than take a waited
  // batch and leave its waiter blocked forever; a batch is waited once.
  Completion wait(std::uint64_t id);
  // Unstarted batches complete as cancelled, started ones finish, threads are
  // joined and connections closed; drain_completions() still returns them.
  void close();
  bool closed() const { return closed_; }
  bool releases_gil() const { return release_gil_; }
  std::size_t in_flight() const;
  py::dict settings() const;

 private:
  struct Pending;
  std::uint64_t submit(std::unique_ptr<Pending> pending);
  Completion to_python(CompletedBatch& done, Pending& pending) const;
  void require_open() const;

  // Runs `work` with the GIL released (unless the ablation holds it).
  template <typename Work>
  auto without_gil(Work&& work) {
    if (!release_gil_) return work();
    py::gil_scoped_release released;
    return work();
  }

  ClientOptions options_;
  bool release_gil_ = true;
  bool closed_ = false;
  std::unique_ptr<TiledClient> client_;
  // Batches in flight, by id. Guarded by mutex_, never by the GIL, because
  // submits and drains run with the GIL released; a Pending is destroyed
  // (its buffers released) only with the GIL held.
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::unique_ptr<Pending>> pending_;
  std::size_t waits_ = 0;  // wait() calls blocked now (guarded by mutex_)
};

}  // namespace kvslo::python
