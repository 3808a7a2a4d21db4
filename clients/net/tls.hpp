#pragma once
// How to speak TLS to a server (rediss://), and what a TLS connection ended
// up using. Plain data: no OpenSSL types, so endpoints and results carry them
// without pulling OpenSSL into every file.

#include <compare>
#include <string>

namespace kvslo::net {

struct TlsSettings {
  std::string ca_file;      // PEM CAs to trust; empty: the system's trust store
  std::string cert_file;    // a client certificate (PEM chain); empty: none
  std::string key_file;     // its private key (PEM, unencrypted)
  std::string server_name;  // SNI and the name the certificate must carry; empty: the host
  bool verify = true;       // false only when the user says --tls-insecure
  // Ask OpenSSL to hand record encryption to the kernel (SSL_OP_ENABLE_KTLS).
  // Whether it did is per connection, in TlsInfo: a kernel without TLS, or a
  // cipher it does not offload, silently stays in user space.
  bool ktls = false;

  auto operator<=>(const TlsSettings&) const = default;
};

// What one connection negotiated, read back from OpenSSL after the handshake.
struct TlsInfo {
  std::string protocol;    // "TLSv1.3"
  std::string cipher;      // "TLS_AES_256_GCM_SHA384"
  bool ktls_send = false;  // the kernel encrypts what this side sends
  bool ktls_recv = false;  // the kernel decrypts what this side receives
};

}  // namespace kvslo::net
