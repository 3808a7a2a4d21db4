// kvslo over TLS end to end: the tls axis against the embedded server (TLS
// and plain points take turns on one server, what each connection
// negotiated is recorded, what cannot speak TLS is skipped with why), and
// a server of the user's named with rediss:// and trusted with --tls-ca.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"
#include "system/embedded_redis.hpp"

namespace kvslo {
namespace {

using TlsRun = testing::ScratchDirTest;

const nlohmann::json* point_labelled(const nlohmann::json& results, const std::string& label) {
  for (const auto& p : results["points"]) {
    if (p["label"] == label) return &p;
  }
  return nullptr;
}

TEST_F(TlsRun, TheTlsAxisTakesTurnsOnOneServerAndRecordsTheWire) {
  const auto out = dir_ / "r.json";
  const auto o = testing::run_kvslo("run --client zerocopy,tiled,hiredis,redis-py --tls off,on --chunk-size 256KiB "
                                    "--chunks-per-batch 8 --working-set 16MiB --trials 2 --warmup 1 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("a TLS port with a throwaway CA"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("skipped client=hiredis, tls=on: it cannot run (tls on: hiredis"), std::string::npos) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 7u) << o.output;
  ASSERT_EQ(j["skipped_points"].size(), 1u);
  ASSERT_EQ(j["interleave"]["groups"].size(), 1u) << "plain and TLS points share one server and dataset: one turn group";
  EXPECT_EQ(j["interleave"]["groups"][0].size(), 7u);
  for (const auto& p : j["points"]) {
    SCOPED_TRACE(p["label"].get<std::string>());
    EXPECT_TRUE(p["status"] == "ok" || p["status"] == "slo_miss") << p["status"] << p["errors"];
    EXPECT_EQ(p["verify_failures"], 0);
    const bool tls = p["parameters"].value("tls", "off") == "on";
    const bool ours = p["parameters"]["client"] != "redis-py";
    if (tls && ours) {
      ASSERT_TRUE(p.contains("tls_wire")) << p;
      EXPECT_EQ(p["tls_wire"]["connections"], p["connections"].size());
      EXPECT_EQ(p["tls_wire"]["ktls_send"], 0) << "not asked for";
      for (const auto& c : p["connections"]) EXPECT_TRUE(c["tls"]["protocol"].get<std::string>().starts_with("TLSv1."));
    } else {
      EXPECT_FALSE(p.contains("tls_wire"));
    }
  }
  // TLS costs are paired with the same client in plain TCP, never with hiredis.
  const nlohmann::json* tls_zerocopy = nullptr;
  for (const auto& c : j["paired_comparisons"]) {
    if (c["ours"] == "zerocopy get 256KiB x8 streams=1 depth=8 tls=on") tls_zerocopy = &c;
  }
  ASSERT_NE(tls_zerocopy, nullptr) << j["paired_comparisons"];
  EXPECT_EQ((*tls_zerocopy)["baseline"], "zerocopy get 256KiB x8 streams=1 depth=8");
  EXPECT_NE(point_labelled(j, "tiled get 256KiB x8 streams=1 depth=8 tls=on"), nullptr);
}

TEST_F(TlsRun, TheReferenceServerBesideTlsPointsRunsPlain) {
  // The reference server has no TLS: its tls=on point is skipped, its plain one runs after the restart.
  const auto out = dir_ / "r.json";
  const auto o = testing::run_kvslo("run --client zerocopy --server redis,reference --tls off,on --chunk-size 256KiB "
                                    "--chunks-per-batch 8 --working-set 8MiB --trials 1 --warmup 1 --out " + out.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 3u) << o.output;
  ASSERT_EQ(j["skipped_points"].size(), 1u);
  EXPECT_NE(j["skipped_points"][0]["reason"].get<std::string>().find("reference server has no TLS"), std::string::npos);
  for (const auto& p : j["points"]) EXPECT_TRUE(p["status"] == "ok" || p["status"] == "slo_miss") << p["label"] << p["errors"];
}

TEST_F(TlsRun, AServerOfTheUsersNamedWithRediss) {
  EmbeddedRedisOptions options;
  options.tls = true;
  options.requirepass = "tls-run-secret";
  EmbeddedRedis server(options);
  const std::string url = "rediss://127.0.0.1:" + std::to_string(server.tls_endpoint().port);
  const std::string password = "KVSLO_REDIS_PASSWORD=tls-run-secret";
  const auto out = dir_ / "r.json";

  // Not trusted: the system store does not know kvslo's throwaway CA.
  const auto untrusted = testing::run_kvslo("run --client zerocopy --chunk-size 256KiB --chunks-per-batch 8 --working-set 4MiB --trials 1 "
                                            "--redis " + url + " --out " + out.string(), password);
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.output.find("certificate was refused"), std::string::npos) << untrusted.output;
  EXPECT_EQ(untrusted.output.find("tls-run-secret"), std::string::npos);

  // Trusted: points left at tls off run over TLS (the URL decides), hiredis is skipped.
  const auto o = testing::run_kvslo("run --client zerocopy,hiredis --chunk-size 256KiB --chunks-per-batch 8 --working-set 4MiB --trials 1 --redis " +
                                        url + " --tls-ca " + server.pki().ca_cert + " --out " + out.string(), password);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = read(out);
  ASSERT_EQ(j["points"].size(), 1u) << o.output;
  EXPECT_EQ(j["points"][0]["parameters"]["tls"], "on");
  EXPECT_EQ(j["points"][0]["status"] == "ok" || j["points"][0]["status"] == "slo_miss", true) << j["points"][0]["errors"];
  EXPECT_EQ(j["environment"]["tls_client"]["ca_file"], server.pki().ca_cert);
  EXPECT_EQ(j["environment"]["tls_client"]["verify"], true);
  ASSERT_EQ(j["skipped_points"].size(), 1u);
  EXPECT_NE(j["skipped_points"][0]["reason"].get<std::string>().find("no TLS"), std::string::npos);

  // --tls-* name a rediss:// server: with a plain URL they are a mistake, refused before anything runs.
  const auto plain = testing::run_kvslo("run --client zerocopy --redis redis://127.0.0.1:" + std::to_string(server.port()) +
                                        " --tls-ca " + server.pki().ca_cert + " --out " + (dir_ / "p.json").string(), password);
  EXPECT_EQ(plain.exit_code, 2) << plain.output;
  EXPECT_NE(plain.output.find("rediss://"), std::string::npos) << plain.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "p.json"));
}

}  // namespace
}  // namespace kvslo
