#include "net/socket.hpp"

#include <algorithm>

#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "net/sigpipe_blocked.hpp"
#include "net/tls_session.hpp"

namespace kvslo::net {
namespace {

std::string errno_text(int error) { return std::strerror(error); }

void set_int_option(int fd, int level, int name, int value, const std::string& peer, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
    throw NetError("setsockopt(" + std::string(what) + ") for " + peer + ": " + errno_text(errno), false);
  }
}

int get_int_option(int fd, int level, int name) {
  int value = 0;
  socklen_t len = sizeof value;
  ::getsockopt(fd, level, name, &value, &len);
  return value;
}

// Starts a non-blocking connect to one address and waits for it within the deadline.
int connect_address(const sockaddr* address, socklen_t length, int family, const SocketOptions& options,
                    Deadline deadline, const std::string& peer) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw NetError("socket() for " + peer + ": " + errno_text(errno), false);
  auto fail = [&](const std::string& message, bool timeout) {
    ::close(fd);
    throw NetError(message, timeout);
  };
  // Buffer sizes must be set before connect: the TCP window scale is
  // negotiated in the handshake from the receive buffer at that time.
  try {
    if (options.sndbuf) set_int_option(fd, SOL_SOCKET, SO_SNDBUF, *options.sndbuf, peer, "SO_SNDBUF");
    if (options.rcvbuf) set_int_option(fd, SOL_SOCKET, SO_RCVBUF, *options.rcvbuf, peer, "SO_RCVBUF");
  } catch (const NetError& e) {
    fail(e.what(), false);
  }
  if (::connect(fd, address, length) != 0 && errno != EINPROGRESS) {
    fail("connect to " + peer + ": " + errno_text(errno), false);
  }
  pollfd p{fd, POLLOUT, 0};
  for (;;) {
    int rc = ::poll(&p, 1, poll_timeout_ms(deadline));
    if (rc > 0) break;
    if (rc == 0) fail("connect to " + peer + ": timed out", true);
    if (errno != EINTR) fail("poll during connect to " + peer + ": " + errno_text(errno), false);
  }
  int error = get_int_option(fd, SOL_SOCKET, SO_ERROR);
  if (error != 0) fail("connect to " + peer + ": " + errno_text(error), false);
  if (family != AF_UNIX && options.nodelay) {
    // Pipelined small requests must not wait for Nagle's algorithm.
    try {
      set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1, peer, "TCP_NODELAY");
    } catch (const NetError& e) {
      fail(e.what(), false);
    }
  }
  return fd;
}

}  // namespace

int poll_timeout_ms(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

bool idle_socket_is_stale(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

Socket::Socket() = default;
Socket::Socket(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
Socket::~Socket() { close(); }

Socket::Socket(Socket&& other) noexcept
    : fd_(other.fd_),
      peer_(std::move(other.peer_)),
      tls_(std::move(other.tls_)),
      gathered_(std::move(other.gathered_)),
      low_water_(other.low_water_),
      low_water_cap_(other.low_water_cap_) {
  other.fd_ = -1;
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    peer_ = std::move(other.peer_);
    tls_ = std::move(other.tls_);
    gathered_ = std::move(other.gathered_);
    low_water_ = other.low_water_;
    low_water_cap_ = other.low_water_cap_;
    other.fd_ = -1;
  }
  return *this;
}

void Socket::close() {
  tls_.reset();  // no close_notify: the connection is dropped, as a plain one is
  gathered_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  low_water_ = 1;
  low_water_cap_ = 0;
}

void Socket::set_receive_low_water(std::size_t bytes) {
  if (fd_ < 0) return;
  if (tls_) {
    // The mark counts bytes in the kernel. OpenSSL may already hold part of
    // a record (at most one: no read-ahead), so the bytes still to come can
    // be that much fewer than asked; a kernel that decrypts (kTLS) holds
    // partial records out of the count too. Ask for less, or not at all.
    constexpr std::size_t kOneRecord = 16 * 1024 + 512;  // payload and overhead of the largest record
    bytes = tls_->kernel_receives() || bytes <= kOneRecord ? 1 : bytes - kOneRecord;
  }
  if (bytes > static_cast<std::size_t>(low_water_cap_)) low_water_cap_ = std::max(1, buffers_of(fd_).rcvbuf / 4);
  const int mark = static_cast<int>(std::clamp<std::size_t>(bytes, 1, static_cast<std::size_t>(low_water_cap_)));
  if (mark == low_water_) return;
  // Best effort: a kernel that refuses it wakes the reader as before.
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &mark, sizeof mark) == 0) low_water_ = mark;
}

Socket Socket::connect(const Endpoint& endpoint, const SocketOptions& options, Deadline deadline) {
  const std::string peer = endpoint.display();
  if (endpoint.tls && endpoint.kind != Endpoint::Kind::kTcp) throw NetError("TLS over a unix socket: " + peer, false);
  if (endpoint.kind == Endpoint::Kind::kUnix) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (endpoint.path.size() >= sizeof address.sun_path) {
      throw NetError("unix socket path too long for " + peer, false);
    }
    std::memcpy(address.sun_path, endpoint.path.c_str(), endpoint.path.size() + 1);
    int fd = connect_address(reinterpret_cast<sockaddr*>(&address), sizeof address, AF_UNIX, options, deadline, peer);
    return Socket(fd, peer);
  }
  Socket connected = connect_tcp(endpoint, options, deadline, peer);
  if (endpoint.tls) {
    connected.tls_ = std::make_unique<TlsSession>(*endpoint.tls, endpoint.host, connected.fd_, peer);
    const SigpipeBlocked no_sigpipe;  // OpenSSL writes with write(), not send(MSG_NOSIGNAL)
    connected.tls_->handshake(deadline);
  }
  return connected;
}

Socket Socket::connect_tcp(const Endpoint& endpoint, const SocketOptions& options, Deadline deadline,
                           const std::string& peer) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    throw NetError("resolve " + peer + ": " + ::gai_strerror(rc), false);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
  std::string last_error = "resolve " + peer + ": no addresses";
  bool last_timeout = false;
  for (addrinfo* a = found; a; a = a->ai_next) {
    try {
      int fd = connect_address(a->ai_addr, a->ai_addrlen, a->ai_family, options, deadline, peer);
      return Socket(fd, peer);
    } catch (const NetError& e) {
      last_error = e.what();
      last_timeout = e.is_timeout();
    }
  }
  throw NetError(last_error, last_timeout);
}

SocketBuffers buffers_of(int fd) {
  SocketBuffers b{get_int_option(fd, SOL_SOCKET, SO_SNDBUF), get_int_option(fd, SOL_SOCKET, SO_RCVBUF), -1};
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) == 0 && length >= sizeof info) {
    b.rcv_wscale = info.tcpi_rcv_wscale;
  }
  return b;
}

SocketBuffers Socket::buffers() const { return buffers_of(fd_); }

std::optional<TlsInfo> Socket::tls() const {
  if (!tls_) return std::nullopt;
  return tls_->info();
}

short Socket::tls_blocked_on() const { return tls_ ? tls_->blocked_on() : 0; }

short Socket::events(short wanted) const {
  if (!tls_ || wanted == 0) return wanted;
  return static_cast<short>(wanted | tls_->blocked_on());
}

bool Socket::has_buffered() const { return tls_ && tls_->has_buffered(); }

bool Socket::idle_is_stale() {
  if (tls_) {
    const SigpipeBlocked no_sigpipe;
    return tls_->idle_is_stale();
  }
  return idle_socket_is_stale(fd_);
}

int Socket::release_blocking() {
  if (tls_) throw NetError("a TLS connection to " + peer_ + " cannot be handed to another library", false);
  const int fd = fd_;
  fd_ = -1;
  if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

void Socket::throw_errno(const char* what, int error) const {
  throw NetError(std::string(what) + " " + peer_ + ": " + errno_text(error), false);
}

std::size_t Socket::send_some(IovCursor& cursor) {
  if (tls_) return tls_send_some(cursor);
  while (!cursor.done()) {
    auto pieces = cursor.pending(IOV_MAX);
    msghdr message{};
    message.msg_iov = const_cast<iovec*>(pieces.data());
    message.msg_iovlen = pieces.size();
    ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (n >= 0) {
      cursor.advance(static_cast<std::size_t>(n));
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    throw_errno("send to", errno);
  }
  return 0;
}

std::size_t Socket::recv_some(std::span<const iovec> pieces) {
  if (tls_) return tls_recv_some(pieces);
  for (;;) {
    ssize_t n = ::readv(fd_, pieces.data(), static_cast<int>(std::min<std::size_t>(pieces.size(), IOV_MAX)));
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) throw NetError("connection closed by " + peer_, false);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    throw_errno("receive from", errno);
  }
}

void Socket::wait(short wanted, Deadline deadline, const char* what) {
  if ((wanted & POLLIN) && has_buffered()) return;  // already there, where poll() cannot see it
  pollfd p{fd_, events(wanted), 0};
  for (;;) {
    int rc = ::poll(&p, 1, poll_timeout_ms(deadline));
    if (rc > 0) return;  // readiness or an error condition: the next call reports it
    if (rc == 0) throw NetError(std::string(what) + " " + peer_ + ": timed out", true);
    if (errno != EINTR) throw_errno("poll", errno);
  }
}

void Socket::send_all(std::span<const iovec> pieces, Deadline deadline) {
  IovCursor cursor(pieces);
  while (!cursor.done()) {
    if (send_some(cursor) == 0 && !cursor.done()) wait(POLLOUT, deadline, "send to");
  }
}

void Socket::recv_exact(std::span<std::byte> buffer, Deadline deadline) {
  std::size_t filled = 0;
  while (filled < buffer.size()) {
    iovec piece{buffer.data() + filled, buffer.size() - filled};
    std::size_t n = recv_some({&piece, 1});
    if (n == 0) {
      wait(POLLIN, deadline, "receive from");
    } else {
      filled += n;
    }
  }
}

// Small pieces (RESP headers, CRLFs, keys, a value under one record) go out
// together in one record, gathered here; a piece that does not fit (a
// value) is encrypted straight from the caller's memory. A 4 MiB SET is then
// a record of header, the value's records, and a record of CRLF and whatever
// follows. A write that blocks is offered again with the very same bytes at
// the same address: with kTLS, OpenSSL keeps a pointer to them, not a copy.
std::size_t Socket::tls_send_some(IovCursor& cursor) {
  constexpr std::size_t kRecordBytes = 16 * 1024;  // TLS's largest record
  std::size_t sent = 0;
  while (!cursor.done()) {
    const auto pieces = cursor.pending(64);
    std::span<const std::byte> offer(static_cast<const std::byte*>(pieces[0].iov_base), pieces[0].iov_len);
    if (offer.size() < kRecordBytes) {
      // Gathered already when a write of these very pieces blocked.
      const std::pair<const void*, std::size_t> position{pieces[0].iov_base, cursor.remaining_bytes()};
      if (gathered_.empty() || gathered_at_ != position) {
        gathered_.reserve(kRecordBytes);  // never reallocated: its address stays
        gathered_.clear();
        gathered_at_ = position;
        for (const iovec& piece : pieces) {
          if (gathered_.size() + piece.iov_len > kRecordBytes) break;
          const auto* bytes = static_cast<const std::byte*>(piece.iov_base);
          gathered_.insert(gathered_.end(), bytes, bytes + piece.iov_len);
        }
      }
      offer = gathered_;
    }
    const std::size_t n = tls_->write(offer);
    if (n == 0) break;
    if (offer.data() == gathered_.data()) gathered_.clear();  // at most one record: written whole
    cursor.advance(n);
    sent += n;
  }
  return sent;
}

// Pieces in order, each decrypted straight into its memory.
std::size_t Socket::tls_recv_some(std::span<const iovec> pieces) {
  std::size_t received = 0;
  for (const iovec& piece : pieces) {
    std::size_t filled = 0;
    while (filled < piece.iov_len) {
      const std::size_t n = tls_->read({static_cast<std::byte*>(piece.iov_base) + filled, piece.iov_len - filled});
      if (n == 0) return received + filled;
      filled += n;
    }
    received += filled;
  }
  return received;
}

}  // namespace kvslo::net
