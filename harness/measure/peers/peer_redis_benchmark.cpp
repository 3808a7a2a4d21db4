// redis-benchmark, the C reference client, as a point: -t get|set with the
// chunk size as -d, the streams as -c, the pipeline depth as -P, as many
// requests per trial as a kvslo trial moves chunks, keys drawn from a dataset
// of the point's size loaded under redis-benchmark's own key names. On a
// cluster endpoint, SETs only, with --cluster (redis-benchmark picks each
// key's slot tag itself, so there is no dataset its GETs could read).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <cstdlib>
#include <sstream>

#include <functional>
#include <optional>

#include "cluster/redirect.hpp"
#include "cluster/routed_commands.hpp"
#include "command_channel.hpp"
#include "measure/dataset.hpp"
#include "system/interrupted.hpp"
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"
#include "measure/server_stats.hpp"
#include "system/child_process.hpp"  // find_on_path
#include "system/random_secret.hpp"
#include "system/redis_info.hpp"
#include "system/subprocess.hpp"

namespace kvslo {
namespace {

std::string twelve_digits() {
  std::string pattern;
  for (int i = 0; i < 12; ++i) pattern += "[0-9]";
  return pattern;
}

// redis-benchmark's key names: "key:" and twelve digits (its -r keyspace).
std::string key_pattern() { return "key:" + twelve_digits(); }

// Its key names with --cluster: "key:{<slot tag>}:" and twelve digits. The
// tag is a string of one to three characters that hashes to the slot, padded
// with '}' to three ("key:{06S}:...", "key:{8M}}:..."): exactly three
// characters, so a user's "key:{user:42}:..." is never matched.
std::string cluster_key_pattern() { return "key:{???}:" + twelve_digits(); }

// Whether `key` (of cluster_key_pattern()) is one redis-benchmark could have
// written with -r `keyspace`: its number is below the keyspace.
bool within_keyspace(const std::string& key, std::size_t keyspace) {
  return key.size() >= 12 && std::stoull(key.substr(key.size() - 12)) < keyspace;
}

std::string benchmark_key(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "key:%012zu", i);
  return name;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(field);
  return fields;
}

// The row of the test in redis-benchmark --csv output, as name -> value.
std::map<std::string, double> parse_csv(const std::string& text, const std::string& test) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    auto fields = split_csv_line(line);
    if (!fields.empty() && fields[0] == "test") {
      header = fields;
    } else if (!header.empty() && !fields.empty() && fields[0] == test && fields.size() == header.size()) {
      std::map<std::string, double> row;
      for (std::size_t i = 1; i < fields.size(); ++i) row[header[i]] = std::strtod(fields[i].c_str(), nullptr);
      return row;
    }
  }
  return {};
}

// redis-benchmark 7.0 takes a password on its command line only, where every
// local user can read it (ps). Given a password-protected server, kvslo
// never hands it the real credentials: it creates a throwaway ACL user with a
// random password, allowed only the commands it needs on redis-benchmark's
// own key names, and deletes the user afterwards. ACL users are per node: on
// a cluster the user is created on (and deleted from) every primary.
class ThrowawayAclUser {
 public:
  ThrowawayAclUser(const std::vector<net::Endpoint>& admins, const std::string& keys, const std::vector<std::string>& commands)
      : name_("kvslo-peer-" + random_hex(6)), password_(random_hex(24)) {
    // Exactly its own key names, whoever reads the password in ps.
    std::vector<std::string> setuser{"ACL", "SETUSER", name_, "reset", "on", ">" + password_, "~" + keys,
                                     "resetchannels", "-@all"};
    setuser.insert(setuser.end(), commands.begin(), commands.end());
    const std::vector<std::string_view> args(setuser.begin(), setuser.end());
    for (const auto& admin : admins) {
      resp::Reply reply;
      try {
        reply = CommandChannel(admin, std::chrono::milliseconds(3000)).call(args);
      } catch (...) {
        delete_everywhere();  // from the nodes that have it already
        throw;
      }
      if (reply.type == resp::Reply::Type::kError) {
        delete_everywhere();
        throw std::runtime_error(
            "redis-benchmark takes a password only on its command line, where every local user can read it, so kvslo "
            "gives it a throwaway ACL user instead; " + admin.display() + " refused to create one (" + reply.text +
            "): run this peer against a server with ACLs (Redis 6 or later) as a user allowed ACL SETUSER, or "
            "without a password");
      }
      created_on_.push_back(admin);
    }
  }
  ~ThrowawayAclUser() { delete_everywhere(); }
  ThrowawayAclUser(const ThrowawayAclUser&) = delete;
  ThrowawayAclUser& operator=(const ThrowawayAclUser&) = delete;
  const std::string& name() const { return name_; }
  const std::string& password() const { return password_; }

 private:
  void delete_everywhere() {
    for (const auto& admin : created_on_) {
      std::string failure;
      try {
        const resp::Reply reply = CommandChannel(admin, std::chrono::milliseconds(10000)).call({"ACL", "DELUSER", name_});
        if (reply.type != resp::Reply::Type::kInteger || reply.integer != 1) failure = reply.describe();
      } catch (const std::exception& e) {
        failure = e.what();  // a dead server forgets its users; a live one that did not answer keeps it
      }
      if (!failure.empty()) {
        std::cerr << "kvslo: the throwaway ACL user " << name_ << " on " << admin.display() << " may still exist ("
                  << failure << "): remove it with ACL DELUSER " << name_ << "\n";
      }
    }
    created_on_.clear();
  }

  std::string name_, password_;
  std::vector<net::Endpoint> created_on_;
};

// Deletes the peer's dataset when the point ends, however it ends.
struct DatasetDeleter {
  const net::Endpoint& endpoint;
  const ChunkSet& dataset;
  std::chrono::milliseconds timeout;
  ~DatasetDeleter() {
    try {
      delete_chunks(endpoint, dataset, timeout);
    } catch (const std::exception&) {
      // a dead server holds nothing; the point already says why
    }
  }
};

// The keys on one node whose names match `pattern`. SCAN, not KEYS: it
// never holds a server that others may be using for the whole keyspace.
std::vector<std::string> scan_keys(const net::Endpoint& node, const std::string& pattern, std::chrono::milliseconds timeout) {
  CommandChannel channel(node, timeout);
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    const resp::Reply reply = channel.call({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (reply.type != resp::Reply::Type::kArray || reply.elements.size() != 2) {
      throw std::runtime_error("SCAN MATCH " + pattern + " on " + cluster::node_address(node) + ": " + reply.describe());
    }
    cursor = reply.elements[0].text;
    for (const auto& key : reply.elements[1].elements) keys.push_back(key.text);
  } while (cursor != "0");
  return keys;
}

// redis-benchmark --cluster writes keys whose slot tags it picks itself, so
// kvslo cannot list them ahead: it requires that no key of that shape exists
// on any primary, and afterwards deletes every key of that shape (only
// redis-benchmark's can be there).
void require_no_cluster_keys(const net::Endpoint& cluster, const std::vector<net::Endpoint>& primaries,
                             std::chrono::milliseconds timeout) {
  std::size_t count = 0;
  std::string first;
  for (const auto& node : primaries) {
    const auto keys = scan_keys(node, cluster_key_pattern(), timeout);
    if (first.empty() && !keys.empty()) first = keys.front() + " on " + cluster::node_address(node);
    count += keys.size();
  }
  if (count == 0) return;
  throw std::runtime_error(std::to_string(count) + " keys named as redis-benchmark --cluster names its keys (" +
                           cluster_key_pattern() + ") already exist on the cluster at " + cluster.display() +
                           " (first: " + first +
                           "); kvslo deletes every key of that shape after the run, as it cannot know which slot "
                           "tags redis-benchmark picked, so it refuses to run: delete them if they are left from an "
                           "earlier kvslo run");
}

// Deletes every redis-benchmark key on every primary when the point ends,
// however it ends: the keys of its shape within its keyspace (none existed
// before; one another client wrote in that shape during the run would go too,
// which the point's limits say).
struct ClusterKeyDeleter {
  const net::Endpoint& cluster;
  const std::vector<net::Endpoint>& primaries;
  std::size_t keyspace;
  std::chrono::milliseconds timeout;
  ~ClusterKeyDeleter() {
    try {
      std::vector<std::string> keys;
      for (const auto& node : primaries) {
        for (auto& key : scan_keys(node, cluster_key_pattern(), timeout)) {
          if (within_keyspace(key, keyspace)) keys.push_back(std::move(key));
        }
      }
      // DEL grouped by slot and sent to the owner (a cluster refuses keys of several slots in one DEL).
      if (!keys.empty()) cluster::RoutedCommands(cluster, timeout).sum_over_keys("DEL", keys);
    } catch (const std::exception& e) {
      std::cerr << "kvslo: redis-benchmark's keys (" << cluster_key_pattern() << ") on " << cluster.display()
                << " may still exist (" << e.what() << "): delete them with SCAN MATCH and DEL on every primary\n";
    }
  }
};

// redis-benchmark counts a nil reply as a request served: the server's own
// count of GETs that found no key (`misses`) says whether every GET found
// its chunk. Misses cannot be told apart by trial; they are spread evenly.
void account_keys(const PointSpec& spec, std::size_t requests, std::uint64_t misses, PointMeasurement& m) {
  misses = std::min<std::uint64_t>(misses, m.trials.size() * requests);
  if (misses > 0) {
    m.status_counts[static_cast<std::size_t>(KeyStatus::kMissing)] += misses;
    m.errors.push_back(std::to_string(misses) + " GETs found no key (server keyspace_misses)");
    for (auto& trial : m.trials) {
      trial.failed_keys = misses / m.trials.size();
      trial.bytes -= trial.failed_keys * spec.chunk_size;
    }
  }
  m.status_counts[static_cast<std::size_t>(KeyStatus::kOk)] += m.trials.size() * requests - misses;
}

// One field ("rejected_calls") of an INFO commandstats value
// ("calls=3,usec=9,usec_per_call=3.00,rejected_calls=0,failed_calls=0").
std::uint64_t commandstat_field(const std::string& value, const std::string& field) {
  std::istringstream in(value);
  std::string pair;
  while (std::getline(in, pair, ',')) {
    if (pair.rfind(field + "=", 0) == 0) return std::stoull(pair.substr(field.size() + 1));
  }
  return 0;
}

// SETs the primaries answered with an error so far: refused before running
// (MOVED, ASK, CLUSTERDOWN, OOM, NOPERM: rejected_calls) or failed while
// running (failed_calls), from INFO commandstats, summed. redis-benchmark
// --cluster counts any error reply to a tagged key as a request served.
std::uint64_t set_error_replies(const std::vector<net::Endpoint>& primaries, std::chrono::milliseconds timeout) {
  std::uint64_t sum = 0;
  for (const auto& node : primaries) {
    CommandChannel channel(node, timeout);
    const std::optional<std::string> set = read_info(channel, "commandstats").find("cmdstat_set");
    if (set) sum += commandstat_field(*set, "rejected_calls") + commandstat_field(*set, "failed_calls");
  }
  return sum;
}

// Of `requests` SETs, `failed` were answered with an error (set_error_replies).
void account_set_errors(std::size_t requests, std::uint64_t failed, PointMeasurement& m) {
  if (failed > 0) {
    m.status_counts[static_cast<std::size_t>(KeyStatus::kServerError)] += failed;
    m.errors.push_back(std::to_string(failed) +
                       " SETs were answered with an error (the primaries' INFO commandstats: rejected_calls + "
                       "failed_calls), which redis-benchmark --cluster counts as served");
  }
  m.status_counts[static_cast<std::size_t>(KeyStatus::kOk)] += requests - failed;
}

// How redis-benchmark is run: where it connects and as whom; the rest from the point.
struct Invocation {
  std::string program;
  const PointSpec& spec;
  std::vector<std::string> where;  // -h/-p, -s, or --cluster -h/-p of one primary
  const ThrowawayAclUser* user = nullptr;
  // Its connections in all: `streams` per primary on a cluster (connection i
  // talks to primary i mod N), as kvslo's clients have `streams` per shard.
  int connections = 1;

  std::vector<std::string> argv(std::size_t n, bool shown) const {
    std::vector<std::string> out{program};
    out.insert(out.end(), where.begin(), where.end());
    out.insert(out.end(), {"-t", to_string(spec.op), "-d", std::to_string(spec.chunk_size), "-c", std::to_string(connections),
                           "-P", std::to_string(spec.pipeline_depth), "-n", std::to_string(n), "-r",
                           std::to_string(spec.key_count()), "--csv"});
    if (spec.threads > 1) out.insert(out.end(), {"--threads", std::to_string(spec.threads)});
    if (user) out.insert(out.end(), {"--user", user->name(), "-a", shown ? "***" : user->password()});
    return out;
  }

  // One run of n requests: the test's CSV row, with its CPU seconds added.
  // Throws when it fails, Interrupted when `stop` is raised.
  std::map<std::string, double> run(std::size_t n, const std::atomic<bool>* stop) const {
    const std::size_t requests = spec.batches() * spec.chunks_per_batch;
    const auto timeout = std::chrono::milliseconds(spec.op_timeout.count() * static_cast<long>(requests + 10));
    ProcessOutput out = run_captured(argv(n, false), timeout, {}, stop);
    if (out.stopped) throw Interrupted("interrupted during redis-benchmark");
    auto row = parse_csv(out.out, spec.op == Op::kGet ? "GET" : "SET");
    if (out.exit_code != 0 || row.empty() || row["rps"] <= 0) {
      std::string why = out.timed_out ? "timed out" : "exit " + std::to_string(out.exit_code);
      std::string said = out.err.empty() ? out.out : out.err;
      if (said.size() > 300) said.resize(300);
      throw std::runtime_error("redis-benchmark failed (" + why + "): " + said);
    }
    row["cpu_seconds"] = out.cpu_seconds;
    return row;
  }
};

// The point's trials, back to back; `after_trial` (if any) corrects a
// trial from what the server says about it. Returns redis-benchmark's rows.
nlohmann::json run_trials(const Invocation& invocation, const PeerContext& context, PointMeasurement& m,
                          const std::function<void(TrialFigures&)>& after_trial = {}) {
  const PointSpec& spec = invocation.spec;
  const net::Endpoint& e = context.endpoint;
  const std::size_t requests = spec.batches() * spec.chunks_per_batch;
  nlohmann::json reported = nlohmann::json::array();
  for (int t = 0; t < spec.trials; ++t) {
    if (context.stop && *context.stop) {
      m.interrupted = true;
      break;
    }
    const double server_cpu0 = server_cpu_seconds(e);
    auto row = invocation.run(requests, context.stop);
    TrialFigures trial;
    trial.server_cpu_seconds = server_cpu_seconds(e) - server_cpu0;
    trial.seconds = static_cast<double>(requests) / row["rps"];
    trial.bytes = requests * spec.chunk_size;
    trial.cpu_seconds = row["cpu_seconds"];
    if (after_trial) after_trial(trial);
    m.trials.push_back(trial);
    reported.push_back(row);
  }
  return reported;
}

void warm_up(const Invocation& invocation, const PeerContext& context) {
  const PointSpec& spec = invocation.spec;
  if (spec.warmup_batches > 0) {
    invocation.run(static_cast<std::size_t>(spec.warmup_batches) * spec.chunks_per_batch, context.stop);
  }
}

constexpr const char* kNote =
    "throughput = requests x chunk size / (requests / rps); rps and latencies (ms) as redis-benchmark reports them";

// What redis-benchmark 7.0's --cluster mode does (src/redis-benchmark.c), for the point's results.
constexpr const char* kClusterLimits =
    "SET only: every key carries a slot hash tag redis-benchmark picks itself (key:{tag}:NNNNNNNNNNNN; 7.0 the first "
    "slot of the connection's primary, so all its keys on a primary share one slot and each primary may hold the "
    "whole working set; 7.4 and later a random slot of that primary per request; kvslo cannot tell which a build "
    "does), so kvslo cannot load the dataset its GETs would read; connection i talks to primary i mod N only (fewer "
    "streams than primaries leave primaries idle), with one thread per primary unless the point sets threads; it "
    "never follows MOVED or ASK: such a reply (or CLUSTERDOWN, after a 1 s sleep) makes it re-read CLUSTER SLOTS and "
    "the request counts as served, not sent again, as does any other error reply, so kvslo counts failed SETs from "
    "every primary's INFO commandstats (rejected_calls + failed_calls: every client's, so on a shared cluster "
    "others' failed SETs count too) and takes them out of the throughput; its keys (key:{???}: and 12 digits within "
    "its keyspace) are deleted after the run, since none existed before it: a key of that shape another client wrote "
    "during the run would be deleted too";

void run_on_cluster(const std::string& program, const PointSpec& spec, const PeerContext& context, PointMeasurement& m) {
  const net::Endpoint& e = context.endpoint;
  if (spec.op == Op::kGet) {
    m.failure =
        "redis-benchmark --cluster cannot GET a dataset of the point's size: it puts a slot hash tag of its own choosing "
        "in every key (key:{tag}:NNNNNNNNNNNN; from Redis 7.4 a random slot of the connection's primary per request), "
        "so kvslo has no dataset to load that its GETs would find; SET points run on a cluster";
    return;
  }
  const std::vector<net::Endpoint> primaries = cluster::RoutedCommands(e, spec.op_timeout).primaries();
  if (primaries.size() < 3) {
    m.failure = "kvslo runs redis-benchmark --cluster on 3 or more primaries (a production cluster's shape); " +
                e.display() + " has " + std::to_string(primaries.size()) +
                " (redis-benchmark 7.0 itself refuses 1 with 'Invalid cluster: 1 node(s).' and runs on 2)";
    return;
  }
  m.peer["cluster"] = {{"primaries", primaries.size()}, {"limits", kClusterLimits}};
  std::optional<ThrowawayAclUser> user;
  if (e.has_password() || !e.user.empty()) {
    // CLUSTER NODES to find the primaries, CLUSTER SLOTS after a MOVED. Not CONFIG GET, which it also
    // tries (and only warns without): it would show the server's own password.
    user.emplace(primaries, cluster_key_pattern(),
                 std::vector<std::string>{"+set", "+ping", "+cluster|nodes", "+cluster|slots"});
  }
  // It reads the topology from the node it is given: a primary, where the throwaway user exists.
  const net::Endpoint& seed = primaries.front();
  const Invocation invocation{program, spec, {"--cluster", "-h", seed.host, "-p", std::to_string(seed.port)},
                              user ? &*user : nullptr, spec.streams * static_cast<int>(primaries.size())};
  const std::size_t requests = spec.batches() * spec.chunks_per_batch;
  m.peer["tool"] = "redis-benchmark";
  m.peer["command"] = invocation.argv(requests, true);

  require_no_cluster_keys(e, primaries, spec.op_timeout);
  const ClusterKeyDeleter cleanup{e, primaries, spec.key_count(), spec.op_timeout};
  warm_up(invocation, context);
  // Read between runs only: redis-benchmark times itself, so the reads are never inside its figures.
  std::uint64_t errors_so_far = set_error_replies(primaries, spec.op_timeout);
  std::uint64_t failed = 0;
  m.peer["reported"] = run_trials(invocation, context, m, [&](TrialFigures& trial) {
    const std::uint64_t now = set_error_replies(primaries, spec.op_timeout);
    trial.failed_keys = std::min<std::uint64_t>(now - errors_so_far, requests);
    trial.bytes -= trial.failed_keys * spec.chunk_size;
    failed += trial.failed_keys;
    errors_so_far = now;
  });
  account_set_errors(m.trials.size() * requests, failed, m);
  m.peer["note"] = kNote;
}

}  // namespace

void run_redis_benchmark_peer(const PointSpec& spec, const PeerContext& context, PointMeasurement& m) {
  // $KVSLO_REDIS_BENCHMARK picks another build (say, one from a newer Redis).
  const char* chosen = std::getenv("KVSLO_REDIS_BENCHMARK");
  const std::string program = chosen && *chosen ? std::string(chosen) : find_on_path("redis-benchmark");
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    m.failure = (program.empty() ? std::string("redis-benchmark not found") : program + " is not an executable program") +
                ": install it with 'apt-get install redis-tools' (or scripts/install-deps.sh), or name one with "
                "KVSLO_REDIS_BENCHMARK";
    return;
  }
  const net::Endpoint& e = context.endpoint;
  if (e.cluster) return run_on_cluster(program, spec, context, m);
  const std::size_t keys = spec.key_count();
  const std::size_t requests = spec.batches() * spec.chunks_per_batch;
  std::optional<ThrowawayAclUser> user;
  if (e.has_password() || !e.user.empty()) {
    user.emplace(std::vector<net::Endpoint>{e}, key_pattern(), std::vector<std::string>{"+get", "+set", "+ping"});
  }
  std::vector<std::string> where{"-h", e.host, "-p", std::to_string(e.port)};
  if (e.kind == net::Endpoint::Kind::kUnix) where = {"-s", e.path};
  if (e.tls) {
    // Its TLS (hiredis's) checks the chain, not the name: the name goes as SNI only.
    where.push_back("--tls");
    if (!e.tls->ca_file.empty()) where.insert(where.end(), {"--cacert", e.tls->ca_file});
    if (!e.tls->cert_file.empty()) where.insert(where.end(), {"--cert", e.tls->cert_file, "--key", e.tls->key_file});
    if (!e.tls->server_name.empty()) where.insert(where.end(), {"--sni", e.tls->server_name});
    if (!e.tls->verify) where.push_back("--insecure");
  }
  const Invocation invocation{program, spec, where, user ? &*user : nullptr, spec.streams};
  m.peer["tool"] = "redis-benchmark";
  m.peer["command"] = invocation.argv(requests, true);

  const ChunkSet dataset{benchmark_key, spec.chunk_size, keys, false};
  static const std::atomic<bool> never{false};
  const std::atomic<bool>& stop = context.stop ? *context.stop : never;
  // Its key names must be free: it writes them (its GETs need every key
  // present at the chunk size), and they are deleted afterwards, whatever happened.
  require_absent(e, dataset, spec.op_timeout, "redis-benchmark");
  const DatasetDeleter cleanup{e, dataset, spec.op_timeout};
  if (spec.op == Op::kGet) load_chunks(e, dataset, spec.op_timeout, stop);

  warm_up(invocation, context);
  const std::uint64_t misses_before = spec.op == Op::kGet ? keyspace_misses(e) : 0;
  m.peer["reported"] = run_trials(invocation, context, m);
  account_keys(spec, requests, spec.op == Op::kGet ? keyspace_misses(e) - misses_before : 0, m);
  m.peer["note"] = kNote;
}

}  // namespace kvslo
