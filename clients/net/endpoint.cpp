#include "net/endpoint.hpp"

#include <charconv>
#include <cstdlib>

namespace kvslo::net {
namespace {

constexpr std::string_view kUsage =
    "expected redis://[user[:password]@]host:port, rediss://... (the same in TLS), "
    "redis-cluster://[user[:password]@]host:port (any node of a cluster) or unix:///path";

[[noreturn]] void reject(std::string_view what) {
  throw std::invalid_argument("invalid Redis endpoint: " + std::string(what) + " (" + std::string(kUsage) + ")");
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// URL userinfo may percent-encode reserved characters such as '@' or ':'.
std::string percent_decode(std::string_view s, std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) {
      reject("bad percent-encoding in the " + std::string(field));
    }
    out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
    i += 2;
  }
  return out;
}

}  // namespace

Endpoint Endpoint::tcp(std::string host, std::uint16_t port) {
  Endpoint e;
  e.kind = Kind::kTcp;
  e.host = std::move(host);
  e.port = port;
  return e;
}

Endpoint Endpoint::parse(std::string_view url) {
  Endpoint e;
  if (url.starts_with("unix://")) {
    e.kind = Kind::kUnix;
    e.path = std::string(url.substr(7));
    if (e.path.empty() || e.path.front() != '/') reject("unix socket path must be absolute");
    return e;
  }
  if (url.starts_with("redis-cluster://")) {
    Endpoint node = parse("redis://" + std::string(url.substr(16)));
    node.cluster = true;
    return node;
  }
  if (url.starts_with("rediss://")) {
    Endpoint secured = parse("redis://" + std::string(url.substr(9)));
    secured.tls = TlsSettings{};
    return secured;
  }
  if (!url.starts_with("redis://")) {
    // Echo the scheme only when it looks like one: anything else may hold credentials.
    const auto end = url.find("://");
    const std::string_view scheme = url.substr(0, end == std::string_view::npos ? 0 : end);
    const bool plain = !scheme.empty() && scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") == std::string_view::npos;
    reject(plain ? "unknown scheme '" + std::string(scheme) + "'" : std::string("no scheme"));
  }
  std::string_view rest = url.substr(8);
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/" && rest.substr(slash) != "/0") reject("database numbers other than 0 are not supported");
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    e.user = percent_decode(userinfo.substr(0, colon), "user name");
    if (colon != std::string_view::npos) e.password = percent_decode(userinfo.substr(colon + 1), "password");
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) reject("unterminated '[' in the IPv6 address");
    e.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.starts_with(':')) reject("missing port after the IPv6 address");
    port_text = rest.substr(1);
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) reject("missing port");
    e.host = std::string(rest.substr(0, colon));
    port_text = rest.substr(colon + 1);
  }
  if (e.host.empty()) reject("missing host");
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
      value > 65535) {
    // Echo only what looks like a port: a misplaced password lands here too.
    const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                        port_text.find_first_not_of("0123456789") == std::string_view::npos;
    reject(digits ? "port '" + std::string(port_text) + "' is not a number from 1 to 65535"
                  : std::string("the port is not a number from 1 to 65535"));
  }
  e.port = static_cast<std::uint16_t>(value);
  return e;
}

Endpoint Endpoint::parse_with_environment(std::string_view url) {
  Endpoint e = parse(url);
  if (e.password.empty()) {
    if (const char* env = std::getenv("KVSLO_REDIS_PASSWORD"); env && *env) e.password = env;
  }
  return e;
}

std::string Endpoint::display() const {
  if (kind == Kind::kUnix) return "unix://" + path;
  std::string out = cluster ? "redis-cluster://" : tls ? "rediss://" : "redis://";
  if (!user.empty() || !password.empty()) {
    out += user;
    if (!password.empty()) out += ":***";
    out += "@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  return out;
}

}  // namespace kvslo::net
