#pragma once
// A pass over JSON text before it becomes a DOM. nlohmann::json keeps the
// last of two equal keys without a word, and its dump() recurses once per
// level (200,000 nested arrays overflow the stack), so input from users is
// scanned first with the SAX parser, which does not recurse.

#include <cstddef>
#include <string>

namespace kvslo {

inline constexpr std::size_t kMaxJsonDepth = 32;

struct JsonScan {
  std::string syntax_error;  // not JSON (nlohmann's message); empty if it is
  std::string problem;       // JSON, but nested too deep or with a key twice
  std::string path;          // JSON pointer to where `problem` was found
  bool ok() const { return syntax_error.empty() && problem.empty(); }
};

// Scans `text`; `path_prefix` is put before every path reported.
JsonScan scan_json(const std::string& text, bool allow_comments, const std::string& path_prefix = "",
                   std::size_t max_depth = kMaxJsonDepth);

}  // namespace kvslo
