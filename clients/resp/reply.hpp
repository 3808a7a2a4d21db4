#pragma once
// A whole RESP reply as a value, and the visitor that builds one. For control
// commands (AUTH, PING, INFO, CONFIG) and tests; the data path never builds
// these, it lets payloads land in caller buffers instead.

#include <cstdint>
#include <string>
#include <vector>

#include "resp/reply_parser.hpp"

namespace kvslo::resp {

struct Reply {
  enum class Type { kSimpleString, kError, kInteger, kBulk, kNilBulk, kArray, kNilArray };
  Type type = Type::kNilBulk;
  std::string text;  // simple string, error or bulk payload
  std::int64_t integer = 0;
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::kError; }
  // One line, for messages and tests: +OK, -ERR x, :5, $3:abc, $-1, *2[...], *-1.
  std::string describe() const;
};

class ReplyBuilder final : public ReplyVisitor {
 public:
  // Bulk payloads longer than this are skipped and recorded as an error
  // reply, so a hostile length cannot make the builder allocate without bound.
  explicit ReplyBuilder(std::uint64_t max_bulk = 64ull << 20) : max_bulk_(max_bulk) {}

  void on_simple_string(std::string_view s) override { add({Reply::Type::kSimpleString, std::string(s), 0, {}}); }
  void on_error(std::string_view s) override { add({Reply::Type::kError, std::string(s), 0, {}}); }
  void on_integer(std::int64_t v) override { add({Reply::Type::kInteger, {}, v, {}}); }
  void on_nil_bulk() override { add({Reply::Type::kNilBulk, {}, 0, {}}); }
  void on_nil_array() override { add({Reply::Type::kNilArray, {}, 0, {}}); }
  void on_array_begin(std::int64_t count) override;
  void on_array_end() override;
  std::span<std::byte> on_bulk_begin(std::uint64_t length) override;
  void on_bulk_end(BulkOutcome outcome, std::uint64_t length) override;

  // The finished reply; the builder is ready for the next one.
  Reply take();

 private:
  void add(Reply r);

  std::uint64_t max_bulk_;
  std::vector<Reply> open_arrays_;
  std::string bulk_;
  std::vector<Reply> done_;
};

}  // namespace kvslo::resp
