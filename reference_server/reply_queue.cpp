#include "reply_queue.hpp"

#include <algorithm>

namespace kvslo::reference {

void ReplyQueue::append(std::string_view raw) {
  text_bytes_ += raw.size();
  // Text joins the piece before it when that is text too: fewer iovecs for pipelined small replies.
  if (!pieces_.empty() && !pieces_.back().value) {
    pieces_.back().text.append(raw);
  } else {
    pieces_.push_back({std::string(raw), nullptr});
  }
}

void ReplyQueue::text(std::string_view type, std::string_view body) {
  std::string line;
  line.reserve(type.size() + body.size() + 2);
  line.append(type).append(body).append("\r\n");
  append(line);
}

void ReplyQueue::error(std::string_view message) {
  std::string clean(message.substr(0, 512));
  std::replace_if(clean.begin(), clean.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  text("-", clean);
}

void ReplyQueue::bulk(std::string_view value) {
  text("$", std::to_string(value.size()));
  append(value);
  append("\r\n");
}

void ReplyQueue::bulk(BlobPtr value) {
  text("$", std::to_string(value->size()));
  if (value->size() > 0) pieces_.push_back({std::string(), std::move(value)});
  append("\r\n");
}

std::size_t ReplyQueue::gather(iovec* iov, std::size_t max) const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < pieces_.size() && n < max; ++i) {
    const Piece& p = pieces_[i];
    const std::size_t skip = i == 0 ? front_sent_ : 0;
    const char* base = p.value ? reinterpret_cast<const char*>(p.value->data()) : p.text.data();
    iov[n++] = {const_cast<char*>(base + skip), p.size() - skip};
  }
  return n;
}

void ReplyQueue::sent(std::size_t bytes) {
  while (bytes > 0 && !pieces_.empty()) {
    const std::size_t left = pieces_.front().size() - front_sent_;
    const bool text = !pieces_.front().value;
    if (bytes < left) {
      front_sent_ += bytes;
      if (text) text_bytes_ -= bytes;
      return;
    }
    bytes -= left;
    if (text) text_bytes_ -= left;
    pieces_.pop_front();
    front_sent_ = 0;
  }
}

}  // namespace kvslo::reference
