#pragma once
// One thread of the reference server: an epoll set watching the server's one
// listening socket (EPOLLEXCLUSIVE: a new connection wakes one idle loop, not
// all), and the connections it accepted, served level-triggered. One socket,
// not one per thread with SO_REUSEPORT: that would let another process of
// the same user bind the port too and take connections meant for this one.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "connection.hpp"
#include "server_state.hpp"

namespace kvslo::reference {

// A listening TCP socket on `bind_address`:`port` (0: the kernel picks);
// throws std::runtime_error naming what failed.
int listen_on(const std::string& bind_address, std::uint16_t port);
std::uint16_t local_port(int listen_fd);

class EventLoop {
 public:
  // Watches `listen_fd`, which stays its owner's (every loop shares it).
  EventLoop(int listen_fd, ServerState& server);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Serves until `stop` is raised (seen within 100 ms).
  void run(const std::atomic<bool>& stop);

 private:
  void accept_all();
  void update(Connection& c);
  void close(int fd);

  int listen_fd_, epoll_fd_;
  ServerState& server_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::unordered_map<int, unsigned> registered_;  // events each connection waits for now
};

}  // namespace kvslo::reference
