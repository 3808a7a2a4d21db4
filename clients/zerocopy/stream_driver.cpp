#include "zerocopy/stream_driver.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/sigpipe_blocked.hpp"

namespace kvslo {

StreamDriver::StreamDriver(const ClientOptions& options, int connections) : options_(options) {
  for (int i = 0; i < connections; ++i) connections_.push_back(std::make_unique<PipelinedConnection>(options_));
}

std::vector<ConnectionInfo> StreamDriver::connections() const {
  std::vector<ConnectionInfo> out;
  for (const auto& c : connections_) {
    if (auto info = c->info()) out.push_back(*info);
  }
  return out;
}

void StreamDriver::run(const BatchJob& job, KeyRange range) {
  // OpenSSL writes to a closed peer with write(): an error per key, not a signal (once per batch, not per write).
  const net::SigpipeBlocked no_sigpipe;
  const std::size_t parts = connections_.size();
  const auto connect_deadline = net::Clock::now() + options_.connect_timeout;
  for (std::size_t i = 0; i < parts; ++i) {
    KeyRange part = balanced_range(range.size(), parts, i);
    part = {range.begin + part.begin, range.begin + part.end};
    if (part.empty()) continue;
    if (auto error = connections_[i]->ensure_connected(connect_deadline)) {
      fail_unserved(job, part, KeyStatus::kIoError, *error);
      continue;
    }
    connections_[i]->begin(job, part);
  }

  std::vector<pollfd> fds;
  std::vector<PipelinedConnection*> polled;
  for (;;) {
    fds.clear();
    polled.clear();
    net::Deadline earliest = net::Deadline::max();
    for (auto& c : connections_) {
      if (!c->busy()) continue;
      fds.push_back({c->fd(), c->wanted_events(), 0});
      polled.push_back(c.get());
      earliest = std::min(earliest, c->deadline());
    }
    if (fds.empty()) return;
    int rc = ::poll(fds.data(), fds.size(), net::poll_timeout_ms(earliest));
    if (rc < 0 && errno != EINTR) {
      const std::string message = std::string("poll: ") + std::strerror(errno);
      for (auto* c : polled) c->fail(KeyStatus::kIoError, message);
      return;
    }
    const auto now = net::Clock::now();
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        polled[i]->on_ready(fds[i].revents);
      } else if (now >= polled[i]->deadline()) {
        polled[i]->fail(KeyStatus::kTimeout,
                        "no progress for " + std::to_string(options_.op_timeout.count()) + " ms");
      }
    }
  }
}

}  // namespace kvslo
