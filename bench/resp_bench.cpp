// The RESP layer's costs: parsing a bulk reply the generic way (payload
// copied from a staging buffer), the fixed-size way (the payload's bytes go
// straight into their destination, here by the one memcpy that stands in for
// the kernel's copy), hiredis's reader for reference, encoding a SET and
// building a batch of 1,000 requests.
#include <hiredis/hiredis.h>

#include <cstring>
#include <string>
#include <vector>

#include "bench_sizes.hpp"
#include "resp/reply_parser.hpp"
#include "resp/request_writer.hpp"

namespace {

using kvslo::resp::BulkOutcome;
using kvslo::resp::ParseStatus;
using kvslo::resp::ReplyParser;
using kvslo::resp::ReplyVisitor;

std::vector<std::byte> bulk_reply(std::size_t size) {
  const std::string header = "$" + std::to_string(size) + "\r\n";
  std::vector<std::byte> reply(header.size() + size + 2, std::byte{0x5a});
  std::memcpy(reply.data(), header.data(), header.size());
  std::memcpy(reply.data() + header.size() + size, "\r\n", 2);
  return reply;
}

// A GET's visitor: the payload goes into the caller's buffer.
class IntoBuffer final : public ReplyVisitor {
 public:
  explicit IntoBuffer(std::span<std::byte> buffer) : buffer_(buffer) {}
  std::span<std::byte> on_bulk_begin(std::uint64_t) override { return buffer_; }
  void on_bulk_end(BulkOutcome outcome, std::uint64_t) override { stored_ = outcome == BulkOutcome::kStored; }
  bool stored() const { return stored_; }

 private:
  std::span<std::byte> buffer_;
  bool stored_ = false;
};

void BM_ParseBulkGeneric(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto reply = bulk_reply(size);
  std::vector<std::byte> destination(size);
  IntoBuffer visitor(destination);
  ReplyParser parser(visitor);
  for (auto _ : state) {
    const auto r = parser.feed(reply);
    if (r.status != ParseStatus::kReplyComplete || !visitor.stored()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(destination.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_ParseBulkGeneric)->Apply(kvslo::bench::chunk_sizes);

// The fixed-size parse: the header, then the payload straight into its
// window, then the trailing CRLF. With `copy`, a memcpy fills the window (the
// receive the kernel would do) from an aligned payload apart from the header,
// as BM_Memcpy's source is, so the two differ by the parser's work alone.
// Without it, what is left is the parse's whole cost beyond the copy:
// subtracting two medians of 4 MiB copies would bury it in the copy's noise.
void parse_bulk_fixed(benchmark::State& state, bool copy) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::string header = "$" + std::to_string(size) + "\r\n";
  const std::string trailer = "\r\n";
  const std::vector<std::byte> payload(copy ? size : 0, std::byte{0x5a});
  std::vector<std::byte> destination(size);
  IntoBuffer visitor(destination);
  ReplyParser parser(visitor);
  parser.set_expected_bulk_size(size);
  for (auto _ : state) {
    auto r = parser.feed(std::as_bytes(std::span(header.data(), header.size())));
    const auto window = parser.direct_window();
    if (r.status != ParseStatus::kNeedMore || window.size() != size) state.SkipWithError("no direct window");
    if (copy) std::memcpy(window.data(), payload.data(), window.size());
    parser.commit_direct(window.size());
    r = parser.feed(std::as_bytes(std::span(trailer.data(), trailer.size())));
    if (r.status != ParseStatus::kReplyComplete || !visitor.stored()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(destination.data());
    benchmark::ClobberMemory();
  }
  if (copy) state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}

void BM_ParseBulkFixed(benchmark::State& state) { parse_bulk_fixed(state, true); }
BENCHMARK(BM_ParseBulkFixed)->Apply(kvslo::bench::chunk_sizes);

void BM_ParseBulkFixedBeyondCopy(benchmark::State& state) { parse_bulk_fixed(state, false); }
BENCHMARK(BM_ParseBulkFixedBeyondCopy)->Apply(kvslo::bench::chunk_sizes);

// hiredis 0.14's reader as the baseline client uses it: feed (copied into
// its buffer), get the reply (copied into a reply object), copy it out.
void BM_ParseBulkHiredisReader(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto reply = bulk_reply(size);
  std::vector<std::byte> destination(size);
  redisReader* reader = redisReaderCreate();
  reader->maxbuf = 0;  // keep its buffer between replies, as a long-lived connection does
  for (auto _ : state) {
    redisReaderFeed(reader, reinterpret_cast<const char*>(reply.data()), reply.size());
    void* out = nullptr;
    if (redisReaderGetReply(reader, &out) != REDIS_OK || out == nullptr) {
      state.SkipWithError("hiredis reader failed");
      break;
    }
    auto* r = static_cast<redisReply*>(out);
    std::memcpy(destination.data(), r->str, static_cast<std::size_t>(r->len));
    freeReplyObject(r);
    benchmark::DoNotOptimize(destination.data());
    benchmark::ClobberMemory();
  }
  redisReaderFree(reader);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_ParseBulkHiredisReader)->Apply(kvslo::bench::chunk_sizes);

// Encoding a SET references the value: the cost must not grow with its size.
void BM_EncodeSet(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> value(size, std::byte{1});
  kvslo::resp::RequestWriter writer;
  for (auto _ : state) {
    writer.clear();
    writer.set("kvslo:4194304:123", value);
    benchmark::DoNotOptimize(writer.iovecs().data());
  }
}
BENCHMARK(BM_EncodeSet)->Apply(kvslo::bench::chunk_sizes);

void BM_EncodeBatchOf1000Gets(benchmark::State& state) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("kvslo:4194304:" + std::to_string(i));
  kvslo::resp::RequestWriter writer;
  for (auto _ : state) {
    writer.clear();
    for (const auto& key : keys) writer.get(key);
    benchmark::DoNotOptimize(writer.iovecs().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_EncodeBatchOf1000Gets);

void BM_EncodeBatchOf1000Sets(benchmark::State& state) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("kvslo:524288:" + std::to_string(i));
  std::vector<std::byte> value(512 << 10, std::byte{1});
  kvslo::resp::RequestWriter writer;
  for (auto _ : state) {
    writer.clear();
    for (const auto& key : keys) writer.set(key, value);
    benchmark::DoNotOptimize(writer.iovecs().data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_EncodeBatchOf1000Sets);

}  // namespace
