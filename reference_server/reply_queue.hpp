#pragma once
// A connection's replies waiting to be sent, in order: protocol text, and
// stored values themselves (a GET's reply is its header, the Blob, CRLF: the
// value is handed to writev as it is stored, never copied in user space).

#include <sys/uio.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "blob_store.hpp"

namespace kvslo::reference {

class ReplyQueue {
 public:
  void simple(std::string_view status) { text("+", status); }
  // `message` starts with the error's code ("ERR ...", "NOAUTH ..."); CR and LF in it become spaces.
  void error(std::string_view message);
  void integer(long long n) { text(":", std::to_string(n)); }
  void nil() { append("$-1\r\n"); }
  void bulk(std::string_view value);    // copied: small replies (INFO, CONFIG GET)
  void bulk(BlobPtr value);             // not copied: a stored value
  void array_header(std::size_t count) { text("*", std::to_string(count)); }

  bool empty() const { return pieces_.empty(); }
  std::size_t pieces() const { return pieces_.size(); }
  // Bytes of protocol text waiting (the queue's own memory; values are shared with the store).
  std::size_t text_bytes() const { return text_bytes_; }
  // Fills up to `max` iovecs with what is still to send, in order.
  std::size_t gather(iovec* iov, std::size_t max) const;
  // `bytes` of it were sent.
  void sent(std::size_t bytes);

 private:
  struct Piece {
    std::string text;  // protocol text, or empty for a value
    BlobPtr value;
    std::size_t size() const { return value ? value->size() : text.size(); }
  };
  void text(std::string_view type, std::string_view body);
  void append(std::string_view raw);

  std::deque<Piece> pieces_;
  std::size_t front_sent_ = 0;  // bytes of the front piece already sent
  std::size_t text_bytes_ = 0;
};

}  // namespace kvslo::reference
