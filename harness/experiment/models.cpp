#include "experiment/models.hpp"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "experiment/json_scan.hpp"
#include "experiment/point_spec.hpp"  // limits::kMaxChunkSize
#include "experiment/units.hpp"

namespace kvslo {
namespace {

template <typename Map>
std::string known(const Map& m) {
  std::string s;
  for (const auto& [k, v] : m) s += (s.empty() ? "" : ", ") + k;
  return s;
}

// layers x kv_heads x head_dim x 2 (K and V) x dtype bytes, or 0 when the
// product overflows or exceeds the largest chunk (a chunk holds whole tokens).
std::uint64_t per_token(const ModelGeometry& m, std::uint64_t dtype_bytes) {
  std::uint64_t bytes = 2;
  for (std::uint64_t factor : {m.layers, m.kv_heads, m.head_dim, dtype_bytes}) {
    if (__builtin_mul_overflow(bytes, factor, &bytes)) return 0;
  }
  return bytes <= limits::kMaxChunkSize ? bytes : 0;
}

nlohmann::json read_table(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path.string() + ": cannot read the models table");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Duplicate keys and deep nesting are refused as in scenario files.
  const JsonScan scan = scan_json(text, /*allow_comments=*/true);
  if (!scan.syntax_error.empty()) throw std::invalid_argument(path.string() + ": not valid JSON: " + scan.syntax_error);
  if (!scan.problem.empty()) throw std::invalid_argument(path.string() + ": at " + scan.path + ": " + scan.problem);
  return nlohmann::json::parse(text, nullptr, true, /*ignore_comments=*/true);
}

}  // namespace

ModelTable ModelTable::load(const std::filesystem::path& path) {
  const nlohmann::json j = read_table(path);
  ModelTable t;
  auto fail = [&](const std::string& where, const std::string& what) {
    throw std::invalid_argument(path.string() + ": at " + where + ": " + what);
  };
  auto field = [&](const nlohmann::json& o, const std::string& key, const std::string& where) -> std::uint64_t {
    if (!o.contains(key) || !o[key].is_number_unsigned() || o[key].get<std::uint64_t>() == 0) {
      fail(where + "/" + key, "expected a positive integer");
    }
    return o[key].get<std::uint64_t>();
  };
  if (!j.contains("models") || !j["models"].is_object()) fail("/models", "expected an object");
  if (!j.contains("dtypes") || !j["dtypes"].is_object()) fail("/dtypes", "expected an object");
  for (const auto& [key, v] : j["dtypes"].items()) t.dtype_bytes_[key] = field(j["dtypes"], key, "/dtypes");
  for (const auto& [key, m] : j["models"].items()) {
    const std::string where = "/models/" + key;
    if (!m.is_object()) fail(where, "expected an object with layers, kv_heads and head_dim");
    if (m.contains("name") && !m["name"].is_string()) fail(where + "/name", "expected a string");
    ModelGeometry g{m.value("name", key), field(m, "layers", where), field(m, "kv_heads", where), field(m, "head_dim", where)};
    for (const auto& [dtype, bytes] : t.dtype_bytes_) {
      if (per_token(g, bytes) == 0) {
        fail(where, "layers x kv_heads x head_dim x 2 x " + dtype + " bytes is more than a chunk may hold (" +
                        format_size(limits::kMaxChunkSize) + ") per token");
      }
    }
    t.models_[key] = g;
  }
  return t;
}

std::uint64_t ModelTable::bytes_per_token(const std::string& model, const std::string& dtype) const {
  auto m = models_.find(model);
  if (m == models_.end()) throw std::invalid_argument("unknown model '" + model + "' (known: " + known(models_) + ")");
  auto d = dtype_bytes_.find(dtype);
  if (d == dtype_bytes_.end()) throw std::invalid_argument("unknown dtype '" + dtype + "' (known: " + known(dtype_bytes_) + ")");
  // load() refused every geometry whose product overflows, so this is never 0.
  const std::uint64_t bytes = per_token(m->second, d->second);
  if (bytes == 0) throw std::invalid_argument("model '" + model + "' in " + dtype + ": bytes per token overflow");
  return bytes;
}

}  // namespace kvslo
