#include "experiment/wire_target.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>

namespace kvslo {
namespace {

// "5201" -> 5201: digits only (no sign, space or trailing text, which
// std::stoi would let through), from 1 to 65535.
std::uint16_t parse_port(const std::string& digits, const std::string& text) {
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || !std::isdigit(static_cast<unsigned char>(digits.front())) || ec != std::errc{} ||
      end != digits.data() + digits.size() || port < 1 || port > 65535) {
    throw std::invalid_argument("wire target '" + text + "': the port must be a number from 1 to 65535");
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

WireTarget WireTarget::parse(const std::string& text) {
  WireTarget t;
  if (text.empty()) throw std::invalid_argument("empty wire target (expected HOST or HOST:PORT)");
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) throw std::invalid_argument("unterminated '[' in wire target '" + text + "'");
    t.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') throw std::invalid_argument("expected ':' after ']' in wire target '" + text + "'");
      t.port = parse_port(text.substr(close + 2), text);
    }
  } else if (auto colon = text.rfind(':'); colon == std::string::npos || text.find(':') != colon) {
    t.host = text;  // no port, or an IPv6 address without brackets
  } else {
    t.host = text.substr(0, colon);
    t.port = parse_port(text.substr(colon + 1), text);
  }
  for (char ch : t.host) {
    if (std::isspace(static_cast<unsigned char>(ch)) || std::iscntrl(static_cast<unsigned char>(ch))) {
      throw std::invalid_argument("wire target '" + text + "': the host has a space or control character");
    }
  }
  if (t.host.empty()) throw std::invalid_argument("wire target '" + text + "': no host (expected HOST or HOST:PORT)");
  return t;
}

}  // namespace kvslo
