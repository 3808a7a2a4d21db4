#pragma once
// What every connection of the reference server shares: the store, the
// users and their passwords, counters for INFO, and how it was started.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "blob_store.hpp"

namespace kvslo::reference {

struct ServerSettings {
  std::uint16_t port = 0;
  int threads = 1;
  std::uint64_t maxmemory = 0;
  std::string password;  // empty: no AUTH needed
};

class Users {
 public:
  explicit Users(std::string default_password);
  bool required() const { return required_; }
  // Whether `password` is `user`'s ("default" when the client names none).
  bool check(const std::string& user, const std::string& password) const;
  // ACL SETUSER/DELUSER, as far as kvslo's peers use them: a user with a password.
  void set(const std::string& user, std::optional<std::string> password);
  bool remove(const std::string& user);

 private:
  bool required_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> passwords_;
};

struct ServerState {
  explicit ServerState(ServerSettings s) : settings(std::move(s)), store(settings.maxmemory), users(settings.password) {}
  ServerSettings settings;
  BlobStore store;
  Users users;
  std::atomic<std::uint64_t> commands{0}, hits{0}, misses{0}, connections{0}, connected{0};
};

}  // namespace kvslo::reference
