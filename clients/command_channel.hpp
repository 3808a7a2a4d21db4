#pragma once
// Blocking request/reply over one connection, for control commands (PING,
// AUTH, INFO, CONFIG, FLUSHALL) where simplicity beats speed. Every call is
// bounded by the operation timeout.

#include <chrono>
#include <initializer_list>
#include <span>
#include <string_view>

#include "net/endpoint.hpp"
#include "net/socket.hpp"
#include "resp/reply.hpp"
#include "resp/request_writer.hpp"

namespace kvslo {

// Sends the request and reads exactly one reply per command in it (the last
// is returned). Throws net::NetError on I/O failure, timeout or a malformed reply.
resp::Reply roundtrip(net::Socket& socket, resp::RequestWriter& request, net::Deadline deadline);

// AUTH with the endpoint's credentials, if it has any. Throws net::NetError
// with the server's reason (never the password) when it refuses them.
void authenticate(net::Socket& socket, const net::Endpoint& endpoint, net::Deadline deadline);

class CommandChannel {
 public:
  CommandChannel(const net::Endpoint& endpoint, std::chrono::milliseconds timeout);

  resp::Reply call(std::initializer_list<std::string_view> arguments);
  resp::Reply call(std::span<const std::string_view> arguments);
  // call(), throwing std::runtime_error on an error reply.
  resp::Reply call_ok(std::initializer_list<std::string_view> arguments);

 private:
  net::Socket socket_;
  std::chrono::milliseconds timeout_;
};

}  // namespace kvslo
