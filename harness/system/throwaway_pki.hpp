#pragma once
// Certificates made for one run or one test, so an embedded server can speak
// TLS without anyone's real keys: a CA that exists only in `directory`, a
// server certificate it signs for localhost, 127.0.0.1 and ::1, and a client
// certificate. Keys are EC P-256 (quick handshakes), valid for a week, in
// files of mode 0600 created new (an existing file is never overwritten).

#include <string>

namespace kvslo {

struct ThrowawayPki {
  std::string ca_cert;  // PEM paths, all inside the directory given
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
};

// Throws std::runtime_error naming the step that failed.
ThrowawayPki make_throwaway_pki(const std::string& directory, const std::string& ca_name = "kvslo throwaway CA");

}  // namespace kvslo
