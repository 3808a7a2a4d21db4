#include "system/throwaway_pki.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "system/random_secret.hpp"

namespace kvslo {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

[[noreturn]] void fail(const std::string& step) {
  char text[256] = "";
  if (unsigned long code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  throw std::runtime_error("making a throwaway certificate: " + step + (*text ? std::string(": ") + text : ""));
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("generating an EC P-256 key");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (!extension) fail(std::string("extension ") + OBJ_nid2sn(nid) + " = " + value);
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) fail(std::string("adding extension ") + OBJ_nid2sn(nid));
}

// A certificate for `key` named `common_name`, signed by `issuer_key`
// (`issuer` null: self-signed), with `extensions` as {nid, value}.
Cert certify(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
             std::initializer_list<std::pair<int, const char*>> extensions) {
  Cert cert(X509_new());
  if (!cert) fail("X509_new");
  X509_set_version(cert.get(), 2);  // v3: extensions
  // A random serial: two throwaway CAs never issue look-alike certificates.
  BIGNUM* serial = BN_new();
  const std::string hex = "1" + random_hex(15);
  if (!serial || BN_hex2bn(&serial, hex.c_str()) == 0 || !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()))) {
    BN_free(serial);
    fail("a serial number");
  }
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // clocks a little apart still agree
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  for (const auto& [nid, value] : extensions) add_extension(cert.get(), issuer ? issuer : cert.get(), nid, value);
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) fail("signing " + common_name);
  return cert;
}

// Creates `path` (never replacing a file) with `mode`, and writes PEM into it.
template <typename Write>
void write_new(const std::string& path, mode_t mode, Write write) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("creating " + path + ": " + std::strerror(errno));
  FILE* file = ::fdopen(fd, "w");
  if (!file) {
    ::close(fd);
    throw std::runtime_error("opening " + path + ": " + std::strerror(errno));
  }
  const bool written = write(file);
  if (std::fclose(file) != 0 || !written) fail("writing " + path);
}

void write_key(const std::string& path, EVP_PKEY* key) {
  write_new(path, 0600, [&](FILE* f) { return PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1; });
}

void write_cert(const std::string& path, X509* cert) {
  write_new(path, 0644, [&](FILE* f) { return PEM_write_X509(f, cert) == 1; });
}

}  // namespace

ThrowawayPki make_throwaway_pki(const std::string& directory, const std::string& ca_name) {
  const Key ca_key = new_key();
  const Cert ca = certify(ca_key.get(), ca_name, nullptr, ca_key.get(),
                          {{NID_basic_constraints, "critical,CA:TRUE"},
                           {NID_key_usage, "critical,keyCertSign,cRLSign"},
                           {NID_subject_key_identifier, "hash"}});
  const Key server_key = new_key();
  const Cert server = certify(server_key.get(), "localhost", ca.get(), ca_key.get(),
                              {{NID_basic_constraints, "critical,CA:FALSE"},
                               {NID_key_usage, "critical,digitalSignature"},
                               {NID_ext_key_usage, "serverAuth"},
                               {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                               {NID_authority_key_identifier, "keyid"}});
  const Key client_key = new_key();
  const Cert client = certify(client_key.get(), "kvslo client", ca.get(), ca_key.get(),
                              {{NID_basic_constraints, "critical,CA:FALSE"},
                               {NID_key_usage, "critical,digitalSignature"},
                               {NID_ext_key_usage, "clientAuth"},
                               {NID_authority_key_identifier, "keyid"}});
  // The CA's key signs and is forgotten: nothing more can be issued.
  const ThrowawayPki pki{directory + "/ca.crt", directory + "/server.crt", directory + "/server.key",
                         directory + "/client.crt", directory + "/client.key"};
  write_cert(pki.ca_cert, ca.get());
  write_cert(pki.server_cert, server.get());
  write_key(pki.server_key, server_key.get());
  write_cert(pki.client_cert, client.get());
  write_key(pki.client_key, client_key.get());
  return pki;
}

}  // namespace kvslo
