#include "hiredis/hiredis_client.hpp"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "batch_job.hpp"
#include "net/sigpipe_blocked.hpp"
#include "net/socket.hpp"

namespace kvslo {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// hiredis reports a receive timeout as an I/O error whose text is EAGAIN's.
KeyStatus status_of_context_error(const redisContext* c) {
  return (c->err == REDIS_ERR_IO && std::strcmp(c->errstr, std::strerror(EAGAIN)) == 0) ? KeyStatus::kTimeout
                                                                                        : KeyStatus::kIoError;
}

// hiredis writes with plain write() and cannot be told MSG_NOSIGNAL: a server
// that closes a connection while a large SET is being written would raise
// SIGPIPE, so the serving thread blocks it (net::SigpipeBlocked) and the keys
// get an I/O error instead.
using net::SigpipeBlocked;

// Per connection: the keys it serves and how far it got.
struct Lane {
  std::size_t slot = 0;  // index into contexts_
  redisContext* context = nullptr;
  KeyRange range;
  std::size_t appended = 0;
  std::size_t replied = 0;
  std::vector<std::chrono::steady_clock::time_point> issued_at;
};

}  // namespace

std::string HiredisClient::no_tls_reason() {
  // hiredis reads and writes the descriptor itself; TLS came in hiredis 1.0.
  return "hiredis: this hiredis (" + std::to_string(HIREDIS_MAJOR) + "." + std::to_string(HIREDIS_MINOR) + "." +
         std::to_string(HIREDIS_PATCH) + ", Debian's) has no TLS; over TLS measure zerocopy or tiled";
}

void HiredisClient::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

HiredisClient::HiredisClient(ClientOptions options) : options_((options.validate(), std::move(options))) {
  if (options_.endpoint.tls) throw std::invalid_argument(no_tls_reason());
  contexts_.resize(static_cast<std::size_t>(options_.streams));
}

HiredisClient::~HiredisClient() = default;

std::vector<ConnectionInfo> HiredisClient::connections() const {
  std::vector<ConnectionInfo> out;
  for (const auto& c : contexts_) {
    if (!c) continue;
    const net::SocketBuffers b = net::buffers_of(c->fd);
    out.push_back({options_.endpoint.display(), b.sndbuf, b.rcvbuf, b.rcv_wscale, std::nullopt});
  }
  return out;
}

std::optional<std::string> HiredisClient::ensure_connected(std::size_t index) {
  Context& slot = contexts_[index];
  if (slot && slot->err == 0 && !net::idle_socket_is_stale(slot->fd)) return std::nullopt;
  slot.reset();
  const auto& e = options_.endpoint;
  // kvslo connects the socket itself and hands it over (redisConnectFd), so
  // socket buffers are set before the handshake, where the TCP window scale
  // is fixed, exactly as for the other clients.
  int fd = -1;
  try {
    fd = net::Socket::connect(e, {options_.sndbuf, options_.rcvbuf, true}, net::Clock::now() + options_.connect_timeout)
             .release_blocking();
  } catch (const net::NetError& error) {
    return error.what();
  }
  redisContext* c = redisConnectFd(fd);
  if (c == nullptr) {
    ::close(fd);
    return "connect to " + e.display() + ": out of memory";
  }
  Context owned(c);
  redisSetTimeout(c, to_timeval(options_.op_timeout));
  if (e.has_password()) {
    auto* reply = static_cast<redisReply*>(
        e.user.empty() ? redisCommand(c, "AUTH %b", e.password.data(), e.password.size())
                       : redisCommand(c, "AUTH %b %b", e.user.data(), e.user.size(), e.password.data(),
                                      e.password.size()));
    if (reply == nullptr) return "authentication to " + e.display() + " failed: " + c->errstr;
    std::string refused = reply->type == REDIS_REPLY_ERROR ? std::string(reply->str, reply->len) : "";
    freeReplyObject(reply);
    if (!refused.empty()) return "authentication to " + e.display() + " failed: " + refused;
  }
  slot = std::move(owned);
  return std::nullopt;
}

void HiredisClient::serve(const BatchJob& job, std::size_t first, std::size_t count) {
  const SigpipeBlocked no_sigpipe;
  const std::size_t total = contexts_.size();
  std::vector<Lane> lanes;
  for (std::size_t i = first; i < first + count; ++i) {
    KeyRange range = balanced_range(job.size(), total, i);
    if (range.empty()) continue;
    if (auto error = ensure_connected(i)) {
      fail_unserved(job, range, KeyStatus::kIoError, *error);
      continue;
    }
    Lane lane;
    lane.slot = i;
    lane.context = contexts_[i].get();
    lane.range = range;
    lane.appended = lane.replied = range.begin;
    lane.issued_at.resize(range.size());
    lanes.push_back(std::move(lane));
  }
  const auto depth = static_cast<std::size_t>(options_.pipeline_depth);
  for (bool active = true; active;) {
    active = false;
    for (Lane& lane : lanes) {
      if (lane.context == nullptr || lane.replied == lane.range.end) continue;
      active = true;
      while (lane.appended < lane.range.end && lane.appended - lane.replied < depth) {
        const std::size_t k = lane.appended;
        const std::string_view key = job.keys[k];
        switch (job.kind) {
          case OpKind::kGet: redisAppendCommand(lane.context, "GET %b", key.data(), key.size()); break;
          case OpKind::kSet:
            redisAppendCommand(lane.context, "SET %b %b", key.data(), key.size(), job.values[k].data(),
                               job.values[k].size());
            break;
          case OpKind::kExists: redisAppendCommand(lane.context, "EXISTS %b", key.data(), key.size()); break;
        }
        lane.issued_at[k - lane.range.begin] = std::chrono::steady_clock::now();
        ++lane.appended;
      }
      // One reply per lane per round, so every connection keeps moving.
      void* raw = nullptr;
      if (redisGetReply(lane.context, &raw) != REDIS_OK || raw == nullptr) {
        const KeyStatus status = status_of_context_error(lane.context);
        // hiredis words a receive timeout as EAGAIN's text; say what happened, as the other clients do.
        fail_unserved(job, {lane.replied, lane.range.end}, status,
                      status == KeyStatus::kTimeout
                          ? "no reply within " + std::to_string(options_.op_timeout.count()) + " ms from " +
                                options_.endpoint.display()
                          : options_.endpoint.display() + ": " + lane.context->errstr);
        contexts_[lane.slot].reset();  // out of step: reconnect next batch
        lane.context = nullptr;
        continue;
      }
      auto* reply = static_cast<redisReply*>(raw);
      const std::size_t k = lane.replied++;
      KeyOutcome& o = job.outcome(k);
      o.latency_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                    std::chrono::steady_clock::now() - lane.issued_at[k - lane.range.begin])
                                                    .count());
      if (reply->type == REDIS_REPLY_ERROR) {
        o.status = KeyStatus::kServerError;
        o.message.assign(reply->str, reply->len);
      } else if (job.kind == OpKind::kGet && reply->type == REDIS_REPLY_STRING) {
        const MutableBuffer buffer = job.buffers[k];
        const auto length = static_cast<std::size_t>(reply->len);
        o.value_size = length;
        if (length > buffer.size() || (job.fixed_size && length != buffer.size())) {
          o.status = KeyStatus::kSizeMismatch;
          o.message = "value is " + std::to_string(length) + " bytes, " +
                      (job.fixed_size ? "expected exactly " : "buffer holds ") + std::to_string(buffer.size());
        } else {
          if (length > 0) std::memcpy(buffer.data(), reply->str, length);  // the copy the zero-copy client avoids
          o.status = KeyStatus::kOk;
        }
      } else if (job.kind == OpKind::kGet && reply->type == REDIS_REPLY_NIL) {
        o.status = KeyStatus::kMissing;
      } else if (job.kind == OpKind::kSet && reply->type == REDIS_REPLY_STATUS) {
        o.status = KeyStatus::kOk;
      } else if (job.kind == OpKind::kExists && reply->type == REDIS_REPLY_INTEGER) {
        job.present[k] = reply->integer > 0;
        o.status = KeyStatus::kOk;
      } else {
        o.status = KeyStatus::kServerError;
        o.message = "unexpected reply of type " + std::to_string(reply->type);
      }
      freeReplyObject(reply);
    }
  }
}

BatchResult HiredisClient::run(BatchJob job) {
  BatchResult result(job.size());
  job.result = &result;
  job.fixed_size = options_.fixed_size;
  const auto threads = static_cast<std::size_t>(options_.threads);
  const std::size_t streams = contexts_.size();
  if (threads == 1) {
    serve(job, 0, streams);
  } else {
    std::vector<std::jthread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      KeyRange owned = balanced_range(streams, threads, t);
      workers.emplace_back([this, &job, owned] { serve(job, owned.begin, owned.size()); });
    }
  }
  fail_unserved(job, {0, job.size()}, KeyStatus::kIoError, "internal: key left unserved");
  return result;
}

BatchResult HiredisClient::batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) {
  return run(BatchJob::set(keys, values));
}

BatchResult HiredisClient::batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  return run(BatchJob::get(keys, buffers));
}

BatchResult HiredisClient::batch_exists(std::span<const std::string_view> keys, std::span<bool> present) {
  return run(BatchJob::exists(keys, present));
}

}  // namespace kvslo
