#pragma once
// The results document of one run, rewritten atomically (temp file, fsync,
// rename, fsync of the directory) after every point: a crash, a kill or a
// dead server never loses a point already measured, and readers never see a
// half-written file. Text that is not valid UTF-8 (a server's error reply, a
// key prefix given as raw bytes) is escaped as \xNN, so writing never fails
// on what a server said.

#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace kvslo {

inline constexpr int kResultsSchemaVersion = 2;

class ResultsFile {
 public:
  // `document` holds everything but the points; "points" starts empty.
  ResultsFile(std::filesystem::path path, nlohmann::json document);

  void add_point(nlohmann::json point);
  void set(const std::string& field, nlohmann::json value);
  const nlohmann::json& document() const { return document_; }
  const std::filesystem::path& path() const { return path_; }
  // Throws std::runtime_error naming the path when the file cannot be written.
  void write() const;

 private:
  std::filesystem::path path_;
  nlohmann::json document_;
};

// Throws std::invalid_argument (naming `flag` and the path) when `path`
// holds something kvslo must not replace: a directory, a symlink, or a file
// whose contents `made_by_kvslo` does not recognise.
void check_output_is_ours(const std::filesystem::path& path, const std::string& flag,
                          const std::function<bool(const std::string& contents)>& made_by_kvslo);
// The same for a JSON document kvslo wrote (results, merged baselines, kvslo
// net): an object whose "tool" is "kvslo" or "kvslo <command>".
void check_results_path_is_ours(const std::filesystem::path& path, const std::string& flag = "--out");

// Valid UTF-8 stays as it is; every byte of an invalid sequence becomes \xNN.
std::string escape_invalid_utf8(const std::string& text);

void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

}  // namespace kvslo
