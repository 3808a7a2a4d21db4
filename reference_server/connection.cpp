#include "connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace kvslo::reference {

Connection::Connection(int fd, ServerState& server) : fd_(fd), server_(server) {
  session_.authenticated = !server.users.required();
  reader_.set_trusted(session_.authenticated);
  server_.connections.fetch_add(1, std::memory_order_relaxed);
  server_.connected.fetch_add(1, std::memory_order_relaxed);
}

Connection::~Connection() {
  ::close(fd_);
  server_.connected.fetch_sub(1, std::memory_order_relaxed);
}

unsigned Connection::wanted_events() const {
  unsigned events = 0;
  if (!closing_ && !backed_up()) events |= EPOLLIN;
  if (!replies_.empty()) events |= EPOLLOUT;
  return events;
}

bool Connection::on_readable() {
  // A bounded number of reads per wake-up, so one busy client cannot starve the others of this loop.
  for (int reads = 0; reads < 16 && !closing_ && !backed_up(); ++reads) {
    const std::span<std::byte> window = reader_.direct_window();
    std::span<std::byte> into = window.empty() ? std::span<std::byte>(buffer_) : window;
    const ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
    if (n == 0) return false;  // the client closed (Redis, too, drops what it had not sent)
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    if (!window.empty()) {
      reader_.commit_direct(static_cast<std::size_t>(n));  // a value's bytes, in place
    } else if (!run_input(std::span<const std::byte>(buffer_.data(), static_cast<std::size_t>(n)))) {
      break;
    }
  }
  return flush();
}

bool Connection::run_input(std::span<const std::byte> input) {
  while (!input.empty() && !closing_) {
    const RequestReader::Fed fed = reader_.feed(input);
    input = input.subspan(fed.consumed);
    switch (fed.event) {
      case RequestReader::Event::kNeedMore:
        break;
      case RequestReader::Event::kRequest:
        run_command(reader_.args(), session_, server_, replies_);
        closing_ = session_.quit;
        reader_.set_trusted(session_.authenticated);
        break;
      case RequestReader::Event::kBadRequest:
        replies_.error("ERR " + reader_.problem());
        break;
      case RequestReader::Event::kProtocolError:
        replies_.error("ERR Protocol error: " + reader_.problem());
        closing_ = true;
        break;
    }
  }
  return !closing_;
}

bool Connection::on_writable() { return flush(); }

bool Connection::flush() {
  iovec iov[IOV_MAX];
  while (!replies_.empty()) {
    const std::size_t count = replies_.gather(iov, IOV_MAX);
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);  // writev that cannot raise SIGPIPE
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    replies_.sent(static_cast<std::size_t>(n));
  }
  return !closing_;
}

}  // namespace kvslo::reference
