#include "resp/reply_parser.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

namespace kvslo::resp {
namespace {

std::string printable(std::string_view s, std::size_t limit = 40) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'') {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (s.size() > limit) out += "...";
  return out;
}

}  // namespace

void ReplyParser::reset() {
  state_ = State::kIdle;
  line_.clear();
  remaining_elements_.clear();
  destination_ = nullptr;
  bulk_length_ = bulk_remaining_ = 0;
  reply_offset_ = 0;
  error_.clear();
}

void ReplyParser::fail(std::string message) {
  error_ = "RESP parse error at byte " + std::to_string(reply_offset_) + " of a reply: " + std::move(message);
  state_ = State::kError;
}

FeedResult ReplyParser::feed(std::span<const std::byte> input) {
  if (state_ == State::kError) return {0, ParseStatus::kError};
  if (state_ == State::kIdle) {
    state_ = State::kType;
    reply_offset_ = 0;
  }
  const auto* data = reinterpret_cast<const char*>(input.data());
  std::size_t pos = 0;
  while (pos < input.size()) {
    switch (state_) {
      case State::kType: {
        char c = data[pos++];
        ++reply_offset_;
        if (c != '+' && c != '-' && c != ':' && c != '$' && c != '*') {
          fail("unexpected type byte '" + printable({&c, 1}) + "' (expected one of + - : $ *)");
          break;
        }
        type_ = c;
        line_.clear();
        state_ = State::kLine;
        break;
      }
      case State::kLine: {
        const std::size_t limit = (type_ == '+' || type_ == '-') ? kMaxStatusLine : kMaxNumberLine;
        const void* nl = std::memchr(data + pos, '\n', input.size() - pos);
        std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data) : input.size();
        if (line_.size() + (end - pos) > limit + 1) {  // +1 for the CR
          fail("header line of '" + std::string(1, type_) + "' reply longer than " + std::to_string(limit) +
               " bytes");
          break;
        }
        line_.append(data + pos, end - pos);
        reply_offset_ += end - pos;
        pos = end;
        if (!nl) break;
        ++pos;
        ++reply_offset_;
        if (line_.empty() || line_.back() != '\r') {
          fail("line feed without carriage return after '" + printable(line_) + "'");
          break;
        }
        line_.pop_back();
        handle_line(line_);
        break;
      }
      case State::kPayload: {
        std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>(bulk_remaining_, input.size() - pos));
        if (destination_) std::memcpy(destination_ + (bulk_length_ - bulk_remaining_), data + pos, n);
        bulk_remaining_ -= n;
        pos += n;
        reply_offset_ += n;
        if (bulk_remaining_ == 0) state_ = State::kPayloadCr;
        break;
      }
      case State::kPayloadCr:
      case State::kPayloadLf: {
        const char want = state_ == State::kPayloadCr ? '\r' : '\n';
        char c = data[pos++];
        ++reply_offset_;
        if (c != want) {
          fail("bulk payload of " + std::to_string(bulk_length_) + " bytes not followed by CRLF (found '" +
               printable({&c, 1}) + "')");
          break;
        }
        if (state_ == State::kPayloadCr) {
          state_ = State::kPayloadLf;
        } else {
          finish_bulk();
        }
        break;
      }
      case State::kIdle:
      case State::kError:
        break;
    }
    if (state_ == State::kIdle) return {pos, ParseStatus::kReplyComplete};
    if (state_ == State::kError) return {pos, ParseStatus::kError};
  }
  return {pos, ParseStatus::kNeedMore};
}

std::span<std::byte> ReplyParser::direct_window() const {
  if (state_ != State::kPayload || destination_ == nullptr) return {};
  return {destination_ + (bulk_length_ - bulk_remaining_), static_cast<std::size_t>(bulk_remaining_)};
}

void ReplyParser::commit_direct(std::size_t n) {
  if (n > direct_window().size()) {
    fail("commit_direct(" + std::to_string(n) + ") beyond the payload window");
    return;
  }
  bulk_remaining_ -= n;
  reply_offset_ += n;
  if (bulk_remaining_ == 0) state_ = State::kPayloadCr;
}

std::optional<std::int64_t> ReplyParser::parse_number(std::string_view line) {
  std::int64_t value = 0;
  const char* first = line.data();
  const char* last = line.data() + line.size();
  // from_chars accepts neither '+' nor spaces, which is what RESP wants; it
  // reports overflow instead of wrapping.
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (line.empty() || ec != std::errc{} || ptr != last) {
    fail("invalid number '" + printable(line) + "' after '" + std::string(1, type_) + "'");
    return std::nullopt;
  }
  return value;
}

void ReplyParser::handle_line(std::string_view line) {
  switch (type_) {
    case '+':
      state_ = State::kType;
      visitor_->on_simple_string(line);
      element_done();
      return;
    case '-':
      state_ = State::kType;
      visitor_->on_error(line);
      element_done();
      return;
    case ':': {
      auto v = parse_number(line);
      if (!v) return;
      state_ = State::kType;
      visitor_->on_integer(*v);
      element_done();
      return;
    }
    case '$': {
      auto v = parse_number(line);
      if (!v) return;
      if (*v == -1) {
        state_ = State::kType;
        visitor_->on_nil_bulk();
        element_done();
      } else if (*v < -1 || *v > kMaxBulkLength) {
        fail("invalid bulk length " + std::to_string(*v) + " (expected -1 or 0.." + std::to_string(kMaxBulkLength) +
             ")");
      } else {
        begin_bulk(*v);
      }
      return;
    }
    case '*': {
      auto v = parse_number(line);
      if (!v) return;
      if (*v == -1) {
        state_ = State::kType;
        visitor_->on_nil_array();
        element_done();
      } else if (*v < -1 || *v > kMaxArrayLength) {
        fail("invalid array length " + std::to_string(*v) + " (expected -1 or 0.." +
             std::to_string(kMaxArrayLength) + ")");
      } else if (*v == 0) {
        state_ = State::kType;
        visitor_->on_array_begin(0);
        visitor_->on_array_end();
        element_done();
      } else if (remaining_elements_.size() >= kMaxDepth) {
        fail("arrays nested deeper than " + std::to_string(kMaxDepth));
      } else {
        state_ = State::kType;
        visitor_->on_array_begin(*v);
        remaining_elements_.push_back(*v);
      }
      return;
    }
    default:
      fail("internal: unknown type");
  }
}

void ReplyParser::begin_bulk(std::int64_t length) {
  bulk_length_ = bulk_remaining_ = static_cast<std::uint64_t>(length);
  destination_ = nullptr;
  if (expected_bulk_size_ && *expected_bulk_size_ != bulk_length_) {
    bulk_outcome_ = BulkOutcome::kSizeMismatch;
  } else {
    std::span<std::byte> dest = visitor_->on_bulk_begin(bulk_length_);
    if (dest.size() >= bulk_length_) {
      bulk_outcome_ = BulkOutcome::kStored;
      destination_ = dest.data();
    } else {
      bulk_outcome_ = BulkOutcome::kTooLarge;
    }
  }
  state_ = bulk_length_ == 0 ? State::kPayloadCr : State::kPayload;
}

void ReplyParser::finish_bulk() {
  destination_ = nullptr;
  state_ = State::kType;
  visitor_->on_bulk_end(bulk_outcome_, bulk_length_);
  element_done();
}

void ReplyParser::element_done() {
  while (!remaining_elements_.empty()) {
    if (--remaining_elements_.back() > 0) return;
    remaining_elements_.pop_back();
    visitor_->on_array_end();
  }
  state_ = State::kIdle;
}

}  // namespace kvslo::resp
