#pragma once
// The results document of one run, rewritten atomically (temp file, fsync,
// rename) after every point: a crash, a kill or a dead server never loses a
// point already measured, and readers never see a half-written file.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace kvslo {

inline constexpr int kResultsSchemaVersion = 1;

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

void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

}  // namespace kvslo
