// A retrieval SLO derived from a model and a prefill rate, end to end: the run
// prints its arithmetic and records it, and the report draws time to load vs
// time to recompute; an SLO given as a number draws nothing of the kind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "support/kvslo_process.hpp"
#include "support/scratch_dir.hpp"

namespace kvslo {
namespace {

namespace fs = std::filesystem;
using testing::Outcome;

constexpr const char* kSmall =
    "run --client zerocopy --working-set 32MiB --chunk-size 1MiB --chunks-per-batch 8 --trials 2 --warmup 1";
constexpr const char* kDerived = R"( --set 'slo.retrieval_gbps={"model":"llama-3.1-8b","prefill_tokens_per_s":9700}')";
constexpr const char* kPrinted =
    "retrieval SLO 1.27 GB/s = 131,072 B/token (llama-3.1-8b, bf16) x 9,700 prefill tokens/s: "
    "loading a prefix beats recomputing it above this";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool is_png(const fs::path& p) {
  return fs::exists(p) && slurp(p).rfind("\x89PNG\r\n\x1a\n", 0) == 0 && fs::file_size(p) > 5000;
}

using BreakEven = testing::ScratchDirTest;

TEST_F(BreakEven, ADerivedSloIsPrintedRecordedAndDrawn) {
  const auto results = dir_ / "r.json";
  Outcome o = testing::run_kvslo(std::string(kSmall) + kDerived + " --out " + results.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find(std::string(kPrinted) + "\nSLO (retrieval >= 1.27 GB/s)"), std::string::npos) << o.output;
  const auto doc = read(results);
  EXPECT_DOUBLE_EQ(doc["slo"]["retrieval_gbps"].get<double>(), 1.2713984);
  EXPECT_EQ(doc["slo"]["retrieval_gbps_derived_from"]["bytes_per_token"], 131072);

  const auto report = dir_ / "report";
  o = testing::run_kvslo("report " + results.string() + " --out " + report.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_TRUE(is_png(report / "load_vs_recompute.png")) << o.output;
  const std::string md = slurp(report / "report.md");
  EXPECT_NE(md.find(std::string(kPrinted) + "."), std::string::npos) << md;
  EXPECT_NE(md.find("## Loading vs recomputing a prefix"), std::string::npos) << md;
  EXPECT_NE(md.find("(load_vs_recompute.png)"), std::string::npos) << md;
  EXPECT_NE(md.find("superlinear"), std::string::npos) << md;
  EXPECT_NE(md.find("vllm bench latency --input-len 8192 --output-len 1 --batch-size 1"), std::string::npos) << md;
  EXPECT_EQ(md.find("(load_vs_recompute.png)"), md.rfind("(load_vs_recompute.png)")) << "drawn twice\n" << md;

  // A hand-edited prefill rate of 0 is refused by name, not divided by.
  auto edited = doc;
  edited["slo"]["retrieval_gbps_derived_from"]["prefill_tokens_per_s"] = 0;
  const auto bad = dir_ / "bad.json";
  std::ofstream(bad) << edited.dump();
  o = testing::run_kvslo("report " + bad.string() + " --out " + (dir_ / "bad").string());
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("field slo.retrieval_gbps_derived_from.prefill_tokens_per_s is 0; expected a positive number"),
            std::string::npos)
      << o.output;
  EXPECT_EQ(o.output.find("Traceback"), std::string::npos) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "bad"));
}

// --slo-gbps after a derived SLO replaces it: a number, with no arithmetic
// left beside it and no break-even drawn.
TEST_F(BreakEven, ANumberSloDrawsNoBreakEven) {
  const auto results = dir_ / "r.json";
  Outcome o = testing::run_kvslo(std::string(kSmall) + kDerived + " --slo-gbps 2 --out " + results.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_EQ(o.output.find("retrieval SLO"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("SLO (retrieval >= 2.00 GB/s)"), std::string::npos) << o.output;
  const auto doc = read(results);
  EXPECT_EQ(doc["slo"]["retrieval_gbps"], 2.0);
  EXPECT_FALSE(doc["slo"].contains("retrieval_gbps_derived_from"));

  const auto report = dir_ / "report";
  o = testing::run_kvslo("report " + results.string() + " --out " + report.string());
  ASSERT_EQ(o.exit_code, 0) << o.output;
  EXPECT_FALSE(fs::exists(report / "load_vs_recompute.png"));
  EXPECT_NE(o.output.find("skipped load_vs_recompute: the retrieval SLO was given as a number"), std::string::npos) << o.output;
  EXPECT_EQ(slurp(report / "report.md").find("Loading vs recomputing"), std::string::npos);
}

}  // namespace
}  // namespace kvslo
