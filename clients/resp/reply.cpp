#include "resp/reply.hpp"

#include <algorithm>

namespace kvslo::resp {

std::string Reply::describe() const {
  switch (type) {
    case Type::kSimpleString: return "+" + text;
    case Type::kError: return "-" + text;
    case Type::kInteger: return ":" + std::to_string(integer);
    case Type::kBulk: return "$" + std::to_string(text.size()) + ":" + text;
    case Type::kNilBulk: return "$-1";
    case Type::kNilArray: return "*-1";
    case Type::kArray: {
      std::string s = "*" + std::to_string(elements.size()) + "[";
      for (std::size_t i = 0; i < elements.size(); ++i) s += (i ? "," : "") + elements[i].describe();
      return s + "]";
    }
  }
  return "?";
}

void ReplyBuilder::add(Reply r) {
  if (open_arrays_.empty()) {
    done_.push_back(std::move(r));
  } else {
    open_arrays_.back().elements.push_back(std::move(r));
  }
}

void ReplyBuilder::on_array_begin(std::int64_t count) {
  // Every begin is paired with an end by the parser, empty arrays included.
  Reply array{Reply::Type::kArray, {}, 0, {}};
  array.elements.reserve(static_cast<std::size_t>(std::min<std::int64_t>(count, 1024)));
  open_arrays_.push_back(std::move(array));
}

void ReplyBuilder::on_array_end() {
  Reply finished = std::move(open_arrays_.back());
  open_arrays_.pop_back();
  add(std::move(finished));
}

std::span<std::byte> ReplyBuilder::on_bulk_begin(std::uint64_t length) {
  if (length > max_bulk_) return {};
  bulk_.resize(length);
  return std::as_writable_bytes(std::span(bulk_.data(), bulk_.size()));
}

void ReplyBuilder::on_bulk_end(BulkOutcome outcome, std::uint64_t length) {
  if (outcome == BulkOutcome::kStored) {
    add({Reply::Type::kBulk, std::move(bulk_), 0, {}});
  } else {
    add({Reply::Type::kError, "kvslo: bulk of " + std::to_string(length) + " bytes skipped (limit " +
                                  std::to_string(max_bulk_) + ")", 0, {}});
  }
  bulk_.clear();
}

Reply ReplyBuilder::take() {
  Reply r = done_.empty() ? Reply{} : std::move(done_.front());
  done_.clear();
  open_arrays_.clear();
  return r;
}

}  // namespace kvslo::resp
