#pragma once
// Throwaway secrets (the embedded server's password, a peer's temporary ACL
// user): random bytes from the kernel, as hex. Never printed or recorded.

#include <cstddef>
#include <string>

namespace kvslo {

// 2 * `bytes` hex digits from getrandom(2); throws std::runtime_error if the
// kernel cannot supply them.
std::string random_hex(std::size_t bytes);

}  // namespace kvslo
