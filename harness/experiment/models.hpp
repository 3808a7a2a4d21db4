#pragma once
// Chunk sizes derived from a model's KV-cache geometry (scenarios/models.json).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace kvslo {

struct ModelGeometry {
  std::string name;
  std::uint64_t layers = 0, kv_heads = 0, head_dim = 0;
};

class ModelTable {
 public:
  // Throws std::invalid_argument naming the file and the field on bad input.
  static ModelTable load(const std::filesystem::path& path);

  // layers x kv_heads x head_dim x 2 (K and V) x dtype bytes. Throws
  // std::invalid_argument naming the known models/dtypes for unknown ones.
  std::uint64_t bytes_per_token(const std::string& model, const std::string& dtype) const;
  // Whether `model` is a key of the table, so a caller can tell which of
  // model and dtype an error from bytes_per_token is about.
  bool has_model(const std::string& model) const { return models_.count(model) > 0; }

 private:
  std::map<std::string, ModelGeometry> models_;
  std::map<std::string, std::uint64_t> dtype_bytes_;
};

}  // namespace kvslo
