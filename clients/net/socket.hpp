#pragma once
// A connected, non-blocking stream socket to a Redis endpoint, in TLS when
// the endpoint says so (rediss://). Two styles: non-blocking primitives
// (send_some / recv_some) for event loops that drive many connections, and
// deadline-bounded helpers (send_all / recv_exact) for handshakes and simple
// callers. No call waits past its deadline. Over TLS, OpenSSL writes with
// write(), which raises SIGPIPE at a closed peer: callers block it for their
// scope (net::SigpipeBlocked, once per batch rather than per call).

#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "net/endpoint.hpp"
#include "net/iov_cursor.hpp"
#include "net/tls.hpp"

namespace kvslo::net {

class TlsSession;

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

class NetError : public std::runtime_error {
 public:
  NetError(const std::string& what, bool is_timeout) : std::runtime_error(what), timeout_(is_timeout) {}
  bool is_timeout() const { return timeout_; }

 private:
  bool timeout_;
};

struct SocketOptions {
  std::optional<int> sndbuf;  // bytes requested with SO_SNDBUF (before connect)
  std::optional<int> rcvbuf;  // bytes requested with SO_RCVBUF (before connect)
  bool nodelay = true;
};

// What the kernel granted. Linux doubles a request (for its bookkeeping)
// and caps it at net.core.wmem_max / rmem_max, so these differ from requests.
struct SocketBuffers {
  int sndbuf = 0;
  int rcvbuf = 0;
  int rcv_wscale = -1;  // TCP window scale this side announced in the handshake (-1: not TCP)
};

class Socket {
 public:
  Socket();
  ~Socket();
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Connects, and completes the TLS handshake when the endpoint has TLS.
  static Socket connect(const Endpoint& endpoint, const SocketOptions& options, Deadline deadline);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& peer() const { return peer_; }
  SocketBuffers buffers() const;
  bool is_tls() const { return tls_ != nullptr; }
  // poll() events a blocked TLS call waits for (0: none, or plain TCP).
  short tls_blocked_on() const;
  // What TLS negotiated; nullopt for a plain connection.
  std::optional<TlsInfo> tls() const;
  void close();
  // Hands the descriptor to another owner (a library that takes a connected
  // fd), in blocking mode; this Socket is then closed. Not for TLS (throws).
  int release_blocking();
  // poll() events this socket must wait for while it has work: `wanted` (the
  // caller's), plus what TLS needs to make progress on a blocked call.
  short events(short wanted) const;
  // Whether received bytes wait where poll() cannot see them (inside TLS).
  bool has_buffered() const;
  // An idle connection has nothing to read: if it has, the server closed it
  // (or sent bytes nobody asked for) and it is no longer in step.
  bool idle_is_stale();

  // Sends what the kernel takes now (at most IOV_MAX pieces); 0 when it would block.
  std::size_t send_some(IovCursor& cursor);
  // Reads what is available into the pieces in order; 0 when nothing is.
  // A closed connection is a NetError, never a silent 0.
  std::size_t recv_some(std::span<const iovec> pieces);

  void send_all(std::span<const iovec> pieces, Deadline deadline);
  void recv_exact(std::span<std::byte> buffer, Deadline deadline);
  // Waits until poll reports one of `events`; a NetError (timeout) past the deadline.
  void wait(short events, Deadline deadline, const char* what);
  // Reports the socket readable only once `bytes` can be read (SO_RCVLOWAT);
  // 1 restores the default. A reader that knows how many bytes are on their
  // way sleeps until they are there instead of waking for every segment, and
  // the sender (a Redis thread on the same cores) stops paying a wake-up per
  // write. A closed connection or an error still wakes it. The mark is kept
  // to a quarter of the receive buffer, re-read while it is below what is
  // asked, so it follows autotuning as it grows the buffer (loopback: from
  // 128 KiB at connect to several MiB after a few batches) and is always
  // reached, and the kernel never has to enlarge the buffer for it (which
  // Linux 6.7-6.17 does by clamping the window to the mark). Unix sockets
  // ignore the mark.
  void set_receive_low_water(std::size_t bytes);

 private:
  Socket(int fd, std::string peer);
  static Socket connect_tcp(const Endpoint& endpoint, const SocketOptions& options, Deadline deadline,
                            const std::string& peer);
  [[noreturn]] void throw_errno(const char* what, int error) const;

  std::size_t tls_send_some(IovCursor& cursor);
  std::size_t tls_recv_some(std::span<const iovec> pieces);

  int fd_ = -1;
  std::string peer_;  // endpoint.display(): safe for messages
  std::unique_ptr<TlsSession> tls_;
  std::vector<std::byte> gathered_;  // small pieces sent as one TLS record (kept while its write is blocked)
  std::pair<const void*, std::size_t> gathered_at_{};  // the cursor's position they were gathered at
  int low_water_ = 1;      // SO_RCVLOWAT as set
  int low_water_cap_ = 0;  // a quarter of the receive buffer when last read
};

// What the kernel granted a connected socket (see SocketBuffers).
SocketBuffers buffers_of(int fd);

// The same for a plain descriptor another library owns (hiredis).
bool idle_socket_is_stale(int fd);

// Milliseconds left until `deadline` for poll(): never negative, rounded up.
int poll_timeout_ms(Deadline deadline);

}  // namespace kvslo::net
