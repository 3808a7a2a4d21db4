#include "experiment/slo_derivation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "experiment/units.hpp"

namespace kvslo {
namespace {

using nlohmann::json;

// A rate as written: "9,700" for a whole number, "9,700.25" otherwise
// (rates are at most 10^7, so cents fit in 64 bits).
std::string format_rate(double rate) {
  const auto cents = static_cast<std::uint64_t>(std::llround(rate * 100));
  const std::uint64_t fraction = cents % 100;
  if (fraction == 0) return format_count(cents / 100);
  return format_count(cents / 100) + (fraction < 10 ? ".0" : ".") + std::to_string(fraction);
}

// Two decimals, more below 1 GB/s so a small SLO never prints as "0.00".
std::string format_slo_gbps(double gbps) {
  const int decimals = gbps >= 1 || gbps <= 0 ? 2 : std::min(12, 2 - static_cast<int>(std::floor(std::log10(gbps))));
  return format_fixed(gbps, decimals);
}

}  // namespace

double SloDerivation::gbps() const { return static_cast<double>(bytes_per_token) * prefill_tokens_per_s / 1e9; }

std::string SloDerivation::arithmetic() const {
  return format_count(bytes_per_token) + " B/token (" + model + ", " + dtype + ") x " + format_rate(prefill_tokens_per_s) +
         " prefill tokens/s";
}

json SloDerivation::to_json() const {
  return {{"model", model},
          {"dtype", dtype},
          {"bytes_per_token", bytes_per_token},
          {"prefill_tokens_per_s", prefill_tokens_per_s},
          {"arithmetic", arithmetic() + " = " + format_count(static_cast<std::uint64_t>(std::llround(gbps() * 1e9))) +
                             " B/s = " + format_slo_gbps(gbps()) + " GB/s (GB = 10^9 B)"}};
}

SloDerivation derive_retrieval_slo(const json& spec, const std::string& path, double max_gbps, const Checker& c,
                                   const ModelTable& models) {
  c.only_keys(path, spec, {"model", "dtype", "prefill_tokens_per_s"});
  const json model = spec.value("model", json());
  if (!model.is_string()) c.expected(path + "/model", "a model name from scenarios/models.json", model);
  // The default of a chunk size given by a model, so both read alike.
  const json dtype = spec.value("dtype", json("bf16"));
  if (!dtype.is_string()) c.expected(path + "/dtype", "a dtype such as \"bf16\"", dtype);
  const json rate = spec.value("prefill_tokens_per_s", json());
  if (!rate.is_number() || !(rate.get<double>() >= kMinPrefillTokensPerS) || !(rate.get<double>() <= kMaxPrefillTokensPerS)) {
    c.expected(path + "/prefill_tokens_per_s",
               "a prefill rate in tokens per second from " + format_count(static_cast<std::uint64_t>(kMinPrefillTokensPerS)) +
                   " to " + format_count(static_cast<std::uint64_t>(kMaxPrefillTokensPerS)) + " (measured on your GPU)",
               rate);
  }
  SloDerivation d{model.get<std::string>(), dtype.get<std::string>(), 0, rate.get<double>()};
  try {
    d.bytes_per_token = models.bytes_per_token(d.model, d.dtype);
  } catch (const std::invalid_argument& e) {
    c.fail(path + (models.has_model(d.model) ? "/dtype" : "/model"), e.what());
  }
  // A product too large to be a floor anything meets, or one that rounded to 0.
  const double gbps = d.gbps();
  if (!(gbps > 0) || !(gbps <= max_gbps)) {
    c.fail(path, "expected a derived SLO above 0 and at most " + format_count(static_cast<std::uint64_t>(max_gbps)) +
                     " GB/s, got " + d.arithmetic() + " = " + format_slo_gbps(gbps) + " GB/s");
  }
  return d;
}

std::string explain_retrieval_slo(const SloDerivation& d) {
  return "retrieval SLO " + format_slo_gbps(d.gbps()) + " GB/s = " + d.arithmetic() +
         ": loading a prefix beats recomputing it above this";
}

}  // namespace kvslo
