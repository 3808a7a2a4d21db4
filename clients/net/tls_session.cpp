#include "net/tls_session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "net/socket.hpp"

namespace kvslo::net {
namespace {

// Everything OpenSSL queued on this thread, oldest first; empties the queue.
std::string openssl_errors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

bool is_ip_literal(const std::string& name) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, name.c_str(), address) == 1 || ::inet_pton(AF_INET6, name.c_str(), address) == 1;
}

// A key with a passphrase would make OpenSSL prompt on the terminal: refuse it instead.
int no_passphrase(char*, int, int, void*) { return 0; }

}  // namespace

// One SSL_CTX per distinct settings, shared by every connection that uses
// them: loading a trust store costs milliseconds, a connection must not.
class TlsContext {
 public:
  explicit TlsContext(const TlsSettings& settings) : ctx_((ERR_clear_error(), SSL_CTX_new(TLS_client_method()))) {
    if (!ctx_) throw NetError("TLS: cannot create a context: " + openssl_errors(), false);
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    if (settings.ktls && OpenSSL_version_num() < 0x30200000L) {
      // OpenSSL before 3.2 hands TLS 1.3's receive side to the kernel never
      // (its send side, yes): a kTLS GET would decrypt in user space. TLS 1.2
      // with AES-GCM is offloaded both ways; the protocol is recorded per connection.
      SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
      SSL_CTX_set_cipher_list(ctx_, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
                                    "ECDHE-RSA-AES128-GCM-SHA256");
    }
    SSL_CTX_set_default_passwd_cb(ctx_, no_passphrase);
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
    if (settings.verify) {
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
      const bool loaded = settings.ca_file.empty()
                              ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                              : SSL_CTX_load_verify_locations(ctx_, settings.ca_file.c_str(), nullptr) == 1;
      if (!loaded) {
        fail("cannot load " + (settings.ca_file.empty() ? std::string("the system's trust store")
                                                          : "the CA file '" + settings.ca_file + "'"));
      }
    } else {
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    }
    if (settings.cert_file.empty() != settings.key_file.empty()) {
      fail("a client certificate needs both --tls-cert and --tls-key");
    }
    if (!settings.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(ctx_, settings.cert_file.c_str()) != 1) {
        fail("cannot load the client certificate '" + settings.cert_file + "'");
      }
      if (SSL_CTX_use_PrivateKey_file(ctx_, settings.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        fail("cannot load the private key '" + settings.key_file + "' (an unencrypted PEM key, of the certificate '" +
             settings.cert_file + "')");
      }
      if (SSL_CTX_check_private_key(ctx_) != 1) {
        fail("the private key '" + settings.key_file + "' does not match the certificate '" + settings.cert_file + "'");
      }
    }
    if (settings.ktls) SSL_CTX_set_options(ctx_, SSL_OP_ENABLE_KTLS);
    cache_trusted_extensions();
  }
  ~TlsContext() { SSL_CTX_free(ctx_); }
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

  static std::shared_ptr<TlsContext> shared(const TlsSettings& settings) {
    static std::mutex mutex;
    // Never destroyed: at exit OpenSSL may clean itself up before this map
    // would be, and freeing a context after that crashes.
    static auto& contexts = *new std::map<TlsSettings, std::shared_ptr<TlsContext>>;
    const std::lock_guard lock(mutex);
    auto& context = contexts[settings];
    if (!context) context = std::make_shared<TlsContext>(settings);
    return context;
  }

 private:
  // OpenSSL decodes a certificate's extensions the first time a chain is
  // checked against it, and stores them in the certificate. The trusted
  // certificates here are shared by every connection, on every thread: decode
  // them now, before anyone shares them (ThreadSanitizer saw threads
  // verifying at once read what another was writing).
  void cache_trusted_extensions() {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
    STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
    for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
      if (X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i))) X509_check_purpose(cert, -1, 0);
    }
  }

  [[noreturn]] void fail(const std::string& what) {
    const std::string reason = openssl_errors();
    SSL_CTX_free(ctx_);
    ctx_ = nullptr;
    throw NetError("TLS: " + what + (reason.empty() ? "" : ": " + reason), false);
  }

  SSL_CTX* ctx_;
};

void check_tls_settings(const TlsSettings& settings) { TlsContext::shared(settings); }

TlsSession::TlsSession(const TlsSettings& settings, const std::string& host, int fd, std::string peer)
    : context_(TlsContext::shared(settings)), ssl_(SSL_new(context_->get())), peer_(std::move(peer)), verify_(settings.verify) {
  if (!ssl_ || SSL_set_fd(ssl_, fd) != 1) {
    const std::string reason = openssl_errors();
    SSL_free(ssl_);
    throw NetError("TLS: cannot start a session with " + peer_ + ": " + reason, false);
  }
  const std::string& name = settings.server_name.empty() ? host : settings.server_name;
  const bool address = is_ip_literal(name);
  if (!address) SSL_set_tlsext_host_name(ssl_, name.c_str());  // SNI carries names, never addresses (RFC 6066)
  if (settings.verify) {
    const int named = address ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), name.c_str())
                              : SSL_set1_host(ssl_, name.c_str());
    if (named != 1) {
      SSL_free(ssl_);
      throw NetError("TLS: cannot check the certificate of " + peer_ + " against '" + name + "'", false);
    }
  }
  // Partial writes report progress record by record (the op timeout counts
  // progress). A blocked write is offered again at the same address (with
  // kTLS OpenSSL keeps a pointer to it): no SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
  // so OpenSSL refuses a retry that is not.
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

void TlsSession::handshake(std::chrono::steady_clock::time_point deadline) {
  const int fd = SSL_get_fd(ssl_);
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return;
    const int saved_errno = errno;
    const int error = SSL_get_error(ssl_, rc);
    const short events = error == SSL_ERROR_WANT_READ ? POLLIN : error == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      std::string why;
      // Without verification OpenSSL still records a verdict; it did not refuse the peer for it.
      if (const long verdict = SSL_get_verify_result(ssl_); verify_ && verdict != X509_V_OK) {
        why = "its certificate was refused: " + std::string(X509_verify_cert_error_string(verdict)) +
              " (trust its CA with --tls-ca FILE; a certificate for another name: --tls-server-name NAME)";
        ERR_clear_error();
      } else {
        why = openssl_errors();
        if (why.empty()) {
          why = error == SSL_ERROR_SYSCALL && saved_errno != 0 ? std::strerror(saved_errno)
                                                                : "the server closed the connection";
        }
        if (why.find("wrong version number") != std::string::npos || why.find("closed the connection") != std::string::npos ||
            why.find("packet length too long") != std::string::npos) {
          why += " (is it a TLS port? a plain one is redis://)";
        }
      }
      throw NetError("TLS handshake with " + peer_ + " failed: " + why, false);
    }
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, poll_timeout_ms(deadline));
    if (ready == 0) {
      // A plain server waits for a newline that a ClientHello never sends.
      throw NetError("TLS handshake with " + peer_ + ": timed out (is it a TLS port? a plain one is redis://)", true);
    }
    if (ready < 0 && errno != EINTR) throw NetError("poll during the TLS handshake with " + peer_ + ": " + std::strerror(errno), false);
  }
}

std::size_t TlsSession::blocked(int ssl_result, const char* what) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, ssl_result)) {
    case SSL_ERROR_WANT_READ: blocked_on_ = POLLIN; return 0;
    case SSL_ERROR_WANT_WRITE: blocked_on_ = POLLOUT; return 0;
    case SSL_ERROR_ZERO_RETURN: throw NetError("connection closed by " + peer_ + " (TLS close_notify)", false);
    case SSL_ERROR_SYSCALL: {
      const std::string queued = openssl_errors();
      if (!queued.empty()) throw NetError(std::string("TLS ") + what + " " + peer_ + ": " + queued, false);
      if (saved_errno == 0 || saved_errno == EPIPE || saved_errno == ECONNRESET) {
        throw NetError("connection closed by " + peer_, false);
      }
      throw NetError(std::string(what) + " " + peer_ + ": " + std::strerror(saved_errno), false);
    }
    default: {
      std::string queued = openssl_errors();
      // OpenSSL 3 names a TCP close without close_notify "unexpected eof".
      if (queued.find("unexpected eof") != std::string::npos) throw NetError("connection closed by " + peer_, false);
      throw NetError(std::string("TLS ") + what + " " + peer_ + ": " + (queued.empty() ? "protocol error" : queued), false);
    }
  }
}

std::size_t TlsSession::read(std::span<std::byte> buffer) {
  if (buffer.empty()) return 0;
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int rc = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
  if (rc == 1) {
    blocked_on_ = 0;
    return n;
  }
  return blocked(rc, "receive from");
}

std::size_t TlsSession::write(std::span<const std::byte> data) {
  if (data.empty()) return 0;
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  const int rc = SSL_write_ex(ssl_, data.data(), data.size(), &n);
  if (rc == 1) {
    blocked_on_ = 0;
    return n;
  }
  return blocked(rc, "send to");
}

bool TlsSession::has_buffered() const { return SSL_pending(ssl_) > 0; }

bool TlsSession::idle_is_stale() {
  if (has_buffered()) return true;
  pollfd p{SSL_get_fd(ssl_), POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return false;
  // Readable: a session ticket (TLS 1.3 servers send them after the
  // handshake) is consumed here and leaves nothing to read.
  std::byte probe{};
  try {
    return read({&probe, 1}) > 0;
  } catch (const NetError&) {
    return true;
  }
}

TlsInfo TlsSession::info() const {
  return {SSL_get_version(ssl_), SSL_get_cipher_name(ssl_), BIO_get_ktls_send(SSL_get_wbio(ssl_)) != 0,
          BIO_get_ktls_recv(SSL_get_rbio(ssl_)) != 0};
}

bool TlsSession::kernel_receives() const { return BIO_get_ktls_recv(SSL_get_rbio(ssl_)) != 0; }

}  // namespace kvslo::net
