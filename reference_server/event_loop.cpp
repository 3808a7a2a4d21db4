#include "event_loop.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace kvslo::reference {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

}  // namespace

int listen_on(const std::string& bind_address, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, bind_address.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("not an IPv4 address to listen on: " + bind_address);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // a restart on the same port need not wait
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 1024) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    fail("listening on " + bind_address + ":" + std::to_string(port));
  }
  return fd;
}

std::uint16_t local_port(int listen_fd) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) fail("getsockname");
  return ntohs(address.sin_port);
}

EventLoop::EventLoop(int listen_fd, ServerState& server)
    : listen_fd_(listen_fd), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), server_(server) {
  if (epoll_fd_ < 0) fail("epoll_create1");
  epoll_event event{};
  event.events = EPOLLIN | EPOLLEXCLUSIVE;
  event.data.fd = listen_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &event) != 0) fail("epoll_ctl");
}

EventLoop::~EventLoop() {
  connections_.clear();
  ::close(epoll_fd_);
}

void EventLoop::run(const std::atomic<bool>& stop) {
  epoll_event events[256];
  while (!stop.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epoll_fd_, events, 256, 100);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        accept_all();
        continue;
      }
      const auto it = connections_.find(fd);
      if (it == connections_.end()) continue;
      Connection& c = *it->second;
      bool keep = (events[i].events & (EPOLLERR | EPOLLHUP)) == 0;  // gone both ways: no reply can reach it
      if (keep && (events[i].events & EPOLLIN)) keep = c.on_readable();
      if (keep && (events[i].events & EPOLLOUT)) keep = c.on_writable();
      if (keep) {
        update(c);
      } else {
        close(fd);
      }
    }
  }
}

void EventLoop::accept_all() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      // Out of descriptors: the rest wait in the backlog, and a pause keeps
      // the level-triggered listener from spinning this loop meanwhile.
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    auto c = std::make_unique<Connection>(fd, server_);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) continue;  // c closes fd
    registered_[fd] = EPOLLIN;
    connections_.emplace(fd, std::move(c));
  }
}

void EventLoop::update(Connection& c) {
  const unsigned wanted = c.wanted_events();
  unsigned& current = registered_[c.fd()];
  if (wanted == current) return;
  epoll_event event{};
  event.events = wanted;
  event.data.fd = c.fd();
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd(), &event) == 0) current = wanted;
}

void EventLoop::close(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  registered_.erase(fd);
  connections_.erase(fd);  // closes it
}

}  // namespace kvslo::reference
