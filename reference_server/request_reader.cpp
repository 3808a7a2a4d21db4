#include "request_reader.hpp"

namespace kvslo::reference {

RequestReader::Fed RequestReader::feed(std::span<const std::byte> input) {
  if (!started_) {
    args_.clear();
    problem_.clear();
    depth_ = 0;
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
  if (problem_.empty() && args_.empty()) problem_ = "an empty request";
  return {r.consumed, problem_.empty() ? Event::kRequest : Event::kBadRequest};
}

void RequestReader::refuse(std::string why) {
  if (problem_.empty()) problem_ = std::move(why);
}

void RequestReader::on_array_begin(std::int64_t count) {
  if (++depth_ > 1) return refuse("a request is an array of bulk strings, not of arrays");
  if (count > kMaxArguments) refuse("too many arguments (" + std::to_string(count) + ")");
}

std::span<std::byte> RequestReader::on_bulk_begin(std::uint64_t length) {
  if (length > kMaxArgument) {
    // Redis ends such a connection too: skipping up to 1 TiB would hold it for ever.
    fatal_ = "invalid bulk length " + std::to_string(length) + " (the limit is " + std::to_string(kMaxArgument) + ")";
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
