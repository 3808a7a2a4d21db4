// TLS (rediss://) as a user meets it: a server whose certificate is not
// trusted, or names another host, is refused with a clear error per key; a
// plain client at a TLS port (and the reverse) is told so; a server that
// wants client certificates gets one when given; hiredis 0.14 is refused;
// and what each connection negotiated, kTLS included, is read back rather
// than assumed. The conformance suite runs every TLS client through the rest.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "command_channel.hpp"
#include "net/kernel_tls.hpp"
#include "registry.hpp"
#include "support/scratch_dir.hpp"
#include "system/embedded_redis.hpp"
#include "system/redis_info.hpp"
#include "system/throwaway_pki.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;

class Tls : public testing::ScratchDirTest {
 protected:
  static void SetUpTestSuite() {
    EmbeddedRedisOptions o;
    o.tls = true;
    o.requirepass = "tls-suite-secret";
    server_ = std::make_unique<EmbeddedRedis>(o);
  }
  static void TearDownTestSuite() { server_.reset(); }

  static std::unique_ptr<KvClient> client(const net::Endpoint& endpoint, int streams = 1,
                                          std::string_view name = "zerocopy") {
    ClientOptions o;
    o.endpoint = endpoint;
    o.streams = streams;
    o.threads = name == "tiled" ? streams : 1;
    o.op_timeout = 3000ms;
    o.connect_timeout = 3000ms;
    return make_client(name, o);
  }
  // One key set over TLS; returns the GET's result for it.
  static BatchResult round_trip(KvClient& c, const std::string& key) {
    std::vector<std::byte> value(100000, std::byte{7});
    std::vector<std::byte> buffer(value.size());
    std::string_view keys[] = {key};
    ConstBuffer values[] = {value};
    MutableBuffer buffers[] = {buffer};
    const BatchResult set = c.batch_set(keys, values);
    if (set.keys[0].status != KeyStatus::kOk) return set;
    BatchResult get = c.batch_get(keys, buffers);
    if (get.keys[0].status == KeyStatus::kOk && buffer != value) get.keys[0].status = KeyStatus::kSizeMismatch;
    return get;
  }
  static void expect_refused(const BatchResult& r, const std::string& because) {
    ASSERT_EQ(r.keys.size(), 1u);
    EXPECT_EQ(r.keys[0].status, KeyStatus::kIoError) << r.keys[0].message;
    EXPECT_NE(r.keys[0].message.find(because), std::string::npos) << r.keys[0].message;
    EXPECT_EQ(r.keys[0].message.find("tls-suite-secret"), std::string::npos) << "password leaked";
  }

  static std::unique_ptr<EmbeddedRedis> server_;
};

std::unique_ptr<EmbeddedRedis> Tls::server_;

TEST_F(Tls, TrustedCaRoundTrips) {
  auto c = client(server_->tls_endpoint(), 2);
  const BatchResult r = round_trip(*c, "tls:trusted");
  EXPECT_EQ(r.keys[0].status, KeyStatus::kOk) << r.keys[0].message;
  const auto connections = c->connections();
  ASSERT_FALSE(connections.empty());
  for (const auto& info : connections) {
    ASSERT_TRUE(info.tls.has_value());
    EXPECT_TRUE(info.tls->protocol == "TLSv1.3" || info.tls->protocol == "TLSv1.2") << info.tls->protocol;
    EXPECT_FALSE(info.tls->cipher.empty());
    EXPECT_FALSE(info.tls->ktls_send) << "kTLS was not asked for";
    EXPECT_NE(info.peer.find("rediss://"), std::string::npos) << info.peer;
  }
}

TEST_F(Tls, ACertificateFromAnotherCaIsRefused) {
  const ThrowawayPki stranger = make_throwaway_pki(dir_.string(), "a stranger's CA");
  net::Endpoint e = server_->tls_endpoint();
  e.tls->ca_file = stranger.ca_cert;
  for (const char* name : {"zerocopy", "tiled"}) {
    SCOPED_TRACE(name);
    expect_refused(round_trip(*client(e, 2, name), "tls:stranger"), "certificate was refused");
  }
}

TEST_F(Tls, TheSystemTrustStoreDoesNotKnowAThrowawayCa) {
  net::Endpoint e = server_->tls_endpoint();
  e.tls->ca_file.clear();
  expect_refused(round_trip(*client(e), "tls:system"), "certificate was refused");
}

TEST_F(Tls, ACertificateForAnotherNameIsRefused) {
  net::Endpoint e = server_->tls_endpoint();
  e.tls->server_name = "db.example.com";
  for (const char* name : {"zerocopy", "tiled"}) {
    SCOPED_TRACE(name);
    expect_refused(round_trip(*client(e, 2, name), "tls:name"), "hostname mismatch");
  }
}

TEST_F(Tls, InsecureSkipsVerificationOnlyWhenAsked) {
  net::Endpoint e = server_->tls_endpoint();
  e.tls->ca_file.clear();
  e.tls->verify = false;
  const BatchResult r = round_trip(*client(e), "tls:insecure");
  EXPECT_EQ(r.keys[0].status, KeyStatus::kOk) << r.keys[0].message;
}

TEST_F(Tls, AMissingCaFileIsNamed) {
  net::Endpoint e = server_->tls_endpoint();
  e.tls->ca_file = (dir_ / "no-such-ca.pem").string();
  expect_refused(round_trip(*client(e), "tls:missing-ca"), "no-such-ca.pem");
}

TEST_F(Tls, PlainAndTlsPortsMixedUpAreSaidSo) {
  net::Endpoint tls_to_plain = server_->endpoint();
  tls_to_plain.tls = server_->tls_endpoint().tls;
  ClientOptions quick;  // a plain server waits for a newline the handshake never sends: it times out
  quick.endpoint = tls_to_plain;
  quick.connect_timeout = 300ms;
  const BatchResult refused = round_trip(*make_client("zerocopy", quick), "tls:mixed");
  ASSERT_EQ(refused.keys.size(), 1u);
  EXPECT_NE(refused.keys[0].message.find("is it a TLS port?"), std::string::npos) << refused.keys[0].message;

  net::Endpoint plain_to_tls = server_->tls_endpoint();
  plain_to_tls.tls.reset();
  const BatchResult r = round_trip(*client(plain_to_tls), "tls:mixed");
  ASSERT_EQ(r.keys.size(), 1u);
  EXPECT_TRUE(r.keys[0].status == KeyStatus::kIoError || r.keys[0].status == KeyStatus::kTimeout)
      << to_string(r.keys[0].status) << " " << r.keys[0].message;
}

TEST_F(Tls, ClientCertificateWhenTheServerWantsOne) {
  EmbeddedRedisOptions o;
  o.tls = true;
  o.tls_client_certificates = true;
  EmbeddedRedis strict(o);
  const BatchResult without = round_trip(*client(strict.tls_endpoint()), "tls:anonymous");
  ASSERT_EQ(without.keys.size(), 1u);
  EXPECT_EQ(without.keys[0].status, KeyStatus::kIoError) << without.keys[0].message;

  net::Endpoint e = strict.tls_endpoint();
  e.tls->cert_file = strict.pki().client_cert;
  e.tls->key_file = strict.pki().client_key;
  const BatchResult with = round_trip(*client(e), "tls:certified");
  EXPECT_EQ(with.keys[0].status, KeyStatus::kOk) << with.keys[0].message;

  e.tls->key_file = strict.pki().server_key;  // not the certificate's key
  expect_refused(round_trip(*client(e), "tls:mismatched"), "private key");
}

TEST_F(Tls, IdleConnectionsAreReusedDespiteSessionTickets) {
  // A TLS 1.3 server sends session tickets after the handshake: an idle
  // connection is readable without being out of step, and must not be
  // dropped and made again before every batch.
  auto c = client(server_->tls_endpoint());
  ASSERT_EQ(round_trip(*c, "tls:reuse").keys[0].status, KeyStatus::kOk);
  CommandChannel admin(server_->endpoint(), 2000ms);
  const auto before = read_info(admin, "stats").find("total_connections_received");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(round_trip(*c, "tls:reuse").keys[0].status, KeyStatus::kOk);
  const auto after = read_info(admin, "stats").find("total_connections_received");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(*after, *before) << "the client reconnected between batches";
}

TEST_F(Tls, WritesThatBlockResumeWithTheSameBytes) {
  // Values under one record go out gathered with their headers; a paused
  // server fills the socket buffers, so writes block mid-stream and are
  // offered again later. Every value must still arrive intact.
  EmbeddedRedisOptions o;
  o.tls = true;
  EmbeddedRedis own(o);
  ClientOptions options;
  options.endpoint = own.tls_endpoint();
  options.sndbuf = 4096;
  options.pipeline_depth = 64;
  options.op_timeout = 5000ms;
  auto c = make_client("zerocopy", options);
  std::vector<std::string> names;
  std::vector<std::vector<std::byte>> values, buffers;
  for (int i = 0; i < 400; ++i) {
    names.push_back("tls:blocked:" + std::to_string(i));
    values.emplace_back(10000 + i, static_cast<std::byte>(i));
    buffers.emplace_back(values.back().size());
  }
  std::vector<std::string_view> keys(names.begin(), names.end());
  std::vector<ConstBuffer> value_spans(values.begin(), values.end());
  std::vector<MutableBuffer> buffer_spans(buffers.begin(), buffers.end());
  own.pause();
  std::thread resumer([&] {
    std::this_thread::sleep_for(300ms);
    own.resume();
  });
  const BatchResult set = c->batch_set(keys, value_spans);
  resumer.join();
  for (const auto& k : set.keys) ASSERT_EQ(k.status, KeyStatus::kOk) << k.message;
  const BatchResult get = c->batch_get(keys, buffer_spans);
  for (const auto& k : get.keys) ASSERT_EQ(k.status, KeyStatus::kOk) << k.message;
  EXPECT_EQ(buffers, values);
}

TEST_F(Tls, ControlChannelsSpeakTlsToo) {
  CommandChannel channel(server_->tls_endpoint(), 2000ms);
  EXPECT_EQ(channel.call({"PING"}).text, "PONG");
}

TEST_F(Tls, HiredisIsRefusedClearly) {
  ClientOptions o;
  o.endpoint = server_->tls_endpoint();
  try {
    make_client("hiredis", o);
    FAIL() << "hiredis was made for rediss://";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no TLS"), std::string::npos) << e.what();
  }
}

TEST_F(Tls, KernelTlsIsReadBackNotAssumed) {
  net::Endpoint e = server_->tls_endpoint();
  e.tls->ktls = true;
  auto c = client(e);
  ASSERT_EQ(round_trip(*c, "tls:ktls").keys[0].status, KeyStatus::kOk);
  const auto connections = c->connections();
  ASSERT_EQ(connections.size(), 1u);
  ASSERT_TRUE(connections[0].tls.has_value());
  if (const auto why_not = net::kernel_tls_unavailable()) {
    // Asked for and silently not given: the connection must say so.
    EXPECT_FALSE(connections[0].tls->ktls_send) << *why_not;
    EXPECT_FALSE(connections[0].tls->ktls_recv) << *why_not;
  } else {
    EXPECT_TRUE(connections[0].tls->ktls_send) << "this kernel has kTLS; cipher " << connections[0].tls->cipher;
  }
}

}  // namespace
}  // namespace kvslo
