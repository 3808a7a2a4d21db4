#pragma once
// What each client a point may name is: kvslo's own clients (the ladder),
// the null reference (the harness's ceiling, no I/O), and the peers that run
// beside them (iperf3, redis-benchmark, redis-py). Everything the harness,
// the results and the report need to know about a client is read here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/point_enums.hpp"

namespace kvslo {

struct PointSpec;

enum class ClientKind {
  kKvslo,      // one of kvslo's clients (clients/), a rung of the ladder
  kReference,  // the null client: in-process, no I/O, the harness's ceiling
  kPeer,       // a separate program measured beside kvslo's clients
};
template <>
struct EnumNames<ClientKind> {
  static constexpr std::pair<ClientKind, std::string_view> kNames[] = {
      {ClientKind::kKvslo, "kvslo"}, {ClientKind::kReference, "reference"}, {ClientKind::kPeer, "peer"}};
};

struct ClientEntry {
  std::string name;
  ClientKind kind;
  std::optional<int> rung;  // kvslo's clients: the ladder rung (zerocopy: 2, or 1 when generic or with metadata)
  bool judged_by_slo;       // the SLO judges points of it (not iperf3 or null, which move no Redis data)
  bool moves_redis_data;    // it talks to Redis (not iperf3 or null)
  bool reads_kvslo_dataset; // it reads (and verifies) the working set kvslo loads: kvslo's clients and redis-py
  bool loads_own_dataset;   // it loads a dataset of its own, under its own key names (redis-benchmark)
  bool receives_in_place;   // GET payloads go straight into the caller's buffer (zerocopy, tiled): `receive` applies
  bool in_process;          // the harness drives it in its own process (not the peers, not tiled-py's Python)
  std::string compared_with;  // besides the baseline, the client its points are paired with (tiled-py: tiled)
  std::string summary;      // one line for `kvslo clients`

  bool peer() const { return kind == ClientKind::kPeer; }
  // Whether it can read kvslo's dataset on a Redis Cluster: kvslo's C++
  // clients route through the cluster layer; the Python clients talk to one
  // server (peers with their own data say for themselves).
  bool reads_over_cluster() const { return in_process || !reads_kvslo_dataset; }
  // "<name> is not routed over a Redis Cluster yet (...)": why it cannot.
  std::string cluster_refusal() const;
  // Why it cannot run a point over TLS (`mode` on or ktls); nullopt when it can.
  std::optional<std::string> tls_refusal(TlsMode mode) const;
  // The rung of a point of this client (null when it is not on the ladder:
  // a point that bounces its payloads is on no rung).
  std::optional<int> rung_of(const PointSpec& spec) const;
  // Throws std::invalid_argument when this client cannot run `spec` at all:
  // a client in another process has no EXISTS, no open loop and no metadata
  // layout to express.
  void check(const PointSpec& spec) const;
  // {"kind", "rung", "judged_by_slo", "moves_redis_data"}, as written for each point.
  nlohmann::json to_json(const PointSpec& spec) const;
};

// Every client, kvslo's first (in ladder order), then null, then the peers.
const std::vector<ClientEntry>& client_catalog();
// Throws std::invalid_argument naming the known clients.
const ClientEntry& client_entry(std::string_view name);
std::vector<std::string> catalog_names();

}  // namespace kvslo
