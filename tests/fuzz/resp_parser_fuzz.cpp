// libFuzzer target: the incremental parser, fed arbitrary bytes in arbitrary
// splits, must agree with a simple whole-buffer reference decoder, and never
// crash, hang or overrun (ASan/UBSan are on in the fuzz build).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "resp/reply.hpp"
#include "resp/reply_parser.hpp"

namespace {

using kvslo::resp::ReplyParser;
constexpr std::uint64_t kMaxBulk = 1 << 20;  // ReplyBuilder limit used below

// Reference: recursive descent over the whole input. Returns false on a
// protocol error; sets `incomplete` when the input ends inside a reply.
struct Reference {
  std::string_view in;
  std::size_t pos = 0;
  bool incomplete = false;

  bool line(std::size_t limit, std::string_view& out) {
    std::size_t nl = in.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? in.size() : nl;
    if (end - pos > limit + 1) return false;
    if (nl == std::string_view::npos) {
      incomplete = true;
      return false;
    }
    if (nl == pos || in[nl - 1] != '\r') return false;
    out = in.substr(pos, nl - 1 - pos);
    pos = nl + 1;
    return true;
  }
  static bool number(std::string_view s, std::int64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
  }
  bool reply(std::string& out, std::size_t depth) {
    if (pos >= in.size()) {
      incomplete = true;
      return false;
    }
    char t = in[pos++];
    std::string_view l;
    switch (t) {
      case '+':
      case '-':
        if (!line(ReplyParser::kMaxStatusLine, l)) return false;
        out = std::string(1, t) + std::string(l);
        return true;
      case ':': {
        std::int64_t v;
        if (!line(ReplyParser::kMaxNumberLine, l) || !number(l, v)) return false;
        out = ":" + std::to_string(v);
        return true;
      }
      case '$': {
        std::int64_t v;
        if (!line(ReplyParser::kMaxNumberLine, l) || !number(l, v)) return false;
        if (v == -1) {
          out = "$-1";
          return true;
        }
        if (v < -1 || v > ReplyParser::kMaxBulkLength) return false;
        auto len = static_cast<std::uint64_t>(v);
        if (in.size() - pos < len) {
          incomplete = true;
          return false;
        }
        std::string payload(in.substr(pos, len));
        pos += len;
        for (char want : {'\r', '\n'}) {
          if (pos >= in.size()) {
            incomplete = true;
            return false;
          }
          if (in[pos++] != want) return false;
        }
        out = len > kMaxBulk ? "-kvslo: bulk of " + std::to_string(len) + " bytes skipped (limit " +
                                   std::to_string(kMaxBulk) + ")"
                             : "$" + std::to_string(len) + ":" + payload;
        return true;
      }
      case '*': {
        std::int64_t v;
        if (!line(ReplyParser::kMaxNumberLine, l) || !number(l, v)) return false;
        if (v == -1) {
          out = "*-1";
          return true;
        }
        if (v < -1 || v > ReplyParser::kMaxArrayLength) return false;
        if (v > 0 && depth >= ReplyParser::kMaxDepth) return false;
        out = "*" + std::to_string(v) + "[";
        for (std::int64_t i = 0; i < v; ++i) {
          std::string element;
          if (!reply(element, depth + 1)) return false;
          out += (i ? "," : "") + element;
        }
        out += "]";
        return true;
      }
      default:
        return false;
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first two bytes choose the split pattern; the rest is the stream.
  const unsigned stride = 1 + data[0] % 64;
  const unsigned jitter = data[1];
  std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  std::vector<std::string> expected;
  bool expected_error = false;
  {
    Reference ref{stream};
    while (ref.pos < stream.size()) {
      std::string r;
      if (!ref.reply(r, 0)) {
        expected_error = !ref.incomplete;
        break;
      }
      expected.push_back(r);
    }
  }

  kvslo::resp::ReplyBuilder builder(kMaxBulk);
  ReplyParser parser(builder);
  std::vector<std::string> got;
  bool got_error = false;
  std::size_t pos = 0, piece = 0;
  while (pos < stream.size() && !got_error) {
    std::size_t len = std::min<std::size_t>(stream.size() - pos, 1 + (stride + (jitter * ++piece) % 97) % 4096);
    auto bytes = std::as_bytes(std::span(stream.data() + pos, len));
    pos += len;
    while (!bytes.empty()) {
      // Sometimes take payload through the direct window, as the clients do.
      auto window = parser.direct_window();
      if (!window.empty() && (piece & 1)) {
        std::size_t n = std::min(window.size(), bytes.size());
        std::memcpy(window.data(), bytes.data(), n);
        parser.commit_direct(n);
        bytes = bytes.subspan(n);
        continue;
      }
      auto [consumed, status] = parser.feed(bytes);
      bytes = bytes.subspan(consumed);
      if (status == kvslo::resp::ParseStatus::kError) {
        got_error = true;
        break;
      }
      if (status == kvslo::resp::ParseStatus::kReplyComplete) got.push_back(builder.take().describe());
    }
  }
  if (got != expected || got_error != expected_error) std::abort();
  return 0;
}
