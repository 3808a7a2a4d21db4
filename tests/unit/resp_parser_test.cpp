// The RESP reply parser: every reply type, any split, bad input.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "resp/reply.hpp"
#include "resp/reply_parser.hpp"

namespace kvslo::resp {
namespace {

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

struct Parsed {
  std::vector<std::string> replies;  // describe() of each complete reply
  std::string error;                 // parse error, if any
};

// Feeds `input` in pieces cut at `cuts` (byte offsets) and collects replies.
Parsed parse_split(const std::string& input, std::vector<std::size_t> cuts = {}) {
  ReplyBuilder builder;
  ReplyParser parser(builder);
  Parsed out;
  cuts.push_back(input.size());
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    auto piece = bytes(input).subspan(from, cut - from);
    from = cut;
    while (!piece.empty()) {
      auto [consumed, status] = parser.feed(piece);
      piece = piece.subspan(consumed);
      if (status == ParseStatus::kError) {
        out.error = parser.error();
        return out;
      }
      if (status == ParseStatus::kReplyComplete) out.replies.push_back(builder.take().describe());
    }
  }
  return out;
}

TEST(ReplyParser, EveryReplyType) {
  auto p = parse_split("+OK\r\n-ERR bad thing\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.replies, (std::vector<std::string>{"+OK", "-ERR bad thing", ":42", ":-7", "$5:hello", "$0:", "$-1",
                                                 "*-1", "*0[]"}));
}

TEST(ReplyParser, NestedArrays) {
  auto p = parse_split("*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n*0\r\n+after\r\n");
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.replies, (std::vector<std::string>{"*3[:1,*2[$1:a,$-1],*0[]]", "+after"}));
}

TEST(ReplyParser, PayloadMayHoldCrLfAndNul) {
  std::string payload("a\r\nb\0c\r\n", 8);
  auto p = parse_split("$8\r\n" + payload + "\r\n");
  ASSERT_EQ(p.replies.size(), 1u);
  EXPECT_EQ(p.replies[0], "$8:" + payload);
}

TEST(ReplyParser, SameResultAtEverySplitPoint) {
  const std::string input = "+OK\r\n$10\r\n0123\r\n6789\r\n*2\r\n:5\r\n-WRONGTYPE x\r\n$-1\r\n";
  const auto whole = parse_split(input);
  ASSERT_EQ(whole.error, "");
  for (std::size_t i = 0; i <= input.size(); ++i) {
    for (std::size_t j = i; j <= input.size(); j += 3) {
      auto split = parse_split(input, {i, j});
      EXPECT_EQ(split.replies, whole.replies) << "cuts at " << i << "," << j;
      EXPECT_EQ(split.error, "");
    }
  }
}

TEST(ReplyParser, ByteAtATime) {
  const std::string input = "*2\r\n$3\r\nfoo\r\n:123456789\r\n";
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  auto p = parse_split(input, cuts);
  EXPECT_EQ(p.replies, (std::vector<std::string>{"*2[$3:foo,:123456789]"}));
}

struct BadInput {
  const char* input;
  const char* message_part;
};

class ReplyParserRejects : public ::testing::TestWithParam<BadInput> {};

TEST_P(ReplyParserRejects, WithAClearError) {
  auto p = parse_split(GetParam().input);
  EXPECT_NE(p.error.find("RESP parse error"), std::string::npos) << p.error;
  EXPECT_NE(p.error.find(GetParam().message_part), std::string::npos) << p.error;
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, ReplyParserRejects,
    ::testing::Values(BadInput{"?what\r\n", "unexpected type byte '?'"}, BadInput{"\x01\r\n", "\\x01"},
                      BadInput{"$-5\r\n", "invalid bulk length -5"}, BadInput{"$abc\r\n", "invalid number 'abc'"},
                      BadInput{"$\r\n", "invalid number ''"}, BadInput{"$+5\r\nhello\r\n", "invalid number '+5'"},
                      BadInput{"$ 5\r\n", "invalid number ' 5'"},
                      BadInput{"$99999999999999999999\r\n", "invalid number"},
                      BadInput{"$2000000000000\r\n", "invalid bulk length"}, BadInput{"*-2\r\n", "invalid array length"},
                      BadInput{":12x\r\n", "invalid number '12x'"}, BadInput{"+OK\n", "line feed without carriage return"},
                      BadInput{"$3\r\nabcXY", "not followed by CRLF"},
                      BadInput{":1234567890123456789012345678\r\n", "longer than"}));

TEST(ReplyParser, ErrorIsStickyUntilReset) {
  ReplyBuilder builder;
  ReplyParser parser(builder);
  std::string bad = "!x\r\n";
  EXPECT_EQ(parser.feed(bytes(bad)).status, ParseStatus::kError);
  std::string good = "+OK\r\n";
  EXPECT_EQ(parser.feed(bytes(good)).status, ParseStatus::kError);
  parser.reset();
  EXPECT_EQ(parser.feed(bytes(good)).status, ParseStatus::kReplyComplete);
}

TEST(ReplyParser, DeepNestingIsRejected) {
  std::string input;
  for (std::size_t i = 0; i <= ReplyParser::kMaxDepth; ++i) input += "*1\r\n";
  EXPECT_NE(parse_split(input).error.find("nested deeper"), std::string::npos);
}

// A visitor that offers a fixed destination, to check bounds and direct reads.
struct BufferVisitor : ReplyVisitor {
  std::span<std::byte> destination;
  std::vector<std::pair<BulkOutcome, std::uint64_t>> ends;
  int nils = 0;
  std::span<std::byte> on_bulk_begin(std::uint64_t) override { return destination; }
  void on_bulk_end(BulkOutcome o, std::uint64_t len) override { ends.emplace_back(o, len); }
  void on_nil_bulk() override { ++nils; }
};

TEST(ReplyParser, LengthLargerThanDestinationIsSkippedWithoutOverrun) {
  std::vector<std::byte> memory(16, std::byte{0x55});
  BufferVisitor v;
  v.destination = std::span(memory).subspan(4, 8);
  ReplyParser parser(v);
  std::string input = "$12\r\nABCDEFGHIJKL\r\n+next\r\n";
  auto r = parser.feed(bytes(input));
  EXPECT_EQ(r.status, ParseStatus::kReplyComplete);
  ASSERT_EQ(v.ends.size(), 1u);
  EXPECT_EQ(v.ends[0].first, BulkOutcome::kTooLarge);
  EXPECT_EQ(v.ends[0].second, 12u);
  for (auto b : memory) EXPECT_EQ(b, std::byte{0x55});  // nothing written anywhere
  // Still in step: the next reply parses.
  auto r2 = parser.feed(bytes(input).subspan(r.consumed));
  EXPECT_EQ(r2.status, ParseStatus::kReplyComplete);
}

TEST(ReplyParser, ExpectedSizeModeChecksTheHeader) {
  std::vector<std::byte> memory(4);
  BufferVisitor v;
  v.destination = memory;
  ReplyParser parser(v);
  parser.set_expected_bulk_size(4);
  std::string input = "$3\r\nabc\r\n$4\r\nwxyz\r\n$-1\r\n";
  auto in = bytes(input);
  for (int i = 0; i < 3; ++i) {
    auto r = parser.feed(in);
    ASSERT_EQ(r.status, ParseStatus::kReplyComplete);
    in = in.subspan(r.consumed);
  }
  ASSERT_EQ(v.ends.size(), 2u);
  EXPECT_EQ(v.ends[0], std::make_pair(BulkOutcome::kSizeMismatch, std::uint64_t{3}));
  EXPECT_EQ(v.ends[1], std::make_pair(BulkOutcome::kStored, std::uint64_t{4}));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory.data()), 4), "wxyz");
  EXPECT_EQ(v.nils, 1);
}

TEST(ReplyParser, DirectWindowTakesThePayloadWithoutFeeding) {
  std::vector<std::byte> memory(10);
  BufferVisitor v;
  v.destination = memory;
  ReplyParser parser(v);
  std::string header = "$10\r\n01";
  auto r = parser.feed(bytes(header));
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  auto window = parser.direct_window();
  ASSERT_EQ(window.size(), 8u);
  EXPECT_EQ(window.data(), memory.data() + 2);
  std::memcpy(window.data(), "23456789", 8);
  parser.commit_direct(8);
  EXPECT_TRUE(parser.direct_window().empty());
  std::string tail = "\r\n";
  EXPECT_EQ(parser.feed(bytes(tail)).status, ParseStatus::kReplyComplete);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(memory.data()), 10), "0123456789");
}

TEST(ReplyParser, CommitBeyondWindowIsAnError) {
  std::vector<std::byte> memory(4);
  BufferVisitor v;
  v.destination = memory;
  ReplyParser parser(v);
  std::string header = "$4\r\n";
  parser.feed(bytes(header));
  parser.commit_direct(5);
  EXPECT_TRUE(parser.failed());
}

}  // namespace
}  // namespace kvslo::resp
