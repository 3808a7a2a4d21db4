#pragma once
// One client of the reference server: its socket, its request reader, its
// reply queue. Reads go straight into a SET value's Blob while one is
// arriving; replies leave with writev, values included as they are stored.
// A client that sends faster than it reads is paused (no reads) until its
// replies drain, so pipelined requests cannot pile up replies without bound
// (counted in pieces, and in bytes of text, which small requests amplify).

#include <array>
#include <cstddef>

#include "commands.hpp"
#include "reply_queue.hpp"
#include "request_reader.hpp"
#include "server_state.hpp"

namespace kvslo::reference {

class Connection {
 public:
  Connection(int fd, ServerState& server);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  // Reads what has arrived, runs the requests, sends what it can. False: close it.
  bool on_readable();
  // Sends what it can. False: close it.
  bool on_writable();
  // What to wait for next (EPOLLIN and/or EPOLLOUT).
  unsigned wanted_events() const;

 private:
  bool run_input(std::span<const std::byte> input);
  bool flush();
  // Too many replies wait for this client to read them: stop reading its requests.
  bool backed_up() const {
    return replies_.pieces() >= kMaxQueuedPieces || replies_.text_bytes() >= kMaxQueuedText;
  }

  static constexpr std::size_t kReadBuffer = 64 * 1024;
  static constexpr std::size_t kMaxQueuedPieces = 4096;       // then reading pauses...
  static constexpr std::size_t kMaxQueuedText = 1 << 20;      // ...as it does at 1 MiB of error or INFO text

  int fd_;
  ServerState& server_;
  RequestReader reader_;
  ReplyQueue replies_;
  Session session_;
  bool closing_ = false;  // a protocol error or QUIT: send what is queued, then close
  std::array<std::byte, kReadBuffer> buffer_{};
};

}  // namespace kvslo::reference
