#include "experiment/json_scan.hpp"

#include <set>
#include <vector>

#include <nlohmann/json.hpp>

namespace kvslo {
namespace {

using nlohmann::json;

// SAX events in, the JSON path and the first problem out. Returning false
// stops the parse at once.
class ScanHandler {
 public:
  ScanHandler(std::string prefix, std::size_t max_depth) : prefix_(std::move(prefix)), max_depth_(max_depth) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const std::string&) { return value(); }
  bool string(std::string&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool start_object(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(false); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    if (!f.keys.insert(k).second) return refuse(path(frames_.size() - 1), "duplicate key '" + k + "'");
    f.key = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    scan.syntax_error = e.what();
    return false;
  }

  JsonScan scan;

 private:
  struct Frame {
    bool object = false;
    std::set<std::string> keys;  // objects: the keys seen so far
    std::string key;             // objects: the current key
    std::size_t index = 0;       // arrays: the current element
  };

  // The pointer to the value being read in the innermost `levels` frames.
  std::string path(std::size_t levels) const {
    std::string p = prefix_;
    for (std::size_t i = 0; i < levels; ++i) {
      p += "/" + (frames_[i].object ? frames_[i].key : std::to_string(frames_[i].index));
    }
    return p.empty() ? "/" : p;
  }
  bool refuse(const std::string& where, const std::string& what) {
    scan.problem = what;
    scan.path = where;
    return false;
  }
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  bool open(bool object) {
    if (frames_.size() >= max_depth_) {
      return refuse(path(frames_.size()), "nested deeper than " + std::to_string(max_depth_) + " levels");
    }
    frames_.push_back({object, {}, {}, 0});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return value();
  }

  std::string prefix_;
  std::size_t max_depth_;
  std::vector<Frame> frames_;
};

}  // namespace

JsonScan scan_json(const std::string& text, bool allow_comments, const std::string& path_prefix, std::size_t max_depth) {
  ScanHandler handler(path_prefix, max_depth);
  json::sax_parse(text, &handler, json::input_format_t::json, /*strict=*/true, allow_comments);
  return handler.scan;
}

}  // namespace kvslo
