#include "models.hpp"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace kvslo {
namespace {

template <typename Map>
std::string known(const Map& m) {
  std::string s;
  for (const auto& [k, v] : m) s += (s.empty() ? "" : ", ") + k;
  return s;
}

}  // namespace

ModelTable ModelTable::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path.string() + ": cannot read the models table");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(path.string() + ": not valid JSON: " + e.what());
  }
  ModelTable t;
  auto field = [&](const nlohmann::json& o, const std::string& key, const std::string& where) -> std::uint64_t {
    if (!o.contains(key) || !o[key].is_number_unsigned() || o[key].get<std::uint64_t>() == 0) {
      throw std::invalid_argument(path.string() + ": at " + where + "/" + key + ": expected a positive integer");
    }
    return o[key].get<std::uint64_t>();
  };
  if (!j.contains("models") || !j["models"].is_object()) throw std::invalid_argument(path.string() + ": at /models: expected an object");
  if (!j.contains("dtypes") || !j["dtypes"].is_object()) throw std::invalid_argument(path.string() + ": at /dtypes: expected an object");
  for (const auto& [key, m] : j["models"].items()) {
    const std::string where = "/models/" + key;
    t.models_[key] = {m.value("name", key), field(m, "layers", where), field(m, "kv_heads", where), field(m, "head_dim", where)};
  }
  for (const auto& [key, v] : j["dtypes"].items()) {
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0) {
      throw std::invalid_argument(path.string() + ": at /dtypes/" + key + ": expected a positive integer");
    }
    t.dtype_bytes_[key] = v.get<std::uint64_t>();
  }
  return t;
}

std::uint64_t ModelTable::bytes_per_token(const std::string& model, const std::string& dtype) const {
  auto m = models_.find(model);
  if (m == models_.end()) throw std::invalid_argument("unknown model '" + model + "' (known: " + known(models_) + ")");
  auto d = dtype_bytes_.find(dtype);
  if (d == dtype_bytes_.end()) throw std::invalid_argument("unknown dtype '" + dtype + "' (known: " + known(dtype_bytes_) + ")");
  return m->second.layers * m->second.kv_heads * m->second.head_dim * 2 * d->second;
}

}  // namespace kvslo
