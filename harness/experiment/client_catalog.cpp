#include "experiment/client_catalog.hpp"

#include <stdexcept>

#include "experiment/point_spec.hpp"
#include "hiredis/hiredis_client.hpp"

namespace kvslo {

const std::vector<ClientEntry>& client_catalog() {
  // name, kind, rung, judged_by_slo, moves_redis_data, reads_kvslo_dataset,
  // loads_own_dataset, receives_in_place, in_process, compared_with, summary
  static const std::vector<ClientEntry> catalog{
      {"hiredis", ClientKind::kKvslo, 0, true, true, true, false, false, true, "", "hiredis 0.14 with a generic reply parser: the baseline"},
      {"zerocopy", ClientKind::kKvslo, 2, true, true, true, false, true, true, "",
       "RESP parsed in place, GET payloads received straight into the caller's buffer"},
      {"tiled", ClientKind::kKvslo, 3, true, true, true, false, true, true, "", "zerocopy on worker threads, contiguous tiles, eventfd completion"},
      {"tiled-py", ClientKind::kKvslo, 4, true, true, true, false, false, false, "tiled",
       "the tiled core driven from Python asyncio through the kvslo module (GIL released, eventfd on the loop)"},
      {"null", ClientKind::kReference, std::nullopt, false, false, false, false, false, true, "", "no I/O: the harness's own ceiling"},
      {"iperf3", ClientKind::kPeer, std::nullopt, false, false, false, false, false, false, "", "the wire in the op's direction"},
      {"redis-benchmark", ClientKind::kPeer, std::nullopt, true, true, false, true, false, false, "", "the C reference client"},
      {"redis-py", ClientKind::kPeer, std::nullopt, true, true, true, false, false, false, "", "the write-up's starting point"},
  };
  return catalog;
}

std::vector<std::string> catalog_names() {
  std::vector<std::string> names;
  for (const auto& c : client_catalog()) names.push_back(c.name);
  return names;
}

const ClientEntry& client_entry(std::string_view name) {
  for (const auto& c : client_catalog()) {
    if (c.name == name) return c;
  }
  std::string known;
  for (const auto& n : catalog_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown client '" + std::string(name) + "' (known: " + known + ")");
}

std::optional<int> ClientEntry::rung_of(const PointSpec& spec) const {
  if (spec.receive != Receive::kInPlace) return std::nullopt;
  // A zero-copy client that parses generically, or reads a length key
  // first, is the write-up's rung 1.
  if (name == "zerocopy" && (!spec.fixed_size || spec.layout != Layout::kFixed)) return 1;
  return rung;
}

void ClientEntry::check(const PointSpec& spec) const {
  if (in_process) return;
  auto refuse = [&](const std::string& why) { throw std::invalid_argument("client " + name + ": " + why); };
  if (spec.op == Op::kExists) refuse("has no EXISTS to measure (it runs get and set)");
  if (spec.arrival.open_loop()) refuse("runs closed loop only (arrival '" + to_string(spec.arrival.mode) + "')");
  if (spec.layout != Layout::kFixed) refuse("reads the fixed layout only (layout '" + to_string(spec.layout) + "')");
}

nlohmann::json ClientEntry::to_json(const PointSpec& spec) const {
  const auto r = rung_of(spec);
  return {{"kind", to_string(kind)},
          {"rung", r ? nlohmann::json(*r) : nlohmann::json(nullptr)},
          {"judged_by_slo", judged_by_slo},
          {"moves_redis_data", moves_redis_data}};
}

std::string ClientEntry::cluster_refusal() const {
  return name + " is not routed over a Redis Cluster yet (kvslo's C++ clients are: hiredis, zerocopy, tiled); measure it "
                "against one server without cluster mode";
}

std::optional<std::string> ClientEntry::tls_refusal(TlsMode mode) const {
  if (name == "hiredis") return HiredisClient::no_tls_reason();
  if (name == "null") return "null: no I/O, so no wire to encrypt";
  if (name == "iperf3") return "iperf3 has no TLS: its wire stays plain (its tls off point is the wire for every mode)";
  if (mode == TlsMode::kKtls && !in_process) {
    // Whether the kernel took a connection is read back from OpenSSL in kvslo's own process only.
    return name + ": kTLS is asked for and read back in kvslo's own process only (zerocopy, tiled); its tls on point "
                  "is its TLS figure";
  }
  return std::nullopt;
}

}  // namespace kvslo
