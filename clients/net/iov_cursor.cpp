#include "net/iov_cursor.hpp"

#include <algorithm>

namespace kvslo::net {

void IovCursor::reset(std::span<const iovec> pieces) {
  pieces_.assign(pieces.begin(), pieces.end());
  index_ = 0;
  remaining_ = 0;
  for (const iovec& v : pieces_) remaining_ += v.iov_len;
  skip_empty();
}

std::span<const iovec> IovCursor::pending(std::size_t max_pieces) const {
  return std::span<const iovec>(pieces_).subspan(index_, std::min(max_pieces, pieces_.size() - index_));
}

void IovCursor::advance(std::size_t bytes) {
  remaining_ -= std::min(bytes, remaining_);
  while (bytes > 0 && index_ < pieces_.size()) {
    iovec& v = pieces_[index_];
    std::size_t n = std::min(bytes, v.iov_len);
    v.iov_base = static_cast<char*>(v.iov_base) + n;
    v.iov_len -= n;
    bytes -= n;
    if (v.iov_len == 0) ++index_;
  }
  skip_empty();
}

void IovCursor::skip_empty() {
  while (index_ < pieces_.size() && pieces_[index_].iov_len == 0) ++index_;
}

}  // namespace kvslo::net
