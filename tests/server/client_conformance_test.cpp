// One suite for every client: each must behave the same against a real
// redis-server, including when keys are missing, values have the wrong size,
// the server errors, refuses, stalls or dies; the same against kvslo's
// reference server, which must be a faithful enough Redis for these commands;
// against valkey-server (Valkey 8); over TLS (rediss://) for the clients that
// speak it; and over a 3-shard Redis Cluster (redis-cluster://), where every
// batch is split across the shards by the cluster layer.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <thread>

#include "cluster/key_slot.hpp"
#include "cluster/redirect.hpp"
#include "command_channel.hpp"
#include "registry.hpp"
#include "system/embedded_cluster.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

using namespace std::chrono_literals;

struct ClientSetup {
  std::string name;
  int streams;
  int threads;
  int depth;
  bool fixed_size;
  ServerKind server = ServerKind::kRedis;
  bool cluster = false;  // a 3-shard embedded cluster of redis-servers
  bool tls = false;      // over TLS (rediss://) to a redis-server's TLS port
};

void PrintTo(const ClientSetup& s, std::ostream* os) {
  *os << s.name << " streams=" << s.streams << " threads=" << s.threads << " depth=" << s.depth
      << (s.fixed_size ? " fixed" : " generic") << " server=" << (s.cluster ? "cluster" : to_string(s.server))
      << (s.tls ? " tls" : "");
}

std::string setup_name(const ::testing::TestParamInfo<ClientSetup>& info) {
  const auto& s = info.param;
  return s.name + "_s" + std::to_string(s.streams) + "_t" + std::to_string(s.threads) + "_d" +
         std::to_string(s.depth) + (s.fixed_size ? "_fixed" : "_generic") +
         (s.cluster ? "_cluster" : s.server == ServerKind::kRedis ? "" : "_" + to_string(s.server)) + (s.tls ? "_tls" : "");
}

std::vector<std::byte> pattern(std::size_t size, std::uint64_t seed) {
  std::vector<std::byte> out(size);
  std::mt19937_64 rng(seed);
  for (auto& b : out) b = static_cast<std::byte>(rng());
  return out;
}

// Keys, values and buffers of one batch, kept together.
struct Batch {
  std::vector<std::string> key_storage;
  std::vector<std::string_view> keys;
  std::vector<std::vector<std::byte>> values;
  std::vector<std::vector<std::byte>> buffers;
  std::vector<ConstBuffer> value_spans;
  std::vector<MutableBuffer> buffer_spans;
  std::unique_ptr<bool[]> present;

  Batch(const std::string& prefix, std::size_t n, std::size_t value_size) {
    for (std::size_t i = 0; i < n; ++i) key_storage.push_back(prefix + ":" + std::to_string(i));
    finish(value_size);
  }
  explicit Batch(std::vector<std::string> explicit_keys, std::size_t value_size)
      : key_storage(std::move(explicit_keys)) {
    finish(value_size);
  }
  void finish(std::size_t value_size) {
    for (std::size_t i = 0; i < key_storage.size(); ++i) {
      keys.push_back(key_storage[i]);
      values.push_back(pattern(value_size, i * 7919 + value_size));
      buffers.emplace_back(value_size, std::byte{0});
    }
    for (auto& v : values) value_spans.push_back(v);
    for (auto& b : buffers) buffer_spans.push_back(b);
    present = std::make_unique<bool[]>(key_storage.size() + 1);
  }
  std::span<bool> presence() { return {present.get(), keys.size()}; }
};

class ClientConformance : public ::testing::TestWithParam<ClientSetup> {
 protected:
  static void TearDownTestSuite() {
    for (auto& s : servers_) s.reset();
    tls_server_.reset();
    cluster_.reset();
  }
  void SetUp() override {
    if (GetParam().cluster) return;  // formed when a test first uses it (a skipped test never does)
    auto& shared = GetParam().tls ? tls_server_ : servers_[static_cast<std::size_t>(GetParam().server)];
    if (!shared) {
      EmbeddedRedisOptions o = server_options();
      o.unix_socket = GetParam().server != ServerKind::kReference;  // the reference server listens on TCP only
      shared = std::make_unique<EmbeddedRedis>(o);
    }
    server_ = shared.get();
  }

  // A server of this test's kind.
  EmbeddedRedisOptions server_options(std::string password = {}) const {
    EmbeddedRedisOptions o;
    o.kind = GetParam().server;
    o.requirepass = std::move(password);
    o.tls = GetParam().tls;
    return o;
  }
  // Where this test's clients reach `server`: its TLS port in a TLS setup.
  net::Endpoint endpoint_of(const EmbeddedRedis& server) const {
    return GetParam().tls ? server.tls_endpoint() : server.endpoint();
  }
  // A real server (redis-server or valkey-server), not the reference server.
  bool on_redis() const { return GetParam().server != ServerKind::kReference; }
  bool on_cluster() const { return GetParam().cluster; }
  // The endpoint the shared client reads: the server, or the cluster's seed node.
  net::Endpoint endpoint() const { return on_cluster() ? shared_cluster().endpoint() : endpoint_of(*server_); }
  // The shared 3-shard cluster, with a password: every routed connection authenticates too.
  static EmbeddedCluster& shared_cluster() {
    if (!cluster_) {
      cluster_ = std::make_unique<EmbeddedCluster>(EmbeddedClusterOptions{.primaries = 3, .maxmemory_bytes_per_node = 0,
                                                                          .requirepass = "conformance-cluster-secret",
                                                                          .config = {}, .form_timeout = 30000ms});
    }
    return *cluster_;
  }
  // A control connection to the node that holds `key` (on a cluster, its slot's primary).
  CommandChannel admin_for(std::string_view key) const {
    if (!on_cluster()) return CommandChannel(server_->endpoint(), 2000ms);
    const auto topology = shared_cluster().topology();
    const auto& shard = topology.shards()[static_cast<std::size_t>(topology.shard_of(cluster::key_slot(key)))];
    return CommandChannel(cluster::node_endpoint(shared_cluster().endpoint(), shard.address()), 2000ms);
  }

  ClientOptions options_for(const net::Endpoint& endpoint) const {
    ClientOptions o;
    o.endpoint = endpoint;
    o.streams = GetParam().streams;
    o.threads = GetParam().threads;
    o.pipeline_depth = GetParam().depth;
    o.fixed_size = GetParam().fixed_size;
    o.op_timeout = 5000ms;
    return o;
  }
  std::unique_ptr<KvClient> client(const net::Endpoint& endpoint) { return make_client(GetParam().name, options_for(endpoint)); }
  std::unique_ptr<KvClient> client() { return client(endpoint()); }
  std::string prefix() const {
    return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  EmbeddedRedis* server_ = nullptr;  // shared by the tests of one server kind
  static std::array<std::unique_ptr<EmbeddedRedis>, 3> servers_;  // by ServerKind
  static std::unique_ptr<EmbeddedRedis> tls_server_;
  static std::unique_ptr<EmbeddedCluster> cluster_;
};

std::array<std::unique_ptr<EmbeddedRedis>, 3> ClientConformance::servers_;
std::unique_ptr<EmbeddedRedis> ClientConformance::tls_server_;
std::unique_ptr<EmbeddedCluster> ClientConformance::cluster_;

// Tests that need a server of their own to break; a cluster's own versions
// are in cluster_client_test.cpp (a killed primary fails only its keys).
#define SKIP_ON_CLUSTER(why) \
  if (on_cluster()) GTEST_SKIP() << why

void expect_all(const BatchResult& r, KeyStatus status) {
  for (std::size_t i = 0; i < r.keys.size(); ++i) {
    EXPECT_EQ(r.keys[i].status, status) << "key #" << i << ": " << to_string(r.keys[i].status) << " "
                                        << r.keys[i].message;
  }
}

TEST_P(ClientConformance, RoundTripIsByteExact) {
  auto c = client();
  Batch b(prefix(), 64, 64 * 1024 + 3);
  auto set = c->batch_set(b.keys, b.value_spans);
  expect_all(set, KeyStatus::kOk);
  auto get = c->batch_get(b.keys, b.buffer_spans);
  expect_all(get, KeyStatus::kOk);
  for (std::size_t i = 0; i < b.keys.size(); ++i) {
    EXPECT_EQ(b.buffers[i], b.values[i]) << "key #" << i;
    EXPECT_EQ(get.keys[i].value_size, b.values[i].size());
    EXPECT_GT(get.keys[i].latency_ns, 0u);
  }
  auto exists = c->batch_exists(b.keys, b.presence());
  expect_all(exists, KeyStatus::kOk);
  for (std::size_t i = 0; i < b.keys.size(); ++i) EXPECT_TRUE(b.present[i]);
  EXPECT_FALSE(c->connections().empty());
  EXPECT_FALSE(c->name().empty());
}

TEST_P(ClientConformance, EmptyBatch) {
  auto c = client();
  Batch b(prefix(), 0, 16);
  EXPECT_TRUE(c->batch_set(b.keys, b.value_spans).keys.empty());
  EXPECT_TRUE(c->batch_get(b.keys, b.buffer_spans).keys.empty());
  EXPECT_TRUE(c->batch_exists(b.keys, b.presence()).keys.empty());
}

TEST_P(ClientConformance, OneKeyAndAThousandKeys) {
  auto c = client();
  for (std::size_t n : {1u, 1000u}) {
    Batch b(prefix() + std::to_string(n), n, 1000);
    expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
    expect_all(c->batch_get(b.keys, b.buffer_spans), KeyStatus::kOk);
    EXPECT_EQ(b.buffers, b.values);
  }
}

TEST_P(ClientConformance, ZeroByteAnd40MiBValues) {
  auto c = client();
  for (std::size_t size : {std::size_t{0}, std::size_t{40} << 20}) {
    Batch b(prefix() + std::to_string(size), 2, size);
    expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
    auto get = c->batch_get(b.keys, b.buffer_spans);
    expect_all(get, KeyStatus::kOk);
    EXPECT_EQ(b.buffers, b.values);
    EXPECT_EQ(get.keys[0].value_size, size);
  }
}

TEST_P(ClientConformance, KeysWithBinaryBytes) {
  auto c = client();
  Batch b({std::string("bin\0ary", 7), "crlf\r\nkey", std::string("\xff\xfe\x00\x01", 4), " spaced key "}, 100);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  expect_all(c->batch_get(b.keys, b.buffer_spans), KeyStatus::kOk);
  EXPECT_EQ(b.buffers, b.values);
  CommandChannel admin = admin_for(std::string_view("bin\0ary", 7));
  EXPECT_EQ(admin.call({"STRLEN", std::string_view("bin\0ary", 7)}).integer, 100);
}

TEST_P(ClientConformance, MissingKeysAmongPresentOnes) {
  auto c = client();
  Batch stored(prefix(), 6, 4096);
  // Store only the even keys.
  std::vector<std::string_view> even_keys;
  std::vector<ConstBuffer> even_values;
  for (std::size_t i = 0; i < 6; i += 2) {
    even_keys.push_back(stored.keys[i]);
    even_values.push_back(stored.value_spans[i]);
  }
  expect_all(c->batch_set(even_keys, even_values), KeyStatus::kOk);
  auto get = c->batch_get(stored.keys, stored.buffer_spans);
  auto exists = c->batch_exists(stored.keys, stored.presence());
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(get.keys[i].status, i % 2 == 0 ? KeyStatus::kOk : KeyStatus::kMissing) << i;
    EXPECT_EQ(exists.keys[i].status, KeyStatus::kOk);
    EXPECT_EQ(stored.present[i], i % 2 == 0) << i;
    if (i % 2 == 0) {
      EXPECT_EQ(stored.buffers[i], stored.values[i]);
    }
  }
}

TEST_P(ClientConformance, ValueOfTheWrongSizeStoredByAnotherClient) {
  auto c = client();
  Batch b(prefix(), 4, 64);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  std::string odd(100, 'x');
  admin_for(b.keys[1]).call_ok({"SET", b.keys[1], odd});    // larger than the buffer
  admin_for(b.keys[2]).call_ok({"SET", b.keys[2], "tiny"});  // smaller than the buffer
  auto get = c->batch_get(b.keys, b.buffer_spans);
  EXPECT_EQ(get.keys[0].status, KeyStatus::kOk);
  EXPECT_EQ(get.keys[1].status, KeyStatus::kSizeMismatch);
  EXPECT_NE(get.keys[1].message.find("100 bytes"), std::string::npos) << get.keys[1].message;
  EXPECT_EQ(get.keys[1].value_size, 100u);
  if (GetParam().fixed_size) {
    EXPECT_EQ(get.keys[2].status, KeyStatus::kSizeMismatch);
  } else {
    EXPECT_EQ(get.keys[2].status, KeyStatus::kOk);
    EXPECT_EQ(get.keys[2].value_size, 4u);
    EXPECT_EQ(std::memcmp(b.buffers[2].data(), "tiny", 4), 0);
  }
  // Still in step: the key after the mismatches arrives intact.
  EXPECT_EQ(get.keys[3].status, KeyStatus::kOk);
  EXPECT_EQ(b.buffers[3], b.values[3]);
  expect_all(c->batch_get(std::span(b.keys).first(1), std::span(b.buffer_spans).first(1)), KeyStatus::kOk);
}

TEST_P(ClientConformance, ErrorReplyIsPerKeyAndKeepsTheConnectionInStep) {
  if (!on_redis()) GTEST_SKIP() << "the reference server stores strings only: no WRONGTYPE to provoke";
  auto c = client();
  Batch b(prefix(), 3, 256);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  CommandChannel admin = admin_for(b.keys[1]);
  admin.call_ok({"DEL", b.keys[1]});
  admin.call_ok({"RPUSH", b.keys[1], "a", "b"});
  auto get = c->batch_get(b.keys, b.buffer_spans);
  EXPECT_EQ(get.keys[0].status, KeyStatus::kOk);
  EXPECT_EQ(get.keys[1].status, KeyStatus::kServerError);
  EXPECT_NE(get.keys[1].message.find("WRONGTYPE"), std::string::npos) << get.keys[1].message;
  EXPECT_EQ(get.keys[2].status, KeyStatus::kOk);
  EXPECT_EQ(b.buffers[2], b.values[2]);
}

TEST_P(ClientConformance, ConnectionRefusedIsAClearErrorPerKey) {
  std::uint16_t port;
  {
    EmbeddedRedis gone(server_options());
    port = gone.port();
  }
  net::Endpoint dead = net::Endpoint::tcp("127.0.0.1", port);
  if (GetParam().tls) dead.tls = endpoint().tls;
  if (on_cluster()) {
    // No topology without a node to read it from: refused when made, clearly.
    dead.cluster = true;
    try {
      client(dead);
      FAIL() << "a cluster client was made without a cluster";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
    }
    return;
  }
  auto c = client(dead);
  Batch b(prefix(), 5, 16);
  auto get = c->batch_get(b.keys, b.buffer_spans);
  expect_all(get, KeyStatus::kIoError);
  EXPECT_NE(get.keys[0].message.find("refused"), std::string::npos) << get.keys[0].message;
}

TEST_P(ClientConformance, ServerKilledMidBatch) {
  SKIP_ON_CLUSTER("a cluster's is ClusterClients.AKilledPrimaryFailsOnlyItsOwnKeys");
  EmbeddedRedis own(server_options());
  auto c = client(endpoint_of(own));
  Batch b(prefix(), 24, 1 << 20);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  own.pause();  // requests queue up unanswered...
  const auto start = std::chrono::steady_clock::now();
  std::thread killer([&] {
    std::this_thread::sleep_for(300ms);
    own.kill_now();  // ...and the server dies with the batch in flight
  });
  auto get = c->batch_get(b.keys, b.buffer_spans);
  killer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  for (const auto& k : get.keys) {
    EXPECT_TRUE(k.status == KeyStatus::kIoError || k.status == KeyStatus::kTimeout) << to_string(k.status);
    EXPECT_FALSE(k.message.empty());
  }
}

TEST_P(ClientConformance, StalledServerTimesOutThenRecovers) {
  SKIP_ON_CLUSTER("each shard's client is the single-server client this test covers");
  EmbeddedRedis own(server_options());
  auto options = options_for(endpoint_of(own));
  options.op_timeout = 300ms;
  auto c = make_client(GetParam().name, options);
  Batch b(prefix(), 8, 1024);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  own.pause();
  const auto start = std::chrono::steady_clock::now();
  auto get = c->batch_get(b.keys, b.buffer_spans);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  expect_all(get, KeyStatus::kTimeout);
  own.resume();
  // The timed-out connections were out of step; the next batch reconnects.
  auto again = c->batch_get(b.keys, b.buffer_spans);
  expect_all(again, KeyStatus::kOk);
  EXPECT_EQ(b.buffers, b.values);
}

TEST_P(ClientConformance, ReconnectsAfterTheServerDropsIdleConnections) {
  if (!on_redis()) GTEST_SKIP() << "the reference server has no CLIENT KILL (its restart is ServerKilledMidBatch)";
  auto c = client();
  Batch b(prefix(), 4, 512);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  for (const auto& k : b.keys) admin_for(k).call_ok({"CLIENT", "KILL", "SKIPME", "yes"});
  std::this_thread::sleep_for(50ms);
  expect_all(c->batch_get(b.keys, b.buffer_spans), KeyStatus::kOk);
  EXPECT_EQ(b.buffers, b.values);
}

TEST_P(ClientConformance, UnixSocket) {
  if (!on_redis()) GTEST_SKIP() << "the reference server listens on TCP only";
  SKIP_ON_CLUSTER("cluster nodes announce TCP addresses");
  if (GetParam().tls) GTEST_SKIP() << "TLS is over TCP";
  auto c = client(server_->unix_endpoint());
  Batch b(prefix(), 8, 10000);
  expect_all(c->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  expect_all(c->batch_get(b.keys, b.buffer_spans), KeyStatus::kOk);
  EXPECT_EQ(b.buffers, b.values);
}

TEST_P(ClientConformance, RequirePassRightAndWrongPassword) {
  SKIP_ON_CLUSTER("the shared cluster has a password: every test here authenticates on every shard");
  EmbeddedRedis secured(server_options("correct horse"));
  Batch b(prefix(), 3, 100);
  auto good = client(endpoint_of(secured));
  expect_all(good->batch_set(b.keys, b.value_spans), KeyStatus::kOk);
  expect_all(good->batch_get(b.keys, b.buffer_spans), KeyStatus::kOk);

  net::Endpoint wrong = endpoint_of(secured);
  wrong.password = "battery staple";
  auto bad = client(wrong);
  auto r = bad->batch_get(b.keys, b.buffer_spans);
  for (const auto& k : r.keys) {
    EXPECT_EQ(k.status, KeyStatus::kIoError);
    EXPECT_NE(k.message.find("authentication"), std::string::npos) << k.message;
    EXPECT_EQ(k.message.find("battery"), std::string::npos) << "password leaked: " << k.message;
  }

  net::Endpoint none = endpoint_of(secured);
  none.password.clear();
  auto anonymous = client(none);
  auto n = anonymous->batch_get(b.keys, b.buffer_spans);
  for (const auto& k : n.keys) {
    EXPECT_EQ(k.status, KeyStatus::kServerError);
    EXPECT_NE(k.message.find("NOAUTH"), std::string::npos) << k.message;
  }
}

TEST_P(ClientConformance, MismatchedSpansAreRejected) {
  auto c = client();
  Batch b(prefix(), 3, 8);
  EXPECT_THROW(c->batch_get(b.keys, std::span(b.buffer_spans).first(2)), std::invalid_argument);
}

// Every setup against Redis, against the reference server, and over a cluster.
std::vector<ClientSetup> setups() {
  const std::vector<ClientSetup> clients{{"hiredis", 1, 1, 8, true},  {"hiredis", 4, 2, 4, true}, {"zerocopy", 1, 1, 1, true},
                                         {"zerocopy", 3, 1, 8, true}, {"zerocopy", 2, 1, 4, false}, {"tiled", 2, 2, 4, true},
                                         {"tiled", 4, 2, 2, false}};
  std::vector<ClientSetup> out;
  for (ServerKind server : {ServerKind::kRedis, ServerKind::kReference}) {
    for (ClientSetup s : clients) {
      s.server = server;
      out.push_back(s);
    }
  }
  // Over a cluster every client, with several streams and threads and both
  // parsers (each test forms its own cluster under ctest: a few setups, not all).
  for (ClientSetup s : std::vector<ClientSetup>{{"hiredis", 4, 2, 4, true}, {"zerocopy", 3, 1, 8, true},
                                                {"zerocopy", 2, 1, 4, false}, {"tiled", 4, 2, 2, false}}) {
    s.cluster = true;
    out.push_back(s);
  }
  // Valkey 8 in place of Redis 7.0: the same protocol, so a few setups (CI's time is counted).
  for (ClientSetup s : std::vector<ClientSetup>{{"zerocopy", 3, 1, 8, true}, {"tiled", 4, 2, 2, false}}) {
    s.server = ServerKind::kValkey;
    out.push_back(s);
  }
  // Over TLS the clients that speak it (hiredis 0.14 does not: tls_test.cpp).
  // (one pipeline depth of 1 and one of 8, both parsers, one and several threads).
  for (ClientSetup s : std::vector<ClientSetup>{{"zerocopy", 1, 1, 1, true}, {"zerocopy", 2, 1, 8, false},
                                                {"tiled", 4, 2, 2, false}}) {
    s.tls = true;
    out.push_back(s);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Clients, ClientConformance, ::testing::ValuesIn(setups()), setup_name);

TEST(Registry, UnknownClientNamesTheKnownOnes) {
  try {
    make_client("nope", ClientOptions{});
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("hiredis"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("zerocopy"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("tiled"), std::string::npos);
  }
}

TEST(Registry, ImpossibleOptionsAreRejected) {
  ClientOptions o;
  o.streams = 2;
  o.threads = 3;
  EXPECT_THROW(make_client("zerocopy", o), std::invalid_argument);
  o.threads = 1;
  o.pipeline_depth = 0;
  EXPECT_THROW(make_client("hiredis", o), std::invalid_argument);
}

}  // namespace
}  // namespace kvslo
