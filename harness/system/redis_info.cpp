#include "system/redis_info.hpp"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include "command_channel.hpp"

namespace kvslo {
namespace {

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Adds what the server has of `names` to `out`, so what was read before a failure is kept.
void config_get_into(CommandChannel& channel, const std::vector<std::string>& names, nlohmann::json& out) {
  for (const auto& name : names) {
    const resp::Reply r = channel.call({"CONFIG", "GET", name});
    if (r.type == resp::Reply::Type::kArray && r.elements.size() == 2) out[name] = r.elements[1].text;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string> InfoFields::find(std::string_view key) const {
  for (const auto& entry : sections) {
    const auto& fields = entry.second;
    if (auto it = fields.find(std::string(key)); it != fields.end()) return it->second;
  }
  return std::nullopt;
}

const std::string& InfoFields::at(std::string_view key) const {
  for (const auto& entry : sections) {
    const auto& fields = entry.second;
    if (auto it = fields.find(std::string(key)); it != fields.end()) return it->second;
  }
  throw std::runtime_error("INFO has no " + std::string(key));
}

double InfoFields::number(std::string_view key) const {
  const std::string& text = at(key);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw std::runtime_error("INFO " + std::string(key) + " is not a number: '" + text + "'");
  }
  return value;
}

InfoFields parse_info(std::string_view text) {
  InfoFields info;
  std::string section;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = without_cr(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::string_view name = line.substr(1);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      section = lower(name);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    info.sections[section][std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
  }
  return info;
}

InfoFields read_info(CommandChannel& channel, std::string_view section) {
  return parse_info(channel.call_ok({"INFO", section}).text);
}

nlohmann::json config_get(CommandChannel& channel, const std::vector<std::string>& names) {
  nlohmann::json out = nlohmann::json::object();
  config_get_into(channel, names, out);
  return out;
}

nlohmann::json read_redis_config(const net::Endpoint& endpoint, const std::vector<std::string>& names) {
  nlohmann::json out = nlohmann::json::object();
  try {
    CommandChannel channel(endpoint, std::chrono::milliseconds(3000));
    config_get_into(channel, names, out);
  } catch (const std::exception& e) {
    out["error"] = e.what();
  }
  return out;
}

}  // namespace kvslo
