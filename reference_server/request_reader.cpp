#include "request_reader.hpp"

namespace kvslo::reference {

RequestReader::Fed RequestReader::feed(std::span<const std::byte> input) {
  if (!started_) {
    args_.clear();
    problem_.clear();
    depth_ = 0;
    request_bytes_ = 0;
    started_ = true;
  }
  const resp::FeedResult r = parser_.feed(input);
  if (!fatal_.empty()) {
    problem_ = fatal_;
    return {r.consumed, Event::kProtocolError};
  }
  switch (r.status) {
    case resp::ParseStatus::kNeedMore:
      return {r.consumed, Event::kNeedMore};
    case resp::ParseStatus::kError:
      problem_ = parser_.error();
      return {r.consumed, Event::kProtocolError};
    case resp::ParseStatus::kReplyComplete:
      break;
  }
  started_ = false;
  if (problem_.empty() && args_.empty()) return {r.consumed, Event::kNeedMore};  // *0 or *-1: nothing to answer
  return {r.consumed, problem_.empty() ? Event::kRequest : Event::kBadRequest};
}

void RequestReader::refuse(std::string why) {
  if (problem_.empty()) problem_ = std::move(why);
}

void RequestReader::on_array_begin(std::int64_t count) {
  if (++depth_ > 1) return refuse("a request is an array of bulk strings, not of arrays");
  const std::int64_t limit = trusted_ ? kMaxArguments : kMaxArgumentsUntrusted;
  if (count > limit) {
    fatal_ = "a request of " + std::to_string(count) + " arguments (the limit is " + std::to_string(limit) +
             (trusted_ ? ")" : " before AUTH)");
  }
}

std::span<std::byte> RequestReader::on_bulk_begin(std::uint64_t length) {
  if (!fatal_.empty()) return {};  // the connection ends after this input: nothing more is kept
  // Redis ends such a connection too: skipping up to 1 TiB would hold it for ever.
  const std::uint64_t limit = trusted_ ? kMaxArgument : kMaxArgumentUntrusted;
  if (length > limit) {
    fatal_ = "invalid bulk length " + std::to_string(length) + " (the limit is " + std::to_string(limit) +
             (trusted_ ? ")" : " before AUTH)");
    return {};
  }
  request_bytes_ += length;
  if (request_bytes_ > kMaxRequest) {
    fatal_ = "a request of more than " + std::to_string(kMaxRequest) + " bytes";
    return {};
  }
  if (depth_ == 0) refuse("expected an array of bulk strings");
  if (!problem_.empty()) return {};  // skipped by the parser: nothing is kept of a refused request
  auto blob = std::make_shared<Blob>(static_cast<std::size_t>(length));
  const std::span<std::byte> destination = blob->writable();
  args_.push_back(std::move(blob));
  return destination;
}

void RequestReader::on_bulk_end(resp::BulkOutcome, std::uint64_t) {
  if (!problem_.empty()) args_.clear();  // free what a refused request had taken
}

}  // namespace kvslo::reference
