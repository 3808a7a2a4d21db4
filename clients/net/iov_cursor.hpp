#pragma once
// Progress through a list of iovecs across partial writes. sendmsg may take
// fewer bytes than offered and at most IOV_MAX pieces per call; the cursor
// remembers where the next call starts.

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <vector>

namespace kvslo::net {

class IovCursor {
 public:
  IovCursor() = default;
  explicit IovCursor(std::span<const iovec> pieces) { reset(pieces); }

  void reset(std::span<const iovec> pieces);
  bool done() const { return index_ == pieces_.size(); }
  std::size_t remaining_bytes() const { return remaining_; }
  // The pieces still to send, capped at `max_pieces`; the first one starts
  // where the last write stopped.
  std::span<const iovec> pending(std::size_t max_pieces) const;
  void advance(std::size_t bytes);

 private:
  void skip_empty();

  std::vector<iovec> pieces_;
  std::size_t index_ = 0;
  std::size_t remaining_ = 0;
};

}  // namespace kvslo::net
