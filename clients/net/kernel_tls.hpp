#pragma once
// Whether this kernel can do TLS's record layer (kTLS): a TCP socket must
// accept the "tls" upper-layer protocol (CONFIG_TLS, the tls module).

#include <optional>
#include <string>

namespace kvslo::net {

// nullopt when it can; otherwise why not, for a point that asked for kTLS.
std::optional<std::string> kernel_tls_unavailable();

}  // namespace kvslo::net
