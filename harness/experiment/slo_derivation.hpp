#pragma once
// A retrieval SLO derived from a model and a prefill rate instead of given:
// loading a prefix from Redis beats recomputing it (prefill) when retrieval
// moves bytes faster than prefill makes them, i.e. above
// KV bytes per token x prefill tokens per second.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "experiment/checker.hpp"
#include "experiment/models.hpp"

namespace kvslo {

struct SloDerivation {
  std::string model;                   // a key of scenarios/models.json
  std::string dtype;                   // the KV cache's element type
  std::uint64_t bytes_per_token = 0;   // layers x kv_heads x head_dim x 2 x dtype bytes
  double prefill_tokens_per_s = 0;     // the user's measured prefill rate

  // bytes_per_token x prefill_tokens_per_s in GB/s (10^9 B/s).
  double gbps() const;
  // "131,072 B/token (llama-3.1-8b, bf16) x 9,700 prefill tokens/s"
  std::string arithmetic() const;
  // The results file's "retrieval_gbps_derived_from".
  nlohmann::json to_json() const;
};

// The prefill rates accepted: below 1 token/s no GPU prefills, and above 10^7
// the figure is a typo (a large node prefills an 8B model at ~10^4-10^5).
inline constexpr double kMinPrefillTokensPerS = 1;
inline constexpr double kMaxPrefillTokensPerS = 1e7;

// {"model": ..., "dtype": ... (default bf16), "prefill_tokens_per_s": ...} at
// `path`. Refuses (via `check`) unknown keys, models and dtypes, rates out of
// range and a product above max_gbps, naming the JSON path and what was expected.
SloDerivation derive_retrieval_slo(const nlohmann::json& spec, const std::string& path, double max_gbps,
                                   const Checker& check, const ModelTable& models);

// One line for people: "retrieval SLO 1.27 GB/s = <arithmetic>: loading a
// prefix beats recomputing it above this".
std::string explain_retrieval_slo(const SloDerivation& derivation);

}  // namespace kvslo
