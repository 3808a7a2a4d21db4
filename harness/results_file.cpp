#include "results_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kvslo {

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const char* what) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw std::runtime_error(std::string("writing ") + path.string() + ": " + what + ": " + std::strerror(error));
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open");
  std::size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync");
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename");
}

ResultsFile::ResultsFile(std::filesystem::path path, nlohmann::json document)
    : path_(std::move(path)), document_(std::move(document)) {
  document_["schema_version"] = kResultsSchemaVersion;
  document_["points"] = nlohmann::json::array();
}

void ResultsFile::add_point(nlohmann::json point) { document_["points"].push_back(std::move(point)); }

void ResultsFile::set(const std::string& field, nlohmann::json value) { document_[field] = std::move(value); }

void ResultsFile::write() const { write_file_atomically(path_, document_.dump(2) + "\n"); }

}  // namespace kvslo
