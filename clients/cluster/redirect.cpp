#include "cluster/redirect.hpp"

#include <charconv>
#include <stdexcept>

namespace kvslo::cluster {

std::string redirect_target(const std::string& message, std::string_view kind) {
  if (message.rfind(std::string(kind) + " ", 0) != 0) return "";
  const auto space = message.find(' ', kind.size() + 1);
  return space == std::string::npos ? "" : message.substr(space + 1);
}

net::Endpoint node_endpoint(const net::Endpoint& seed, const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("not a host:port address: " + address);
  net::Endpoint e = seed;
  e.kind = net::Endpoint::Kind::kTcp;
  e.cluster = false;
  e.host = address.substr(0, colon);
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
  const std::string_view port_text = std::string_view(address).substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    throw std::invalid_argument("not a port: " + address);
  }
  e.port = static_cast<std::uint16_t>(port);
  return e;
}

std::string node_address(const net::Endpoint& node) {
  return node.kind == net::Endpoint::Kind::kUnix ? node.path : node.host + ":" + std::to_string(node.port);
}

}  // namespace kvslo::cluster
