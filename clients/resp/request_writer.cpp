#include "resp/request_writer.hpp"

#include <array>
#include <charconv>
#include <cstring>

namespace kvslo::resp {
namespace {

std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

// "<prefix><n>\r\n" without allocating.
std::string_view format_header(std::array<char, 32>& buffer, char prefix, std::size_t n) {
  buffer[0] = prefix;
  auto [end, ec] = std::to_chars(buffer.data() + 1, buffer.data() + buffer.size() - 2, n);
  (void)ec;  // 30 digits always suffice for a size_t
  *end++ = '\r';
  *end++ = '\n';
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

}  // namespace

void RequestWriter::get(std::string_view key) {
  begin_command(2);
  argument("GET");
  argument(key);
}

void RequestWriter::set(std::string_view key, std::span<const std::byte> value) {
  begin_command(3);
  argument("SET");
  argument(key);
  argument(value, false);
}

void RequestWriter::exists(std::string_view key) {
  begin_command(2);
  argument("EXISTS");
  argument(key);
}

void RequestWriter::del(std::string_view key) {
  begin_command(2);
  argument("DEL");
  argument(key);
}

void RequestWriter::ping() {
  begin_command(1);
  argument("PING");
}

void RequestWriter::auth(std::string_view password) {
  begin_command(2);
  argument("AUTH");
  argument(password);
}

void RequestWriter::auth(std::string_view user, std::string_view password) {
  begin_command(3);
  argument("AUTH");
  argument(user);
  argument(password);
}

void RequestWriter::info(std::string_view section) {
  begin_command(2);
  argument("INFO");
  argument(section);
}

void RequestWriter::config_get(std::string_view parameter) {
  begin_command(3);
  argument("CONFIG");
  argument("GET");
  argument(parameter);
}

void RequestWriter::config_set(std::string_view parameter, std::string_view value) {
  begin_command(4);
  argument("CONFIG");
  argument("SET");
  argument(parameter);
  argument(value);
}

void RequestWriter::command(std::span<const std::string_view> arguments) {
  begin_command(arguments.size());
  for (auto a : arguments) argument(a);
}

void RequestWriter::begin_command(std::size_t argument_count) {
  std::array<char, 32> buffer;
  append_arena(format_header(buffer, '*', argument_count));
  ++command_count_;
}

void RequestWriter::argument(std::span<const std::byte> bytes, bool may_inline) {
  std::array<char, 32> buffer;
  append_arena(format_header(buffer, '$', bytes.size()));
  if (may_inline && bytes.size() <= kInlineArgumentLimit) {
    append_arena(bytes);
  } else {
    append_external(bytes);
  }
  append_arena("\r\n");
}

void RequestWriter::append_arena(std::string_view text) { append_arena(bytes_of(text)); }

void RequestWriter::append_arena(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  // Consecutive arena bytes share one piece, so a pipeline of GETs is a
  // single iovec however many commands it holds.
  if (!pieces_.empty() && pieces_.back().in_arena) {
    pieces_.back().length += bytes.size();
  } else {
    pieces_.push_back({true, arena_.size(), nullptr, bytes.size()});
  }
  arena_.insert(arena_.end(), bytes.begin(), bytes.end());
  total_bytes_ += bytes.size();
}

void RequestWriter::append_external(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  pieces_.push_back({false, 0, bytes.data(), bytes.size()});
  total_bytes_ += bytes.size();
}

std::span<const iovec> RequestWriter::iovecs() {
  iovecs_.clear();
  iovecs_.reserve(pieces_.size());
  for (const Piece& p : pieces_) {
    const std::byte* base = p.in_arena ? arena_.data() + p.arena_offset : p.external;
    // iovec is a C struct with a non-const base; the kernel only reads it on send.
    iovecs_.push_back({const_cast<std::byte*>(base), p.length});
  }
  return iovecs_;
}

std::string RequestWriter::to_string() {
  std::string out;
  out.reserve(total_bytes_);
  for (const iovec& v : iovecs()) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return out;
}

void RequestWriter::clear() {
  arena_.clear();
  pieces_.clear();
  iovecs_.clear();
  command_count_ = 0;
  total_bytes_ = 0;
}

}  // namespace kvslo::resp
