#include "py_tiled_client.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string_view>

namespace kvslo::python {

// What a batch in flight holds for the C++ side: its keys, the caller's
// buffers (exported, so alive and in place), and the presence slots.
struct PyTiledClient::Pending {
  OpKind op = OpKind::kGet;
  std::vector<std::string> keys;
  std::vector<std::string_view> key_views;  // into `keys`, which never moves
  HeldBuffers buffers;
  std::vector<MutableBuffer> writable;
  std::vector<ConstBuffer> readable;
  std::unique_ptr<bool[]> present;
  bool waited = false;  // a wait() has it: drains leave it alone
};

namespace {

std::chrono::milliseconds milliseconds(double seconds, const char* what) {
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > 86400) {
    throw py::value_error(std::string(what) + " must be a positive number of seconds, at most a day");
  }
  return std::chrono::milliseconds(std::max<long>(1, std::lround(seconds * 1000)));
}

std::vector<std::string> key_list(const py::sequence& keys) {
  // A str is a sequence too: "abc" would silently be three one-letter keys.
  if (py::isinstance<py::str>(keys) || py::isinstance<py::bytes>(keys)) {
    throw py::type_error("keys must be a sequence of keys (a list of str or bytes), not one " +
                         std::string(py::str(keys.get_type().attr("__name__"))));
  }
  std::vector<std::string> out;
  out.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    py::handle key = keys[i];
    if (py::isinstance<py::bytes>(key)) {
      out.push_back(key.cast<std::string>());
    } else if (py::isinstance<py::str>(key)) {
      out.push_back(key.cast<std::string>());  // UTF-8
    } else {
      throw py::type_error("key " + std::to_string(i) + " is a " + std::string(py::str(key.get_type().attr("__name__"))) +
                           ", expected str or bytes");
    }
  }
  return out;
}

std::string_view op_name(OpKind op) {
  switch (op) {
    case OpKind::kGet: return "get";
    case OpKind::kSet: return "set";
    case OpKind::kExists: return "exists";
  }
  return "?";
}

}  // namespace

// As the harness's own limits: far above anything useful, low enough that a
// typo cannot ask for a million threads.
constexpr int kMaxThreads = 1024, kMaxStreams = 1024;

PyTiledClient::PyTiledClient(const TiledClientSettings& s) : release_gil_(s.release_gil) {
  if (s.threads > kMaxThreads || s.streams.value_or(s.threads) > kMaxStreams) {
    throw py::value_error("threads and streams must be at most 1024");
  }
  options_.endpoint = net::Endpoint::parse_with_environment(s.url);
  if (options_.endpoint.cluster) {
    // The cluster layer serves whole batches synchronously; the module's
    // submit/eventfd core talks to one server.
    throw py::value_error("redis-cluster:// is not supported by kvslo.TiledClient yet: give it one node's redis:// URL");
  }
  const bool tls_asked = s.tls_ca || s.tls_cert || s.tls_key || s.tls_server_name || s.tls_insecure || s.ktls;
  if (options_.endpoint.tls) {
    net::TlsSettings& tls = *options_.endpoint.tls;
    tls.ca_file = s.tls_ca.value_or("");
    tls.cert_file = s.tls_cert.value_or("");
    tls.key_file = s.tls_key.value_or("");
    tls.server_name = s.tls_server_name.value_or("");
    tls.verify = !s.tls_insecure;
    tls.ktls = s.ktls;
  } else if (tls_asked) {
    throw py::value_error("tls_ca, tls_cert, tls_key, tls_server_name, tls_insecure and ktls are for a rediss:// URL");
  }
  options_.threads = s.threads;
  options_.streams = s.streams.value_or(s.threads);
  options_.pipeline_depth = s.pipeline_depth;
  options_.fixed_size = s.fixed_size;
  options_.op_timeout = milliseconds(s.timeout_s, "timeout");
  options_.connect_timeout = milliseconds(s.connect_timeout_s, "connect_timeout");
  options_.tile_bytes = s.tile_bytes;
  options_.inflight = s.inflight;
  options_.sndbuf = s.sndbuf;
  options_.rcvbuf = s.rcvbuf;
  options_.validate();  // std::invalid_argument: ValueError in Python
  client_ = std::make_unique<TiledClient>(options_);
}

PyTiledClient::~PyTiledClient() {
  // Joining workers can take up to the operation timeout: not with the GIL.
  {
    py::gil_scoped_release released;
    client_->shutdown();
  }
  pending_.clear();  // releases the buffers, with the GIL
}

void PyTiledClient::require_open() const {
  if (closed_) throw std::runtime_error("this kvslo.TiledClient is closed");
}

std::uint64_t PyTiledClient::submit(std::unique_ptr<Pending> pending) {
  Pending& p = *pending;
  for (const auto& k : p.keys) p.key_views.emplace_back(k);
  return without_gil([&] {
    std::lock_guard lock(mutex_);
    BatchId id = 0;
    switch (p.op) {
      case OpKind::kGet: id = client_->submit_get(p.key_views, p.writable); break;
      case OpKind::kSet: id = client_->submit_set(p.key_views, p.readable); break;
      case OpKind::kExists: id = client_->submit_exists(p.key_views, {p.present.get(), p.keys.size()}); break;
    }
    // Registered under the lock a drain takes first, so a batch that
    // completes at once is still found.
    pending_.emplace(id, std::move(pending));
    return id;
  });
}

std::uint64_t PyTiledClient::submit_get(const py::sequence& keys, const py::object& buffers) {
  require_open();
  auto p = std::make_unique<Pending>();
  p->op = OpKind::kGet;
  p->keys = key_list(keys);
  p->buffers = HeldBuffers::take(buffers.ptr(), p->keys.size(), true);
  p->writable = p->buffers.writable_spans();
  return submit(std::move(p));
}

std::uint64_t PyTiledClient::submit_set(const py::sequence& keys, const py::object& buffers) {
  require_open();
  auto p = std::make_unique<Pending>();
  p->op = OpKind::kSet;
  p->keys = key_list(keys);
  p->buffers = HeldBuffers::take(buffers.ptr(), p->keys.size(), false);
  p->readable = p->buffers.readable_spans();
  return submit(std::move(p));
}

std::uint64_t PyTiledClient::submit_exists(const py::sequence& keys) {
  require_open();
  auto p = std::make_unique<Pending>();
  p->op = OpKind::kExists;
  p->keys = key_list(keys);
  p->present = std::make_unique<bool[]>(p->keys.size());
  return submit(std::move(p));
}

int PyTiledClient::completion_fd() const { return client_->completion_fd(); }

std::size_t PyTiledClient::in_flight() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

Completion PyTiledClient::to_python(CompletedBatch& done, Pending& pending) const {
  Completion c;
  c.batch_id = done.id;
  c.op = std::string(op_name(pending.op));
  c.ok = done.result.all_ok();
  py::list present;
  for (std::size_t i = 0; i < done.result.keys.size(); ++i) {
    const KeyOutcome& k = done.result.keys[i];
    c.statuses.append(py::str(std::string(to_string(k.status))));
    c.messages.append(py::str(k.message));
    c.value_sizes.append(k.value_size);
    if (pending.op == OpKind::kExists) present.append(py::bool_(k.status == KeyStatus::kOk && pending.present[i]));
    if (k.status == KeyStatus::kOk) {
      c.bytes += pending.op == OpKind::kGet ? k.value_size : pending.op == OpKind::kSet ? pending.readable[i].size() : 0;
    }
  }
  c.present = pending.op == OpKind::kExists ? py::object(present) : py::none();
  c.queue_wait_ns = done.stages.queue_wait_ns;
  c.transfer_ns = done.stages.transfer_ns;
  c.handoff_ns = done.stages.handoff_ns;
  c.tiles = done.stages.tiles;
  return c;
}

py::list PyTiledClient::drain_completions() {
  using Finished = std::pair<CompletedBatch, std::unique_ptr<Pending>>;
  std::vector<Finished> finished = without_gil([&] {
    std::lock_guard lock(mutex_);
    if (waits_ > 0) {
      throw std::runtime_error("drain_completions() while wait() blocks: use one or the other (kvslo.aio drains; wait() is for "
                               "code without an event loop)");
    }
    std::vector<Finished> out;
    for (auto& done : client_->drain_completions()) {
      auto it = pending_.find(done.id);
      if (it == pending_.end()) continue;  // taken by wait()
      out.emplace_back(std::move(done), std::move(it->second));
      pending_.erase(it);
    }
    return out;
  });
  py::list out;
  for (auto& [done, pending] : finished) out.append(py::cast(to_python(done, *pending)));
  return out;  // `finished` releases the buffers here, with the GIL
}

Completion PyTiledClient::wait(std::uint64_t id) {
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) throw py::value_error("no batch " + std::to_string(id) + " in flight");
    if (it->second->waited) throw py::value_error("batch " + std::to_string(id) + " is waited for already");
    it->second->waited = true;  // with waits_, under the lock a drain takes: no drain can take it now
    ++waits_;
  }
  std::unique_ptr<Pending> pending;
  CompletedBatch done = without_gil([&] {
    CompletedBatch d = client_->wait(id);
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    pending = std::move(it->second);
    pending_.erase(it);
    --waits_;
    return d;
  });
  return to_python(done, *pending);
}

void PyTiledClient::close() {
  if (closed_) return;
  closed_ = true;  // under the GIL: later submits refuse
  py::gil_scoped_release released;  // always: joining can take the operation timeout
  client_->shutdown();
}

py::dict PyTiledClient::settings() const {
  py::dict d;
  d["endpoint"] = options_.endpoint.display();
  d["threads"] = options_.threads;
  d["streams"] = options_.streams;
  d["pipeline_depth"] = options_.pipeline_depth;
  d["fixed_size"] = options_.fixed_size;
  d["inflight"] = options_.inflight;
  d["tile_bytes"] = options_.tile_bytes ? py::object(py::int_(*options_.tile_bytes)) : py::none();
  d["release_gil"] = release_gil_;
  return d;
}

}  // namespace kvslo::python
