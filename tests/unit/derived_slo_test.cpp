// The retrieval SLO derived from a model and a prefill rate (loading a prefix
// beats recomputing it above KV bytes per token x prefill tokens per second):
// the arithmetic, its record in the results, the line printed, and every bad
// input refused with the file, the JSON path and what was expected.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "experiment/scenario.hpp"
#include "experiment/slo_derivation.hpp"
#include "support/scenario_error.hpp"
#include "support/scratch_dir.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

ModelTable shipped_models() { return ModelTable::load(scenario_directory() / "models.json"); }

constexpr const char* kWorkload = R"("workload": {"working_set": "64MiB", "chunks_per_batch": 4, "chunk_size": "1MiB"})";
constexpr const char* kDerived = R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": 9700})";

class DerivedSlo : public testing::ScratchDirTest {
 protected:
  fs::path write(const std::string& text, const std::string& name = "s.json") {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  // A scenario whose "slo" is `slo` (JSON text).
  Scenario load_with_slo(const std::string& slo, const ModelTable& models) {
    return Scenario::load(write(std::string("{") + kWorkload + R"(, "slo": )" + slo + "}"), models);
  }
  struct Fault {
    std::string retrieval;  // the value of slo.retrieval_gbps, as JSON text
    std::string path;
    std::string expected;
  };
  // Each fault is refused from a file and from --set, naming where it came from, the path and the expectation.
  void expect_refused(const std::vector<Fault>& faults, const ModelTable& models) {
    for (const auto& f : faults) {
      const std::string from_file = testing::scenario_error([&] { load_with_slo(R"({"retrieval_gbps": )" + f.retrieval + "}", models); });
      EXPECT_NE(from_file.find((dir_ / "s.json").string() + ": at " + f.path + ":"), std::string::npos) << f.retrieval << "\n" << from_file;
      EXPECT_NE(from_file.find(f.expected), std::string::npos) << f.retrieval << "\n" << from_file;
      const std::string from_set = testing::scenario_error([&] {
        Scenario s = load_with_slo("{}", models);
        s.override_with("slo.retrieval_gbps=" + f.retrieval, models);
      });
      EXPECT_NE(from_set.find("with --set slo.retrieval_gbps: at " + f.path + ":"), std::string::npos) << f.retrieval << "\n" << from_set;
      EXPECT_NE(from_set.find(f.expected), std::string::npos) << f.retrieval << "\n" << from_set;
    }
  }
};

TEST_F(DerivedSlo, Llama31_8BBf16At9700TokensPerSecondIs1_27GBps) {
  const Scenario s = load_with_slo(std::string(R"({"retrieval_gbps": )") + kDerived + R"(, "batch_p99_ms": 500})", shipped_models());
  // 32 layers x 8 KV heads x 128 x 2 (K,V) x 2 bytes = 131,072 B/token; x 9,700 tokens/s / 10^9.
  EXPECT_DOUBLE_EQ(s.slo.retrieval_gbps, 1.2713984);
  ASSERT_TRUE(s.slo.retrieval_derived_from.has_value());
  const SloDerivation& d = *s.slo.retrieval_derived_from;
  EXPECT_EQ(d.model, "llama-3.1-8b");
  EXPECT_EQ(d.dtype, "bf16");  // the default, as for a chunk size from a model
  EXPECT_EQ(d.bytes_per_token, 131072u);
  EXPECT_EQ(d.prefill_tokens_per_s, 9700);
  EXPECT_EQ(explain_retrieval_slo(d),
            "retrieval SLO 1.27 GB/s = 131,072 B/token (llama-3.1-8b, bf16) x 9,700 prefill tokens/s: "
            "loading a prefix beats recomputing it above this");
  EXPECT_EQ(s.slo.batch_p99_ms, 500);  // the other bounds read as before
}

TEST_F(DerivedSlo, TheDtypeScalesBytesPerToken) {
  const Scenario s = load_with_slo(R"({"retrieval_gbps": {"model": "llama-3.1-70b", "dtype": "fp8", "prefill_tokens_per_s": 2500.5}})",
                                   shipped_models());
  // 80 layers x 8 x 128 x 2 x 1 byte = 163,840 B/token.
  EXPECT_EQ(s.slo.retrieval_derived_from->bytes_per_token, 163840u);
  EXPECT_DOUBLE_EQ(s.slo.retrieval_gbps, 163840 * 2500.5 / 1e9);
  EXPECT_NE(explain_retrieval_slo(*s.slo.retrieval_derived_from).find("163,840 B/token (llama-3.1-70b, fp8) x 2,500.50 prefill tokens/s"),
            std::string::npos);
}

// The results file keeps retrieval_gbps a number (the gate and older reports
// read it) and records the arithmetic beside it.
TEST_F(DerivedSlo, TheResultsRecordTheNumberAndItsArithmetic) {
  const Scenario s = load_with_slo(std::string(R"({"retrieval_gbps": )") + kDerived + "}", shipped_models());
  const json j = s.slo.to_json();
  ASSERT_TRUE(j["retrieval_gbps"].is_number_float());
  EXPECT_DOUBLE_EQ(j["retrieval_gbps"].get<double>(), 1.2713984);
  const json& from = j["retrieval_gbps_derived_from"];
  EXPECT_EQ(from["model"], "llama-3.1-8b");
  EXPECT_EQ(from["dtype"], "bf16");
  EXPECT_EQ(from["bytes_per_token"], 131072);
  EXPECT_EQ(from["prefill_tokens_per_s"], 9700.0);
  EXPECT_EQ(from["arithmetic"],
            "131,072 B/token (llama-3.1-8b, bf16) x 9,700 prefill tokens/s = 1,271,398,400 B/s = 1.27 GB/s (GB = 10^9 B)");
  // Recorded in the resolved scenario too.
  EXPECT_EQ(s.to_json()["slo"]["retrieval_gbps_derived_from"]["bytes_per_token"], 131072);
  // A number has nothing to record.
  EXPECT_FALSE(load_with_slo(R"({"retrieval_gbps": 2})", shipped_models()).slo.to_json().contains("retrieval_gbps_derived_from"));
}

TEST_F(DerivedSlo, SetTakesTheObjectAsJsonAndANumberReplacesIt) {
  const auto models = shipped_models();
  Scenario s = load_with_slo("{}", models);
  s.override_with(std::string("slo.retrieval_gbps=") + kDerived, models);
  EXPECT_DOUBLE_EQ(s.slo.retrieval_gbps, 1.2713984);
  ASSERT_TRUE(s.slo.retrieval_derived_from.has_value());
  s.override_with("slo.retrieval_gbps=2.5", models);
  EXPECT_EQ(s.slo.retrieval_gbps, 2.5);
  EXPECT_FALSE(s.slo.retrieval_derived_from.has_value());  // no stale arithmetic beside a number it did not make
  // A refused assignment leaves the derivation as it was.
  s.override_with(std::string("slo.retrieval_gbps=") + kDerived, models);
  EXPECT_NE(testing::scenario_error([&] { s.override_with(R"(slo.retrieval_gbps={"model": "gpt-9", "prefill_tokens_per_s": 1})", models); }), "");
  EXPECT_EQ(s.slo.retrieval_derived_from->model, "llama-3.1-8b");
}

TEST_F(DerivedSlo, FaultMatrix_BadInputIsRefusedWithPathAndExpectation) {
  expect_refused(
      {
          {R"({"model": "gpt-9", "prefill_tokens_per_s": 9700})", "/slo/retrieval_gbps/model", "unknown model 'gpt-9' (known: llama-3.1-70b, llama-3.1-8b"},
          {R"({"prefill_tokens_per_s": 9700})", "/slo/retrieval_gbps/model", "expected a model name from scenarios/models.json, got null"},
          {R"({"model": 8, "prefill_tokens_per_s": 9700})", "/slo/retrieval_gbps/model", "expected a model name from scenarios/models.json, got 8"},
          {R"({"model": "llama-3.1-8b", "dtype": "int3", "prefill_tokens_per_s": 9700})", "/slo/retrieval_gbps/dtype", "unknown dtype 'int3' (known: bf16, fp16, fp32, fp8)"},
          {R"({"model": "llama-3.1-8b", "dtype": 2, "prefill_tokens_per_s": 9700})", "/slo/retrieval_gbps/dtype", "expected a dtype such as \"bf16\", got 2"},
          {R"({"model": "llama-3.1-8b", "prefill": 9700})", "/slo/retrieval_gbps/prefill", "unknown key 'prefill' (expected one of model, dtype, prefill_tokens_per_s)"},
          {R"({"model": "llama-3.1-8b"})", "/slo/retrieval_gbps/prefill_tokens_per_s", "from 1 to 10,000,000 (measured on your GPU), got null"},
          {R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": 0})", "/slo/retrieval_gbps/prefill_tokens_per_s", "from 1 to 10,000,000 (measured on your GPU), got 0"},
          {R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": -9700})", "/slo/retrieval_gbps/prefill_tokens_per_s", "got -9700"},
          // Below 1 token/s the product could round to 0 GB/s.
          {R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": 1e-300})", "/slo/retrieval_gbps/prefill_tokens_per_s", "tokens per second from 1 to 10,000,000"},
          {R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": 1e8})", "/slo/retrieval_gbps/prefill_tokens_per_s", "tokens per second from 1 to 10,000,000"},
          {R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": "9700"})", "/slo/retrieval_gbps/prefill_tokens_per_s", "got \"9700\""},
          {R"({"model": "llama-3.1-8b", "prefill_tokens_per_s": true})", "/slo/retrieval_gbps/prefill_tokens_per_s", "got true"},
          {"[1]", "/slo/retrieval_gbps", "expected a positive number of GB/s, or {\"model\": ..., \"dtype\": ..., \"prefill_tokens_per_s\": ...} to derive it, got [1]"},
      },
      shipped_models());
}

// A geometry within a chunk per token (256 MiB) at 10^7 tokens/s is 2.7 million GB/s: no floor anything meets.
TEST_F(DerivedSlo, FaultMatrix_AProductAboveTheLargestSloIsRefused) {
  const auto models = ModelTable::load(write(R"({"dtypes": {"fp32": 4},
      "models": {"huge": {"layers": 1024, "kv_heads": 128, "head_dim": 256}}})", "models.json"));
  expect_refused({{R"({"model": "huge", "dtype": "fp32", "prefill_tokens_per_s": 1e7})", "/slo/retrieval_gbps",
                   "expected a derived SLO above 0 and at most 10,000 GB/s, got 268,435,456 B/token (huge, fp32) x 10,000,000 "
                   "prefill tokens/s = 2684354.56 GB/s"}},
                 models);
  // The same model at a rate whose product fits is accepted: 268,435,456 x 10 / 10^9.
  EXPECT_DOUBLE_EQ(load_with_slo(R"({"retrieval_gbps": {"model": "huge", "dtype": "fp32", "prefill_tokens_per_s": 10}})", models)
                       .slo.retrieval_gbps,
                   2.68435456);
}

TEST(SloDerivationText, SmallRatesKeepThreeSignificantDigits) {
  const SloDerivation d{"m", "bf16", 2, 1};  // 2 B/s
  EXPECT_NE(explain_retrieval_slo(d).find("retrieval SLO 0.00000000200 GB/s = 2 B/token (m, bf16) x 1 prefill tokens/s"),
            std::string::npos)
      << explain_retrieval_slo(d);
}

}  // namespace
}  // namespace kvslo
