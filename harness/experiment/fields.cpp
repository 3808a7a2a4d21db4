#include "experiment/fields.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>

#include "experiment/client_catalog.hpp"
#include "experiment/models.hpp"
#include "experiment/units.hpp"
#include "net/kernel_tls.hpp"

namespace kvslo {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxKeyPrefix = 256;
// The embedded server's settings a point may set (the "redis." family).
const std::vector<std::string> kRedisSettings{"io-threads", "io-threads-do-reads"};

// "io-threads or io-threads-do-reads", or with `prefix` each named as an axis: "redis.io-threads, ...".
std::string redis_setting_list(const std::string& prefix = "") {
  std::string list;
  for (std::size_t i = 0; i < kRedisSettings.size(); ++i) {
    list += (i == 0 ? "" : prefix.empty() && i + 1 == kRedisSettings.size() ? " or " : ", ") + prefix + kRedisSettings[i];
  }
  return list;
}

Field field(std::string name, std::string help, std::vector<std::string> parameter_keys) {
  Field f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.parameter_keys = std::move(parameter_keys);
  return f;
}

// Entries for the common shapes; the rest are written out below.
template <typename T>
Field integer_field(std::string name, T PointSpec::*member, std::int64_t min, std::int64_t max, std::string what,
                    std::string help) {
  Field f = field(name, std::move(help), {name});
  f.apply = [=](PointSpec& p, const json& v, const FieldInput& in) {
    p.*member = static_cast<T>(in.check.integer(in.path, v, min, max, what));
  };
  f.record = [=](const PointSpec& p, json& j) { j[name] = p.*member; };
  return f;
}

Field boolean_field(std::string name, bool PointSpec::*member, std::string help) {
  Field f = field(name, std::move(help), {name});
  f.apply = [=](PointSpec& p, const json& v, const FieldInput& in) { p.*member = in.check.boolean(in.path, v); };
  f.record = [=](const PointSpec& p, json& j) { j[name] = p.*member; };
  return f;
}

template <typename E>
Field choice_field(std::string name, E PointSpec::*member, std::string help) {
  Field f = field(name, std::move(help), {name});
  f.apply = [=](PointSpec& p, const json& v, const FieldInput& in) {
    p.*member = *parse_enum<E>(in.check.one_of(in.path, v, enum_names<E>()));
  };
  f.record = [=](const PointSpec& p, json& j) { j[name] = to_string(p.*member); };
  return f;
}

Field& with(Field& f, Identity identity, Shown shown, std::function<std::string(const PointSpec&)> show = nullptr) {
  f.identity = identity;
  f.shown = shown;
  f.show = std::move(show);
  return f;
}

Field& flag(Field& f, std::string name, FlagForm form) {
  f.flag = std::move(name);
  f.flag_form = form;
  return f;
}

std::string client_name(const json& v, const std::string& path, const Checker& c) {
  const std::vector<std::string> names = catalog_names();
  if (v.is_string() && std::find(names.begin(), names.end(), v.get<std::string>()) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    const std::string& name = v.get<std::string>();
    c.fail(path, "unknown client " + (name.size() <= 40 ? "'" + name + "'" : shown(v)) + ": expected one of " + list);
  }
  return c.one_of(path, v, names);
}

// A client name, or a client with its own settings: {"client": "tiled", "threads": 2}.
void apply_client(PointSpec& p, const json& v, const FieldInput& in) {
  if (!v.is_object()) {
    p.client = client_name(v, in.path, in.check);
    return;
  }
  std::vector<std::string> keys;
  for (const auto& f : fields()) {
    if (!f.family()) keys.push_back(f.name);
  }
  in.check.only_keys(in.path, v, keys);
  if (!v.contains("client")) in.check.fail(in.path, "a client object needs a \"client\" name");
  p.client = client_name(v["client"], in.path + "/client", in.check);
  for (const auto& [key, value] : v.items()) {
    if (key != "client") apply_field(p, key, value, in.path + "/" + key, in.check, in.models);
  }
}

// {"model": ..., "dtype": ..., "tokens": ...}: bytes per token x tokens,
// checked for overflow (2^47 tokens x 128 KiB wraps to 128 KiB) and against
// the largest chunk Redis takes.
void apply_model_chunk(PointSpec& p, const json& v, const FieldInput& in) {
  const Checker& c = in.check;
  const std::string& path = in.path;
  c.only_keys(path, v, {"model", "dtype", "tokens"});
  const json model = v.value("model", json());
  if (!model.is_string()) c.expected(path + "/model", "a model name from models.json", model);
  const json dtype = v.value("dtype", json("bf16"));
  if (!dtype.is_string()) c.expected(path + "/dtype", "a dtype such as \"bf16\"", dtype);
  const auto tokens = static_cast<std::uint64_t>(c.integer(path + "/tokens", v.value("tokens", json()), 1,
                                                            limits::kMaxTokens, "tokens per chunk (a positive integer)"));
  std::uint64_t per_token = 0;
  try {
    per_token = in.models.bytes_per_token(model.get<std::string>(), dtype.get<std::string>());
  } catch (const std::invalid_argument& e) {
    c.fail(path, e.what());
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(per_token, tokens, &bytes) || bytes > limits::kMaxChunkSize) {
    c.fail(path, "expected at most " + format_size(limits::kMaxChunkSize) +
                     " per chunk (Redis's default proto-max-bulk-len), got " + format_count(tokens) + " tokens x " +
                     format_size(per_token) + " (" + model.get<std::string>() + ", " + dtype.get<std::string>() + ")");
  }
  p.chunk_size = bytes;
  p.model = model.get<std::string>();
  p.dtype = dtype.get<std::string>();
  p.tokens_per_chunk = tokens;
}

void apply_chunk_size(PointSpec& p, const json& v, const FieldInput& in) {
  if (v.is_object()) return apply_model_chunk(p, v, in);
  p.chunk_size = in.check.size(in.path, v, limits::kMaxChunkSize, " (Redis's default proto-max-bulk-len)");
  p.model.clear();
  p.dtype.clear();
  p.tokens_per_chunk = 0;
}

void apply_chunks_per_batch(PointSpec& p, const json& v, const FieldInput& in) {
  if (v.is_object()) {
    in.check.only_keys(in.path, v, {"request_tokens"});
    p.request_tokens = static_cast<std::uint64_t>(in.check.integer(in.path + "/request_tokens", v.value("request_tokens", json()),
                                                                   1, limits::kMaxTokens, "a positive token count"));
  } else {
    p.chunks_per_batch = static_cast<std::size_t>(in.check.integer(
        in.path, v, 1, static_cast<std::int64_t>(limits::kMaxChunksPerBatch), "a positive number of chunks"));
    p.request_tokens = 0;
  }
}

// A socket buffer request: a size the kernel could ever grant, as the int
// setsockopt takes, or "default".
std::optional<int> socket_buffer(const json& v, const FieldInput& in) {
  if (v.is_string() && v.get<std::string>() == "default") return std::nullopt;
  std::uint64_t bytes = 0;
  try {
    bytes = v.is_string() ? parse_size(v.get<std::string>()) : v.is_number_unsigned() ? v.get<std::uint64_t>() : 0;
  } catch (const std::invalid_argument& e) {
    in.check.fail(in.path, e.what());
  }
  if (bytes == 0 || bytes > limits::kMaxSocketBuffer) {
    in.check.expected(in.path, "a positive size of at most " + format_size(limits::kMaxSocketBuffer) +
                                   " (what the kernel could grant), or \"default\"", v);
  }
  return static_cast<int>(bytes);
}

void apply_arrival(PointSpec& p, const json& v, const FieldInput& in) {
  const Checker& c = in.check;
  c.only_keys(in.path, v, {"mode", "rate_per_s", "seed"});
  p.arrival.mode = *parse_enum<ArrivalMode>(c.one_of(in.path + "/mode", v.value("mode", json("closed")), enum_names<ArrivalMode>()));
  if (p.arrival.open_loop() || v.contains("rate_per_s")) {
    p.arrival.rate_per_s = c.positive(in.path + "/rate_per_s", v.value("rate_per_s", json()), limits::kMaxRatePerS,
                                      "a positive number of batches per second");
  }
  if (v.contains("seed")) {
    p.arrival.seed = static_cast<std::uint64_t>(
        c.integer(in.path + "/seed", v["seed"], 0, std::numeric_limits<std::int64_t>::max(), "a seed"));
  }
}

void apply_redis_setting(PointSpec& p, const json& v, const FieldInput& in) {
  const std::string setting = in.name.substr(6);
  if (std::find(kRedisSettings.begin(), kRedisSettings.end(), setting) == kRedisSettings.end()) {
    in.check.fail(in.path, "unknown Redis setting '" + setting + "' (expected " + redis_setting_list() + ")");
  }
  if (setting == "io-threads") {
    p.redis_settings[setting] =
        std::to_string(in.check.integer(in.path, v, 1, limits::kMaxRedisIoThreads, "a number of I/O threads"));
  } else {
    p.redis_settings[setting] = v.is_boolean() ? (v.get<bool>() ? "yes" : "no") : in.check.one_of(in.path, v, {"yes", "no"});
  }
}

// Redis keys are binary-safe, but the prefix is also shown, logged and passed
// to peers on their command lines: printable, without spaces, and short.
void apply_key_prefix(PointSpec& p, const json& v, const FieldInput& in) {
  auto printable = [](const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char ch) {
      return std::isspace(static_cast<unsigned char>(ch)) || std::iscntrl(static_cast<unsigned char>(ch));
    });
  };
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > kMaxKeyPrefix ||
      !printable(v.get<std::string>())) {
    in.check.expected(in.path, "a non-empty key prefix without spaces or control characters, at most " +
                                   std::to_string(kMaxKeyPrefix) + " bytes", v);
  }
  p.key_prefix = v.get<std::string>();
}

std::string shown_size(std::optional<std::uint64_t> bytes, const char* name) {
  return bytes ? std::string(name) + "=" + format_size(*bytes) : "";
}

// sndbuf, rcvbuf: a request per connection, recorded as asked ("default" when none).
Field socket_buffer_field(const std::string& name, std::optional<int> PointSpec::*member) {
  const std::string key = name + "_requested";
  Field f = field(name, "SO_" + std::string(name == "sndbuf" ? "SNDBUF" : "RCVBUF") + " to request per connection, with units",
                  {key});
  f.apply = [member](PointSpec& p, const json& v, const FieldInput& in) { p.*member = socket_buffer(v, in); };
  f.record = [member, key](const PointSpec& p, json& j) { j[key] = p.*member ? json(*(p.*member)) : json("default"); };
  with(f, Identity::kPoint, Shown::kVariant, [member, name](const PointSpec& p) {
    return shown_size(p.*member ? std::optional<std::uint64_t>(*(p.*member)) : std::nullopt, name.c_str());
  });
  return flag(f, "--" + name, FlagForm::kValue);
}

void add_shape_fields(std::vector<Field>& t);
void add_variant_fields(std::vector<Field>& t);
std::vector<Field> workload_fields();

}  // namespace

const std::vector<Field>& fields() {
  static const std::vector<Field> table = [] {
    std::vector<Field> all;
    add_shape_fields(all);
    add_variant_fields(all);
    for (auto& f : workload_fields()) all.push_back(std::move(f));
    return all;
  }();
  return table;
}

const Field* find_field(std::string_view name) {
  for (const auto& f : fields()) {
    if (f.family() ? name.size() > f.name.size() && name.substr(0, f.name.size()) == f.name : name == f.name) return &f;
  }
  return nullptr;
}

std::string field_list(bool axes_only) {
  std::string list;
  for (const auto& f : fields()) {
    if (axes_only && !f.axis) continue;
    const std::string shown_name = f.family() ? redis_setting_list(f.name) : f.name;
    list += (list.empty() ? "" : ", ") + shown_name;
  }
  return list;
}

void apply_field(PointSpec& p, const std::string& name, const json& v, const std::string& path, const Checker& c,
                 const ModelTable& models) {
  const Field* f = find_field(name);
  if (!f) c.fail(path, "unknown field '" + name + "'");
  f->apply(p, v, FieldInput{c, models, name, path});
}

void validate_fields(const PointSpec& p) {
  for (const auto& f : fields()) {
    if (f.validate) f.validate(p);
  }
}

json point_parameters(const PointSpec& p) {
  json j = json::object();
  for (const auto& f : fields()) f.record(p, j);
  return j;
}

json point_identity(const json& parameters, bool without_client) {
  json identity = json::object();
  for (const auto& f : fields()) {
    if (f.identity == Identity::kNone || (without_client && f.identity == Identity::kClient)) continue;
    for (const auto& key : f.parameter_keys) {
      if (parameters.contains(key)) identity[key] = parameters[key];
    }
  }
  return identity;
}

namespace {

// The parts the fields shown at `where` give for `p`, space-separated.
std::string shown_parts(const PointSpec& p, Shown where) {
  std::string text;
  for (const auto& f : fields()) {
    if (f.shown != where) continue;
    const std::string part = f.show(p);
    if (!part.empty()) text += (text.empty() ? "" : " ") + part;
  }
  return text;
}

}  // namespace

std::string point_label(const PointSpec& p) {
  const std::string label = shown_parts(p, Shown::kLabel), variant = point_variant(p);
  return variant.empty() ? label : label + " " + variant;
}

std::string point_variant(const PointSpec& p) { return shown_parts(p, Shown::kVariant); }

namespace {

// What the point moves and how many at once: the label's fields, in its order.
void add_shape_fields(std::vector<Field>& t) {
  auto add = [&](Field f) -> Field& { return t.emplace_back(std::move(f)); };

  Field client = field("client", "clients and peers (see `kvslo clients`)", {"client"});
  client.apply = apply_client;
  client.record = [](const PointSpec& p, json& j) { j["client"] = p.client; };
  flag(with(add(client), Identity::kClient, Shown::kLabel, [](const PointSpec& p) { return p.client; }), "--client", FlagForm::kTextList);

  flag(with(add(choice_field("op", &PointSpec::op, "get, set or exists")), Identity::kPoint, Shown::kLabel,
            [](const PointSpec& p) { return to_string(p.op); }),
       "--op", FlagForm::kValue);

  Field chunk = field("chunk_size", "chunk sizes with units (4MiB, 512KiB, 40MB), or {model, dtype, tokens}", {"chunk_size_bytes", "model"});
  chunk.apply = apply_chunk_size;
  chunk.record = [](const PointSpec& p, json& j) {
    j["chunk_size_bytes"] = p.chunk_size;
    j["chunk_size"] = format_size(p.chunk_size);
    if (!p.model.empty()) {
      j["model"] = {{"model", p.model}, {"dtype", p.dtype}, {"tokens_per_chunk", p.tokens_per_chunk}, {"request_tokens", p.request_tokens}};
    }
  };
  flag(with(add(chunk), Identity::kPoint, Shown::kLabel, [](const PointSpec& p) { return format_size(p.chunk_size); }),
       "--chunk-size", FlagForm::kList);

  Field batch = field("chunks_per_batch", "chunks per batch (a batch is done when its last chunk is), or {request_tokens}", {"chunks_per_batch"});
  batch.apply = apply_chunks_per_batch;
  batch.record = [](const PointSpec& p, json& j) {
    j["chunks_per_batch"] = p.chunks_per_batch;
    j["batch_bytes"] = p.batch_bytes();
  };
  flag(with(add(batch), Identity::kPoint, Shown::kLabel, [](const PointSpec& p) { return "x" + std::to_string(p.chunks_per_batch); }),
       "--chunks-per-batch", FlagForm::kValue);

  flag(with(add(integer_field("streams", &PointSpec::streams, 1, limits::kMaxStreams, "a positive number of streams",
                              "connections (on a cluster: to each shard)")),
            Identity::kPoint, Shown::kLabel, [](const PointSpec& p) { return "streams=" + std::to_string(p.streams); }),
       "--streams", FlagForm::kList);
  flag(with(add(integer_field("threads", &PointSpec::threads, 1, limits::kMaxThreads, "a positive number of threads",
                              "client threads sharing the streams (hiredis, tiled; on a cluster: each shard's)")),
            Identity::kClient, Shown::kLabel,
            [](const PointSpec& p) { return p.threads > 1 ? "threads=" + std::to_string(p.threads) : ""; }),
       "--threads", FlagForm::kList);
  flag(with(add(integer_field("pipeline_depth", &PointSpec::pipeline_depth, 1, limits::kMaxPipelineDepth,
                              "a positive pipeline depth", "requests in flight per connection")),
            Identity::kPoint, Shown::kLabel, [](const PointSpec& p) { return "depth=" + std::to_string(p.pipeline_depth); }),
       "--pipeline-depth", FlagForm::kList);
}

// tiled-py's own settings: how many asyncio tasks await batches at once, and
// the two ablations. Recorded only when not the default (they came after
// results schema 2), and refused for other clients, which have no Python.
void add_python_fields(std::vector<Field>& t) {
  auto add = [&](Field f) -> Field& { return t.emplace_back(std::move(f)); };
  auto python_only = [](const char* name, auto is_default) {
    return [name, is_default](const PointSpec& p) {
      if (p.client != "tiled-py" && !is_default(p)) {
        throw std::invalid_argument(std::string(name) + ": only tiled-py has it (" + p.client + " has no Python side)");
      }
    };
  };
  Field tasks = integer_field("py_tasks", &PointSpec::py_tasks, 1, limits::kMaxPyTasks, "a positive number of tasks",
                              "tiled-py: asyncio tasks awaiting batches at once");
  tasks.record = [](const PointSpec& p, json& j) {
    if (p.py_tasks != 1) j["py_tasks"] = p.py_tasks;
  };
  tasks.validate = python_only("py_tasks", [](const PointSpec& p) { return p.py_tasks == 1; });
  flag(with(add(tasks), Identity::kClient, Shown::kVariant,
            [](const PointSpec& p) { return p.py_tasks != 1 ? "py_tasks=" + std::to_string(p.py_tasks) : ""; }),
       "--py-tasks", FlagForm::kList);

  Field gil = choice_field("gil", &PointSpec::gil, "tiled-py: released (every call releases the GIL) or held (the ablation)");
  gil.record = [](const PointSpec& p, json& j) {
    if (p.gil != GilMode::kReleased) j["gil"] = to_string(p.gil);
  };
  gil.validate = python_only("gil", [](const PointSpec& p) { return p.gil == GilMode::kReleased; });
  with(add(gil), Identity::kClient, Shown::kVariant,
       [](const PointSpec& p) { return p.gil == GilMode::kReleased ? "" : "gil=" + to_string(p.gil); });

  Field completion = choice_field("completion", &PointSpec::completion,
                                  "tiled-py: eventfd (the loop sleeps until a batch is done) or poll (the ablation)");
  completion.record = [](const PointSpec& p, json& j) {
    if (p.completion != CompletionMode::kEventfd) j["completion"] = to_string(p.completion);
  };
  completion.validate = python_only("completion", [](const PointSpec& p) { return p.completion == CompletionMode::kEventfd; });
  with(add(completion), Identity::kClient, Shown::kVariant, [](const PointSpec& p) {
    return p.completion == CompletionMode::kEventfd ? "" : "completion=" + to_string(p.completion);
  });
}

// The "redis." settings each embedded server takes.
void validate_server_settings(const PointSpec& p) {
  for (const auto& [setting, value] : p.redis_settings) {
    if (p.server == ServerKind::kReference && setting != "io-threads") {
      throw std::invalid_argument("redis." + setting + ": the reference server has no such setting (of the redis. "
                                  "settings it has io-threads: its number of event loops)");
    }
    // Valkey 8 reads (and parses) in its I/O threads whenever io-threads > 1:
    // io-threads-do-reads is undocumented in 8.0 (default yes, kept for old
    // config files) and has no effect from 8.1, so `no` would measure a
    // debugging mode that later versions cannot even express.
    if (p.server == ServerKind::kValkey && setting == "io-threads-do-reads" && value != "yes") {
      throw std::invalid_argument("redis.io-threads-do-reads " + value +
                                  ": Valkey 8 always reads in its I/O threads when io-threads > 1 (the setting is a "
                                  "deprecated leftover: no effect from Valkey 8.1); set redis.io-threads alone");
    }
  }
}

// What else sets a point apart: its variant, in the order it is shown.
void add_variant_fields(std::vector<Field>& t) {
  auto add = [&](Field f) -> Field& { return t.emplace_back(std::move(f)); };
  flag(with(add(boolean_field("fixed_size", &PointSpec::fixed_size,
                              "check the fixed size (rung 2); false (--generic) accepts any size up to the buffer (rung 1)")),
            Identity::kPoint, Shown::kVariant, [](const PointSpec& p) { return p.fixed_size ? "" : "generic"; }),
       "--generic", FlagForm::kSetsFalse);
  Field receive = choice_field("receive", &PointSpec::receive,
                               "GET payloads: in-place (into the caller's buffer) or bounce (a staging buffer, then a copy)");
  receive.record = [](const PointSpec& p, json& j) {
    if (p.receive != Receive::kInPlace) j["receive"] = to_string(p.receive);
  };
  receive.validate = [](const PointSpec& p) {
    if (p.receive == Receive::kInPlace) return;
    if (!client_entry(p.client).receives_in_place) {
      throw std::invalid_argument("receive " + to_string(p.receive) + ": " + p.client + " has no in-place receive to replace");
    }
    if (p.op != Op::kGet) throw std::invalid_argument("receive " + to_string(p.receive) + ": only a GET receives payloads");
  };
  flag(with(add(receive), Identity::kClient, Shown::kVariant,
            [](const PointSpec& p) { return p.receive == Receive::kInPlace ? "" : to_string(p.receive); }),
       "--receive", FlagForm::kValue);
  with(add(choice_field("layout", &PointSpec::layout, "fixed, or with-metadata (a length key read before each chunk)")),
       Identity::kPoint, Shown::kVariant,
       [](const PointSpec& p) { return p.layout == Layout::kFixed ? "" : to_string(p.layout); });

  add(socket_buffer_field("sndbuf", &PointSpec::sndbuf));
  add(socket_buffer_field("rcvbuf", &PointSpec::rcvbuf));

  Field tile = field("tile_bytes", "tiled: cut batches into tiles of about this size (default: one tile per thread)", {"tile_bytes"});
  tile.apply = [](PointSpec& p, const json& v, const FieldInput& in) {
    const bool per_thread = v.is_string() && v.get<std::string>() == "per-thread";
    p.tile_bytes = per_thread ? std::nullopt : std::optional<std::uint64_t>(in.check.size(in.path, v, limits::kMaxTileBytes));
  };
  tile.record = [](const PointSpec& p, json& j) { j["tile_bytes"] = p.tile_bytes ? json(*p.tile_bytes) : json("per-thread"); };
  flag(with(add(tile), Identity::kClient, Shown::kVariant, [](const PointSpec& p) { return shown_size(p.tile_bytes, "tile"); }),
       "--tile-bytes", FlagForm::kValue);

  flag(with(add(integer_field("inflight", &PointSpec::inflight, 1, limits::kMaxInflight, "a positive number of batches",
                              "tiled: batches served at once")),
            Identity::kClient, Shown::kVariant,
            [](const PointSpec& p) { return p.inflight > 1 && (p.client == "tiled" || p.client == "tiled-py") ? "inflight=" + std::to_string(p.inflight) : ""; }),
       "--inflight", FlagForm::kValue);

  add_python_fields(t);

  Field arrival = field("arrival", "{mode: closed|constant|poisson, rate_per_s, seed}", {"arrival"});
  arrival.apply = apply_arrival;
  arrival.record = [](const PointSpec& p, json& j) {
    j["arrival"] = {{"mode", to_string(p.arrival.mode)}, {"rate_per_s", p.arrival.rate_per_s}, {"seed", p.arrival.seed}};
  };
  with(add(arrival), Identity::kPoint, Shown::kVariant, [](const PointSpec& p) -> std::string {
    if (!p.arrival.open_loop()) return "";
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", p.arrival.rate_per_s);
    return to_string(p.arrival.mode) + "@" + rate + "/s";
  });

  Field server = choice_field("server", &PointSpec::server,
                              "the embedded server: redis (redis-server), valkey (valkey-server, Valkey 8), or reference "
                              "(kvslo's reference server, which sends a GET's value as it is stored: the clients' own "
                              "ceiling; redis.io-threads sets its loops)");
  server.record = [](const PointSpec& p, json& j) {
    if (p.server != ServerKind::kRedis) j["server"] = to_string(p.server);
  };
  server.validate = validate_server_settings;
  flag(with(add(server), Identity::kPoint, Shown::kVariant,
            [](const PointSpec& p) { return p.server == ServerKind::kRedis ? "" : "server=" + to_string(p.server); }),
       "--server", FlagForm::kList);

  Field shards = integer_field("shards", &PointSpec::shards, 0, limits::kMaxShards, "a number of primaries (0: one server)",
                               "an embedded Redis (or Valkey) Cluster of this many primaries (0: one server, not a cluster)");
  shards.record = [](const PointSpec& p, json& j) {
    if (p.shards != 0) j["shards"] = p.shards;
  };
  shards.validate = [](const PointSpec& p) {
    if (p.shards == 0) return;
    if (p.server == ServerKind::kReference) throw std::invalid_argument("shards: the reference server has no cluster mode");
    if (const ClientEntry& c = client_entry(p.client); !c.reads_over_cluster()) {
      throw std::invalid_argument("shards: " + c.cluster_refusal());
    }
    if (p.client == "redis-benchmark" && (p.shards < 3 || p.op != Op::kSet)) {
      throw std::invalid_argument("shards " + std::to_string(p.shards) + ": redis-benchmark --cluster runs SET points on 3 "
                                  "or more primaries (its own slot tags leave no dataset for GETs to read)");
    }
  };
  flag(with(add(shards), Identity::kPoint, Shown::kVariant,
            [](const PointSpec& p) { return p.shards == 0 ? "" : "shards=" + std::to_string(p.shards); }),
       "--embedded-cluster", FlagForm::kList);

  Field spread = choice_field("key_spread", &PointSpec::key_spread,
                              "a cluster's keys: spread (over every slot: each shard serves part of every batch) or "
                              "hashtag (a {tag} per batch: one shard serves it whole)");
  spread.record = [](const PointSpec& p, json& j) {
    if (p.key_spread != KeySpread::kSpread) j["key_spread"] = to_string(p.key_spread);
  };
  spread.validate = [](const PointSpec& p) {
    if (p.key_spread == KeySpread::kSpread) return;
    const ClientEntry& c = client_entry(p.client);
    if (!c.reads_kvslo_dataset) throw std::invalid_argument("key_spread hashtag: " + p.client + " does not read kvslo's dataset");
    if (!c.reads_over_cluster()) throw std::invalid_argument("key_spread hashtag: " + c.cluster_refusal());
    if (p.key_count() % p.chunks_per_batch != 0) {
      // Batches walk the keys from where the last ended: only whole batches keep one tag each.
      throw std::invalid_argument("key_spread hashtag: the working set's " + std::to_string(p.key_count()) +
                                  " keys are not a whole number of batches of " + std::to_string(p.chunks_per_batch) +
                                  ", so batches would straddle two hashtags");
    }
    if (p.key_prefix.find('{') != std::string::npos) {
      throw std::invalid_argument("key_spread hashtag: key_prefix '" + p.key_prefix +
                                  "' holds a '{', which would choose the slot instead of kvslo's per-batch hashtag");
    }
  };
  flag(with(add(spread), Identity::kPoint, Shown::kVariant,
            [](const PointSpec& p) { return p.key_spread == KeySpread::kSpread ? "" : to_string(p.key_spread); }),
       "--key-spread", FlagForm::kList);

  Field tls = choice_field("tls", &PointSpec::tls,
                           "the wire: off (plain TCP), on (TLS; the embedded server's TLS port, with a throwaway CA), or "
                           "ktls (TLS with the record layer in the kernel, where it has one); with --redis, rediss:// means on");
  tls.record = [](const PointSpec& p, json& j) {
    if (p.tls != TlsMode::kOff) j["tls"] = to_string(p.tls);
  };
  tls.validate = [](const PointSpec& p) {
    if (p.tls == TlsMode::kOff) return;
    const std::string what = "tls " + to_string(p.tls) + ": ";
    if (p.server == ServerKind::kReference) throw std::invalid_argument(what + "the reference server has no TLS");
    if (p.shards > 0) throw std::invalid_argument(what + "kvslo's embedded cluster has no TLS yet (one server has)");
    if (const auto refusal = client_entry(p.client).tls_refusal(p.tls)) throw std::invalid_argument(what + *refusal);
    if (p.tls == TlsMode::kKtls) {
      static const std::optional<std::string> kernel_refusal = net::kernel_tls_unavailable();
      if (kernel_refusal) throw std::invalid_argument(what + *kernel_refusal);
    }
  };
  flag(with(add(tls), Identity::kPoint, Shown::kVariant,
            [](const PointSpec& p) { return p.tls == TlsMode::kOff ? "" : "tls=" + to_string(p.tls); }),
       "--tls", FlagForm::kList);

  Field ranks = field("ranks", "under mpirun, how many ranks read at once (the first N; \"all\": every rank, the default)",
                      {"ranks"});
  ranks.apply = [](PointSpec& p, const json& v, const FieldInput& in) {
    p.ranks = v.is_string() && v.get<std::string>() == "all"
                  ? 0
                  : static_cast<int>(in.check.integer(in.path, v, 1, limits::kMaxRanks, "a positive number of ranks, or \"all\""));
  };
  ranks.record = [](const PointSpec& p, json& j) {
    if (p.ranks != 0) j["ranks"] = p.ranks;
  };
  flag(with(add(ranks), Identity::kPoint, Shown::kVariant,
            [](const PointSpec& p) { return p.ranks == 0 ? "" : "ranks=" + std::to_string(p.ranks); }),
       "--ranks", FlagForm::kList);

  Field fleet_keys = choice_field("fleet_keys", &PointSpec::fleet_keys,
                                  "under mpirun, the keys each rank reads: split (its own share of the working set) or "
                                  "shared (all of it, as every rank does)");
  fleet_keys.record = [](const PointSpec& p, json& j) {
    if (p.fleet_keys != FleetKeys::kSplit) j["fleet_keys"] = to_string(p.fleet_keys);
  };
  flag(with(add(fleet_keys), Identity::kPoint, Shown::kVariant,
            [](const PointSpec& p) { return p.fleet_keys == FleetKeys::kSplit ? "" : "keys=" + to_string(p.fleet_keys); }),
       "--fleet-keys", FlagForm::kList);

  Field redis = field("redis.", "the embedded server's settings (" + redis_setting_list() + ")", {"redis_settings"});
  redis.apply = apply_redis_setting;
  redis.record = [](const PointSpec& p, json& j) { j["redis_settings"] = p.redis_settings; };
  with(add(redis), Identity::kPoint, Shown::kVariant, [](const PointSpec& p) {
    std::string s;
    for (const auto& [key, value] : p.redis_settings) s += (s.empty() ? "" : " ") + key + "=" + value;
    return s;
  });
}

// How a point is measured: set in `workload` (or by a flag), never swept.
std::vector<Field> workload_fields() {
  std::vector<Field> t;
  auto add = [&](Field f) -> Field& {
    f.axis = false;
    f.identity = Identity::kNone;
    return t.emplace_back(std::move(f));
  };
  Field working_set = field("working_set", "bytes of distinct chunks stored in Redis and read in turn", {"working_set_bytes"});
  working_set.apply = [](PointSpec& p, const json& v, const FieldInput& in) {
    p.working_set = in.check.size(in.path, v, limits::kMaxWorkingSet);
  };
  working_set.record = [](const PointSpec& p, json& j) {
    j["working_set_bytes"] = p.working_set;
    j["keys"] = p.key_count();
  };
  flag(add(working_set), "--working-set", FlagForm::kValue);

  Field verify = boolean_field("verify", &PointSpec::verify, "check retrieved chunks against what was stored");
  verify.record = [](const PointSpec& p, json& j) { j["verify"] = p.verifies(); };
  flag(add(verify), "--no-verify", FlagForm::kSetsFalse);

  Field prefix = field("key_prefix", "prefix of the keys kvslo writes", {"key_prefix"});
  prefix.apply = apply_key_prefix;
  prefix.record = [](const PointSpec& p, json& j) { j["key_prefix"] = p.key_prefix; };
  flag(add(prefix), "--key-prefix", FlagForm::kText);

  flag(add(integer_field("trials", &PointSpec::trials, 1, limits::kMaxTrials, "a positive number of trials", "timed trials per point")),
       "--trials", FlagForm::kValue);
  Field interleave = field("interleave", "take turns, trial by trial, with the points it is compared with (on|off)", {"interleave"});
  interleave.apply = [](PointSpec& p, const json& v, const FieldInput& in) {
    p.interleave = v.is_string() ? in.check.one_of(in.path, v, {"on", "off"}) == "on" : in.check.boolean(in.path, v);
  };
  interleave.record = [](const PointSpec& p, json& j) {
    if (!p.interleave) j["interleave"] = false;
  };
  flag(add(interleave), "--interleave", FlagForm::kText);

  Field precision = field("precision", "add rounds until every point's median is known to +-this (\"5%\"), up to max_trials",
                          {"precision"});
  precision.apply = [](PointSpec& p, const json& v, const FieldInput& in) { p.precision = in.check.fraction(in.path, v, limits::kMinPrecision); };
  precision.record = [](const PointSpec& p, json& j) {
    if (p.precision) j["precision"] = *p.precision;
  };
  flag(add(precision), "--precision", FlagForm::kText);

  Field max_trials = integer_field("max_trials", &PointSpec::max_trials, 1, limits::kMaxTrials, "a positive number of trials",
                                   "the most trials per point when a precision target adds rounds");
  max_trials.record = [](const PointSpec& p, json& j) {
    if (p.precision) j["max_trials"] = p.max_trials;
  };
  flag(add(max_trials), "--max-trials", FlagForm::kValue);

  flag(add(integer_field("warmup_batches", &PointSpec::warmup_batches, 0, limits::kMaxWarmupBatches,
                         "a number of warm-up batches", "untimed warm-up batches per point")),
       "--warmup", FlagForm::kValue);
  Field batches = integer_field("batches_per_trial", &PointSpec::batches_per_trial, 0,
                                static_cast<std::int64_t>(limits::kMaxBatchesPerTrial),
                                "a number of batches (0: one pass over the working set)",
                                "batches per trial (0: one pass over the working set)");
  batches.record = [](const PointSpec& p, json& j) { j["batches_per_trial"] = p.batches(); };
  flag(add(batches), "--batches", FlagForm::kValue);

  Field time_limit = field("time_limit_per_point", "per point, of its own trials' time (with turns, its wall time is longer); trials stop early past it (\"60s\")", {"time_limit_ms"});
  time_limit.apply = [](PointSpec& p, const json& v, const FieldInput& in) { p.time_limit = in.check.duration(in.path, v, "\"60s\""); };
  time_limit.record = [](const PointSpec& p, json& j) { j["time_limit_ms"] = p.time_limit ? json(p.time_limit->count()) : json(nullptr); };
  add(time_limit);

  Field timeout = field("op_timeout_ms", "longest wait without progress on a connection", {"op_timeout_ms"});
  timeout.apply = [](PointSpec& p, const json& v, const FieldInput& in) {
    p.op_timeout = std::chrono::milliseconds(in.check.integer(in.path, v, 1, limits::kMaxOpTimeoutMs, "a positive number of milliseconds"));
  };
  timeout.record = [](const PointSpec& p, json& j) { j["op_timeout_ms"] = p.op_timeout.count(); };
  flag(add(timeout), "--op-timeout-ms", FlagForm::kValue);
  return t;
}

}  // namespace
}  // namespace kvslo
