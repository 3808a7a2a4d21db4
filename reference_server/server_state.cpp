#include "server_state.hpp"


namespace kvslo::reference {
namespace {

// Every byte compared whatever the first difference, so the answer's timing
// says nothing about how much of a password was right.
bool same_text(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  return differ == 0;
}

}  // namespace

Users::Users(std::string default_password) : required_(!default_password.empty()) {
  if (required_) passwords_["default"] = std::move(default_password);
}

bool Users::check(const std::string& user, const std::string& password) const {
  const std::lock_guard lock(mutex_);
  const auto it = passwords_.find(user);
  if (it == passwords_.end()) return false;
  return same_text(it->second, password);
}

void Users::set(const std::string& user, std::optional<std::string> password) {
  const std::lock_guard lock(mutex_);
  if (password) passwords_[user] = std::move(*password);
}

bool Users::remove(const std::string& user) {
  const std::lock_guard lock(mutex_);
  return user != "default" && passwords_.erase(user) > 0;
}

}  // namespace kvslo::reference
