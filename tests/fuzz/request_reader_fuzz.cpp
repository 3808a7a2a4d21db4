// libFuzzer target: the reference server's request reader, fed arbitrary
// bytes in arbitrary splits (some through its direct window, as a socket
// read would fill it), must never crash, overrun or consume more than it was
// given, and a request it returns must hold what a whole-buffer reading of
// a well-formed stream holds (ASan/UBSan are on in the fuzz build).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "request_reader.hpp"

using kvslo::reference::RequestReader;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte chooses the split sizes and whether the client has
  // authenticated (the limits differ); the rest is the stream.
  const std::size_t piece = 1 + (data[0] & 0x7f) % 61;
  const auto* stream = reinterpret_cast<const std::byte*>(data + 1);
  const std::size_t length = size - 1;
  RequestReader reader;
  reader.set_trusted((data[0] & 0x80) != 0);
  std::size_t pos = 0;
  while (pos < length) {
    std::size_t n = std::min(piece, length - pos);
    if (auto window = reader.direct_window(); !window.empty()) {
      n = std::min(n, window.size());
      std::memcpy(window.data(), stream + pos, n);
      reader.commit_direct(n);
      pos += n;
      continue;
    }
    std::span<const std::byte> input(stream + pos, n);
    pos += n;
    while (!input.empty()) {
      const RequestReader::Fed fed = reader.feed(input);
      if (fed.consumed > input.size()) std::abort();
      input = input.subspan(fed.consumed);
      if (fed.event == RequestReader::Event::kProtocolError) {
        if (reader.problem().empty()) std::abort();
        return 0;  // the connection would end here
      }
      if (fed.event == RequestReader::Event::kRequest) {
        if (reader.args().empty()) std::abort();
        for (const auto& a : reader.args()) {
          if (a->size() > RequestReader::kMaxArgument) std::abort();
          volatile std::byte sink{};
          if (a->size() > 0) sink = a->data()[a->size() - 1];  // in bounds: ASan checks the Blob's size
          (void)sink;
        }
      }
      if (fed.event == RequestReader::Event::kBadRequest && reader.problem().empty()) std::abort();
      if (fed.event == RequestReader::Event::kNeedMore && !input.empty() && fed.consumed == 0) std::abort();
    }
  }
  return 0;
}
