#include "command_channel.hpp"

#include <poll.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "net/sigpipe_blocked.hpp"

namespace kvslo {

resp::Reply roundtrip(net::Socket& socket, resp::RequestWriter& request, net::Deadline deadline) {
  const net::SigpipeBlocked no_sigpipe;  // over TLS, OpenSSL writes with write()
  socket.send_all(request.iovecs(), deadline);
  resp::ReplyBuilder builder;
  resp::ReplyParser parser(builder);
  std::array<std::byte, 16 * 1024> staging;
  std::size_t replies_left = request.command_count();
  resp::Reply last;
  while (replies_left > 0) {
    iovec piece{staging.data(), staging.size()};
    std::size_t n = socket.recv_some({&piece, 1});
    if (n == 0) {
      socket.wait(POLLIN, deadline, "reply from");
      continue;
    }
    std::span<const std::byte> input(staging.data(), n);
    while (!input.empty()) {
      if (replies_left == 0) throw net::NetError("unexpected bytes after the reply from " + socket.peer(), false);
      auto [consumed, status] = parser.feed(input);
      input = input.subspan(consumed);
      if (status == resp::ParseStatus::kError) throw net::NetError(parser.error() + " from " + socket.peer(), false);
      if (status == resp::ParseStatus::kReplyComplete) {
        last = builder.take();
        --replies_left;
      }
    }
  }
  return last;
}

void authenticate(net::Socket& socket, const net::Endpoint& endpoint, net::Deadline deadline) {
  if (!endpoint.has_password()) return;
  resp::RequestWriter request;
  if (endpoint.user.empty()) {
    request.auth(endpoint.password);
  } else {
    request.auth(endpoint.user, endpoint.password);
  }
  resp::Reply reply = roundtrip(socket, request, deadline);
  if (reply.type != resp::Reply::Type::kSimpleString) {
    throw net::NetError("authentication to " + endpoint.display() + " failed: " + reply.describe(), false);
  }
}

CommandChannel::CommandChannel(const net::Endpoint& endpoint, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  auto deadline = net::Clock::now() + timeout;
  socket_ = net::Socket::connect(endpoint, {}, deadline);
  authenticate(socket_, endpoint, deadline);
}

resp::Reply CommandChannel::call(std::initializer_list<std::string_view> arguments) {
  return call(std::span(arguments.begin(), arguments.size()));
}

resp::Reply CommandChannel::call(std::span<const std::string_view> arguments) {
  resp::RequestWriter request;
  request.command(arguments);
  return roundtrip(socket_, request, net::Clock::now() + timeout_);
}

resp::Reply CommandChannel::call_ok(std::initializer_list<std::string_view> arguments) {
  resp::Reply reply = call(arguments);
  if (reply.is_error()) {
    // Whatever follows AUTH or AUTH2 (AUTH itself, MIGRATE ... AUTH, HELLO ...
    // AUTH) and an ACL password (">...") are secrets: never echoed.
    std::string command;
    bool secret = false;
    for (auto a : arguments) {
      const bool shown = !secret && !a.starts_with(">");
      command += (command.empty() ? "" : " ") + (shown ? std::string(a) : std::string("***"));
      secret = secret || a == "AUTH" || a == "AUTH2" || a == "auth" || a == "auth2";
    }
    throw std::runtime_error("Redis " + socket_.peer() + " refused '" + command + "': " + reply.text);
  }
  return reply;
}

}  // namespace kvslo
