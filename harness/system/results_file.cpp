#include "system/results_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace kvslo {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 if it is not one
// (overlong forms, surrogates and code points above U+10FFFF included).
std::size_t utf8_sequence_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void escape_strings(nlohmann::json& value) {
  if (value.is_string()) {
    value = escape_invalid_utf8(value.get_ref<const std::string&>());
  } else if (value.is_array()) {
    for (auto& element : value) escape_strings(element);
  } else if (value.is_object()) {
    nlohmann::json escaped = nlohmann::json::object();
    for (auto& [key, element] : value.items()) {
      escape_strings(element);
      escaped[escape_invalid_utf8(key)] = std::move(element);
    }
    value = std::move(escaped);
  }
}

void fsync_directory(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("writing " + file.string() + ": open directory: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0) throw std::runtime_error("writing " + file.string() + ": fsync directory: " + std::strerror(error));
}

}  // namespace

std::string escape_invalid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t n = utf8_sequence_length(text, i); n > 0) {
      out.append(text, i, n);
      i += n;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(text[i]));
      out += escaped;
      ++i;
    }
  }
  return out;
}

void check_output_is_ours(const std::filesystem::path& path, const std::string& flag,
                          const std::function<bool(const std::string& contents)>& made_by_kvslo) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(path, ec);
  if (ec || status.type() == std::filesystem::file_type::not_found) return;
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument(flag + " " + path.string() + ": " + why +
                                "; kvslo never replaces a file it did not write: choose another path");
  };
  if (status.type() != std::filesystem::file_type::regular) refuse("exists and is not a regular file");
  // A file kvslo wrote is at most a few hundred MiB; anything larger is not one.
  if (std::filesystem::file_size(path, ec) > (1ull << 30) || ec) refuse("exists and is not a file kvslo wrote");
  std::ifstream in(path, std::ios::binary);
  const std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!made_by_kvslo(contents)) refuse("exists and is not a file kvslo wrote");
}

void check_results_path_is_ours(const std::filesystem::path& path, const std::string& flag) {
  check_output_is_ours(path, flag, [](const std::string& contents) {
    try {
      const auto doc = nlohmann::json::parse(contents);
      return doc.is_object() && doc.value("tool", std::string()).rfind("kvslo", 0) == 0;
    } catch (const std::exception&) {
      return false;
    }
  });
}

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  bool created = false;
  auto fail = [&](const char* what) {
    const int error = errno;
    if (created) ::unlink(temp.c_str());
    throw std::runtime_error(std::string("writing ") + path.string() + ": " + what + ": " + std::strerror(error));
  };
  // O_EXCL: a file that happens to have the temp name is someone else's.
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("create temp file");
  created = true;
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
  fsync_directory(path);
}

ResultsFile::ResultsFile(std::filesystem::path path, nlohmann::json document)
    : path_(std::move(path)), document_(std::move(document)) {
  document_["schema_version"] = kResultsSchemaVersion;
  document_["points"] = nlohmann::json::array();
}

void ResultsFile::add_point(nlohmann::json point) { document_["points"].push_back(std::move(point)); }

void ResultsFile::set(const std::string& field, nlohmann::json value) { document_[field] = std::move(value); }

void ResultsFile::write() const {
  nlohmann::json safe = document_;
  escape_strings(safe);
  write_file_atomically(path_, safe.dump(2) + "\n");
}

}  // namespace kvslo
