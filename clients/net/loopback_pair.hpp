#pragma once
// A connected TCP pair on 127.0.0.1: the kernel's loopback path, as Redis on
// the same host is reached, for the floors benchmark and the host calibration.

#include <utility>

namespace kvslo::net {

// {server side, client side}, TCP_NODELAY, default buffers, blocking; the
// caller closes both. {-1, -1} when the pair could not be made.
std::pair<int, int> tcp_loopback_pair();

}  // namespace kvslo::net
