#pragma once
// The field table: every setting a point has, declared once. Each entry says
// how the field is read from a scenario, --set or a flag (and checked), how
// it is written into the results' `parameters`, whether it is part of what a
// point *is* (its identity, which the gate matches across runs), whether it
// may be swept as an axis, and how it shows in the point's label. Scenario
// parsing, flags, validation, labels, variants and the gate all read it.
//
// Adding a field: a member in PointSpec, an entry in fields.cpp, and its use
// (in the client options, the point runner or the server); nothing else. A
// field added after results schema 2 records itself only when it differs
// from its default, so that points measured before it existed keep their
// identity (and still match in the gate and the report's before/after).

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/checker.hpp"
#include "experiment/point_spec.hpp"

namespace kvslo {

class ModelTable;

// What a field means for matching points across runs.
enum class Identity {
  kPoint,   // part of what the point is
  kClient,  // part of it, but it belongs to the client: a reference client is matched without it
  kNone,    // how it is measured (trials, timeouts): may differ between runs of the same point
};

// Where a field shows in a point's label: "client op size xN streams=S threads=T depth=D <variant>".
enum class Shown { kLabel, kVariant, kHidden };

// How `kvslo run` takes the field as a flag (sugar for --set on the default scenario).
enum class FlagForm {
  kNone,
  kList,       // --streams 1,2: an axis
  kTextList,   // --client zerocopy,null: an axis of names, always text (null is a client, not JSON's null)
  kValue,      // --op set: one value
  kText,       // --key-prefix 123: one value, always text
  kSetsFalse,  // --no-verify: the flag sets the field to false
};

struct FieldInput {
  const Checker& check;
  const ModelTable& models;
  const std::string& name;  // as written: "streams", "redis.io-threads"
  const std::string& path;  // JSON path for messages
};

struct Field {
  std::string name;  // a family's prefix ends with '.': "redis."
  std::string help;
  bool axis = true;  // may be swept in `axes` (every field may be set in `workload`)
  Identity identity = Identity::kPoint;
  Shown shown = Shown::kHidden;
  // The keys of `parameters` that hold its value; `record` may add keys
  // derived from them (the size as text, the batch in bytes), which say nothing more.
  std::vector<std::string> parameter_keys;
  std::function<void(PointSpec&, const nlohmann::json&, const FieldInput&)> apply;  // read and check one value
  std::function<void(const PointSpec&, nlohmann::json&)> record;                   // into `parameters`
  std::function<std::string(const PointSpec&)> show;  // its part of the label or variant ("" for none)
  // What the field rules out in combination with the others (a setting only
  // some clients have): throws std::invalid_argument. Optional.
  std::function<void(const PointSpec&)> validate;
  std::string flag;  // "--streams"
  FlagForm flag_form = FlagForm::kNone;

  bool family() const { return !name.empty() && name.back() == '.'; }
};

// In label order (which is also the order they are listed in).
const std::vector<Field>& fields();
// The field of a name ("streams", or "redis.io-threads" for the "redis." family); null if none.
const Field* find_field(std::string_view name);
// "client, op, chunk_size, ..." of the fields that may be axes (or all fields).
std::string field_list(bool axes_only);

// Sets one field of a point from a value a user wrote, checking it.
void apply_field(PointSpec& p, const std::string& name, const nlohmann::json& v, const std::string& path,
                 const Checker& c, const ModelTable& models);

// Every field's own combination check (Field::validate), in table order.
void validate_fields(const PointSpec& p);

// The results' `parameters` of a point.
nlohmann::json point_parameters(const PointSpec& p);
// What a point is, from its `parameters` (of this version or an older one):
// the parameters of identity fields, without the client's own with `without_client`.
nlohmann::json point_identity(const nlohmann::json& parameters, bool without_client = false);
// "zerocopy get 4MiB x64 streams=1 depth=8 rcvbuf=16MiB"
std::string point_label(const PointSpec& p);
// What sets the point apart beyond client, sizes, streams, threads and depth ("" if nothing).
std::string point_variant(const PointSpec& p);

}  // namespace kvslo
