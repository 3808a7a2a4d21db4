#pragma once
// One TLS session over a connected non-blocking socket (OpenSSL 3), in the
// same two styles as Socket: calls that never block (read / write return 0
// when they would) and a handshake bounded by a deadline. Payload bytes are
// decrypted straight into the caller's buffer and encrypted straight from
// it: kvslo stages nothing (OpenSSL itself decrypts each record in its own
// buffer and copies it out, unless the kernel does the record layer: kTLS).

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "net/tls.hpp"

struct ssl_st;

namespace kvslo::net {

class TlsContext;

// Loads `settings` (the CA file, a client certificate and its key) as a
// connection would, and throws NetError naming what cannot be used: bad
// input refused before anything runs.
void check_tls_settings(const TlsSettings& settings);

class TlsSession {
 public:
  // `host` is what the certificate must name (unless settings.server_name
  // says otherwise); `peer` is for messages. Throws NetError when the
  // settings cannot be loaded (a missing CA file, a key that does not match).
  TlsSession(const TlsSettings& settings, const std::string& host, int fd, std::string peer);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Throws NetError naming why the peer was refused (its certificate, its
  // name, the protocol), or a timeout.
  void handshake(std::chrono::steady_clock::time_point deadline);
  // Bytes decrypted into `buffer`; 0 when none are ready. A closed
  // connection is a NetError, never a silent 0.
  std::size_t read(std::span<std::byte> buffer);
  // Bytes of `data` sent; 0 when the socket takes nothing now. After a 0 the
  // next call must offer the same bytes again (as OpenSSL requires).
  std::size_t write(std::span<const std::byte> data);
  // poll() events the last call that returned 0 waits for (TLS may need to
  // write to read, or read to write).
  short blocked_on() const { return blocked_on_; }
  // Whether decrypted bytes are waiting inside OpenSSL: poll() cannot see them.
  bool has_buffered() const;
  // An idle session with application data (or a close) to read is out of
  // step; session tickets and other handshake records are not.
  bool idle_is_stale();
  TlsInfo info() const;
  // Whether the kernel decrypts received records (then it, not OpenSSL,
  // holds partial records).
  bool kernel_receives() const;

 private:
  std::size_t blocked(int ssl_result, const char* what);

  std::shared_ptr<TlsContext> context_;
  ssl_st* ssl_ = nullptr;
  std::string peer_;
  bool verify_;
  short blocked_on_ = 0;
};

}  // namespace kvslo::net
