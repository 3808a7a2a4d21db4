#include "zerocopy/pipelined_connection.hpp"

#include <poll.h>

#include <cstring>

#include "command_channel.hpp"

namespace kvslo {
namespace {

// Bytes read ahead of a payload while parsing headers. For GET it is kept
// small, so that at most this much of a multi-megabyte value passes through
// the staging buffer (a copy); the rest is read straight into the caller's
// buffer. Other replies are small, and a larger read saves system calls.
constexpr std::size_t kStagingBytes = 64 * 1024;
constexpr std::size_t kGetReadAhead = 4 * 1024;
// While a value's payload is on its way, sleep until this much more of it
// (or all that is left) can be read: a reader woken for every segment makes
// the server pay a wake-up per write (on a VM, an interrupt to another vCPU).
// Measured on 2 vCPUs, Redis 7.0, 1 MiB chunks, 2 streams, zerocopy taking
// turns with hiredis (srv: Redis CPU s/GB serving zerocopy / serving hiredis):
//   depth 2:  no mark srv 1.15x/1.24x; 32 KiB 1.27x/1.12x; 128 KiB 1.03x/1.05x
//   depth 8, one long-lived server: 32 KiB srv 1.65x/1.65x, GB/s 0.75x/0.70x
//             hiredis; 128 KiB srv 1.06x/0.95x, GB/s 1.10x/1.23x
// (at depth 8 on fresh embedded servers Redis page-faulted on its reply
// blocks, 170,000-260,000 faults in 2 s, and zerocopy read 0.77-0.96x
// hiredis whichever the mark: README "Small chunks"). Larger marks gained nothing more. The socket keeps the
// mark reachable (socket.hpp). Progress, for the op timeout, is then seen
// once per mark: a link below 13 KB/s times out at the default 10 s.
constexpr std::size_t kPayloadLowWater = 128 * 1024;

}  // namespace

PipelinedConnection::PipelinedConnection(const ClientOptions& options)
    : options_(options), parser_(*this), staging_(kStagingBytes) {}

std::optional<std::string> PipelinedConnection::ensure_connected(net::Deadline deadline) {
  if (socket_.is_open()) {
    // Stray staged bytes or a readable idle socket: out of step, start afresh.
    if (!socket_.idle_is_stale() && staged_begin_ == staged_end_) return std::nullopt;
    socket_.close();
  }
  try {
    net::SocketOptions socket_options{options_.sndbuf, options_.rcvbuf, true};
    socket_ = net::Socket::connect(options_.endpoint, socket_options, deadline);
    authenticate(socket_, options_.endpoint, deadline);
  } catch (const net::NetError& e) {
    socket_.close();
    return std::string(e.what());
  }
  parser_.reset();
  staged_begin_ = staged_end_ = 0;
  return std::nullopt;
}

std::optional<ConnectionInfo> PipelinedConnection::info() const {
  if (!socket_.is_open()) return std::nullopt;
  auto b = socket_.buffers();
  return ConnectionInfo{socket_.peer(), b.sndbuf, b.rcvbuf, b.rcv_wscale, socket_.tls()};
}

void PipelinedConnection::begin(const BatchJob& job, KeyRange range) {
  if (range.empty()) return;
  job_ = &job;
  next_send_ = next_reply_ = range.begin;
  end_ = range.end;
  issued_at_.clear();
  writer_.clear();
  cursor_.reset({});
  last_progress_ = net::Clock::now();
  start_reply();
  on_ready(POLLOUT);
}

short PipelinedConnection::wanted_events() const {
  short events = 0;
  if (outstanding() > 0) events |= POLLIN;
  if (!cursor_.done()) events |= POLLOUT;
  return socket_.events(events);
}

void PipelinedConnection::on_ready(short revents) {
  if (!busy()) return;
  try {
    // A TLS read may wait on writing (a key update): POLLOUT resumes it.
    if (revents & (POLLIN | POLLERR | POLLHUP) || (revents & POLLOUT && socket_.tls_blocked_on() & POLLOUT)) receive();
    if (busy()) send_more();
  } catch (const net::NetError& e) {
    fail(e.is_timeout() ? KeyStatus::kTimeout : KeyStatus::kIoError, e.what());
  }
}

void PipelinedConnection::fail(KeyStatus status, const std::string& message) {
  if (job_) fail_unserved(*job_, {next_reply_, end_}, status, message);
  job_ = nullptr;
  socket_.close();
  parser_.reset();
  staged_begin_ = staged_end_ = 0;
}

void PipelinedConnection::encode_more() {
  if (!cursor_.done() || next_send_ == end_) return;
  const std::size_t room = static_cast<std::size_t>(options_.pipeline_depth) - outstanding();
  if (room == 0) return;
  writer_.clear();
  const auto now = net::Clock::now();
  for (std::size_t i = next_send_; i < end_ && i < next_send_ + room; ++i) {
    switch (job_->kind) {
      case OpKind::kGet: writer_.get(job_->keys[i]); break;
      case OpKind::kSet: writer_.set(job_->keys[i], job_->values[i]); break;
      case OpKind::kExists: writer_.exists(job_->keys[i]); break;
    }
    issued_at_.push_back(now);
  }
  next_send_ += writer_.command_count();
  cursor_.reset(writer_.iovecs());
}

void PipelinedConnection::send_more() {
  for (;;) {
    encode_more();
    if (cursor_.done()) return;
    if (socket_.send_some(cursor_) == 0) return;
    last_progress_ = net::Clock::now();
  }
}

void PipelinedConnection::receive() {
  while (busy()) {
    if (staged_begin_ < staged_end_) {
      if (outstanding() == 0) {
        throw net::NetError(std::to_string(staged_end_ - staged_begin_) + " unexpected bytes from " + socket_.peer(),
                            false);
      }
      auto [consumed, status] = parser_.feed(std::span(staging_).subspan(staged_begin_, staged_end_ - staged_begin_));
      staged_begin_ += consumed;
      if (status == resp::ParseStatus::kError) throw net::NetError(parser_.error() + " from " + socket_.peer(), false);
      if (status == resp::ParseStatus::kReplyComplete) finish_reply();
      continue;
    }
    if (outstanding() == 0) return;
    // Nothing staged: read from the socket, payload bytes straight into the
    // caller's buffer and whatever follows (CRLF, next header) into staging.
    std::span<std::byte> window = parser_.direct_window();
    const std::size_t ahead = job_->kind == OpKind::kGet ? kGetReadAhead : staging_.size();
    iovec pieces[2];
    std::size_t count = 0;
    if (!window.empty()) pieces[count++] = {window.data(), window.size()};
    pieces[count++] = {staging_.data(), ahead};
    std::size_t n = socket_.recv_some({pieces, count});
    if (n == 0) {
      // Nothing to read: wake next when the payload has come in bulk (or the reply's end, when the window is empty).
      socket_.set_receive_low_water(std::min(window.size(), kPayloadLowWater));
      return;
    }
    last_progress_ = net::Clock::now();
    const std::size_t direct = std::min(n, window.size());
    if (direct > 0) parser_.commit_direct(direct);
    staged_begin_ = 0;
    staged_end_ = n - direct;
  }
}

void PipelinedConnection::start_reply() {
  depth_ = 0;
  reply_status_ = KeyStatus::kNotRun;
  reply_message_.clear();
  reply_size_ = 0;
  if (job_ && job_->kind == OpKind::kGet && job_->fixed_size && next_reply_ < end_) {
    parser_.set_expected_bulk_size(job_->buffers[next_reply_].size());
  } else {
    parser_.set_expected_bulk_size(std::nullopt);
  }
}

void PipelinedConnection::finish_reply() {
  KeyOutcome& o = job_->outcome(next_reply_);
  o.status = reply_status_ == KeyStatus::kNotRun ? KeyStatus::kServerError : reply_status_;
  o.message = std::move(reply_message_);
  o.value_size = reply_size_;
  o.latency_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(net::Clock::now() - issued_at_.front()).count());
  issued_at_.pop_front();
  ++next_reply_;
  finish_batch_if_done();
  start_reply();
}

void PipelinedConnection::finish_batch_if_done() {
  if (next_reply_ != end_) return;
  job_ = nullptr;
  // Idle, the connection must wake for any byte: stray bytes mean it is out of step.
  socket_.set_receive_low_water(1);
}

void PipelinedConnection::unexpected(std::string what) {
  if (reply_status_ != KeyStatus::kNotRun) return;
  reply_status_ = KeyStatus::kServerError;
  reply_message_ = "unexpected reply: " + std::move(what);
}

void PipelinedConnection::on_simple_string(std::string_view s) {
  if (depth_ == 0 && job_->kind == OpKind::kSet && s == "OK") {
    reply_status_ = KeyStatus::kOk;
  } else {
    unexpected("+" + std::string(s.substr(0, 80)));
  }
}

void PipelinedConnection::on_error(std::string_view s) {
  if (depth_ > 0) return unexpected("error inside an array");
  reply_status_ = KeyStatus::kServerError;
  reply_message_ = std::string(s);
}

void PipelinedConnection::on_integer(std::int64_t v) {
  if (depth_ == 0 && job_->kind == OpKind::kExists) {
    reply_status_ = KeyStatus::kOk;
    job_->present[next_reply_] = v > 0;
  } else {
    unexpected(":" + std::to_string(v));
  }
}

void PipelinedConnection::on_nil_bulk() {
  if (depth_ == 0 && job_->kind == OpKind::kGet) {
    reply_status_ = KeyStatus::kMissing;
  } else {
    unexpected("nil");
  }
}

void PipelinedConnection::on_nil_array() { unexpected("nil array"); }

void PipelinedConnection::on_array_begin(std::int64_t count) {
  unexpected("array of " + std::to_string(count));
  ++depth_;
}

void PipelinedConnection::on_array_end() { --depth_; }

std::span<std::byte> PipelinedConnection::on_bulk_begin(std::uint64_t length) {
  if (depth_ != 0 || job_->kind != OpKind::kGet) return {};
  if (options_.debug_bounce_copy && length <= job_->buffers[next_reply_].size()) {
    bounce_.resize(length);
    return bounce_;
  }
  return job_->buffers[next_reply_];
}

void PipelinedConnection::on_bulk_end(resp::BulkOutcome outcome, std::uint64_t length) {
  if (depth_ > 0 || job_->kind != OpKind::kGet) return unexpected("bulk string of " + std::to_string(length) + " bytes");
  reply_size_ = length;
  const std::size_t capacity = job_->buffers[next_reply_].size();
  switch (outcome) {
    case resp::BulkOutcome::kStored:
      reply_status_ = KeyStatus::kOk;
      if (options_.debug_bounce_copy && length > 0) std::memcpy(job_->buffers[next_reply_].data(), bounce_.data(), length);
      break;
    case resp::BulkOutcome::kTooLarge:
      reply_status_ = KeyStatus::kSizeMismatch;
      reply_message_ = "value is " + std::to_string(length) + " bytes, buffer holds " + std::to_string(capacity);
      break;
    case resp::BulkOutcome::kSizeMismatch:
      reply_status_ = KeyStatus::kSizeMismatch;
      reply_message_ = "value is " + std::to_string(length) + " bytes, expected exactly " + std::to_string(capacity);
      break;
  }
}

}  // namespace kvslo
