#include "measure/point_runner.hpp"

#include <stdexcept>

#include "experiment/client_catalog.hpp"
#include "system/interrupted.hpp"

namespace kvslo {

PointRunner::PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested, PeerWire wire,
                         Clock::time_point origin)
    : endpoint_(std::move(endpoint)), stop_requested_(stop_requested), peers_{endpoint_, std::move(wire), &stop_requested_},
      tls_peers_(peers_), origin_(origin) {}

ChunkSet PointRunner::dataset(const PointSpec& spec) const {
  // Length keys are written beside every dataset, so one dataset serves both layouts.
  return ChunkSet{[spec](std::size_t i) { return chunk_key(spec, i); },
                  spec.chunk_size, spec.key_count(), true};
}

void PointRunner::ensure_dataset(const PointSpec& spec) {
  const std::string id = dataset_identity(spec);
  if (loaded_.count(id)) return;
  if (!written_.count(id)) {
    // Whatever holds these names now is not kvslo's (a dataset kvslo wrote
    // is in written_): never write over it, since kvslo deletes what it writes.
    require_absent(endpoint_, dataset(spec), spec.op_timeout, "kvslo");
    written_.emplace(id, spec);  // before loading: a load cut short is deleted too
  }
  load_chunks(endpoint_, dataset(spec), spec.op_timeout, stop_requested_);
  // What the server still does after a load (a BGSAVE its save rules start,
  // lazy freeing) would count against the first point measured: wait for it, bounded.
  last_quiet_wait_ = wait_for_quiet_server(endpoint_, kQuietBudget, stop_requested_);
  loaded_.insert(id);
}

void PointRunner::drop_dataset(const PointSpec& spec) {
  const std::string id = dataset_identity(spec);
  if (!written_.count(id)) return;
  delete_chunks(endpoint_, dataset(spec), spec.op_timeout);
  written_.erase(id);
  loaded_.erase(id);
}

std::vector<std::string> PointRunner::drop_all_datasets() {
  std::vector<std::string> failures;
  for (const auto& [id, spec] : std::map<std::string, PointSpec>(written_)) {
    try {
      drop_dataset(spec);
    } catch (const std::exception& e) {
      failures.push_back("the " + std::to_string(spec.key_count()) + " keys " +
                         chunk_key(spec, 0) + " ... on " + endpoint_.display() +
                         " could not be deleted: " + e.what());
    }
  }
  return failures;
}

net::Endpoint PointRunner::client_endpoint(const PointSpec& spec) const {
  if (spec.tls == TlsMode::kOff) return endpoint_;
  if (!tls_endpoint_) {
    throw std::invalid_argument("tls " + to_string(spec.tls) + ": " + endpoint_.display() +
                                " is reached in plain TCP (a server of yours: name its TLS port with rediss://)");
  }
  net::Endpoint endpoint = *tls_endpoint_;
  endpoint.tls->ktls = spec.tls == TlsMode::kKtls;
  return endpoint;
}

std::unique_ptr<PointSession> PointRunner::open(const PointSpec& spec) {
  try {
    spec.validate();
    // redis-py reads and writes kvslo's dataset (so the run drops it like
    // any other); redis-benchmark and iperf3 bring their own; null reads nothing.
    const ClientEntry& client = client_entry(spec.client);
    if (endpoint_.cluster && !client.reads_over_cluster()) throw std::invalid_argument(client.cluster_refusal());
    const net::Endpoint endpoint = client_endpoint(spec);
    if (client.reads_kvslo_dataset) ensure_dataset(spec);
    auto session = !client.in_process ? open_peer_session(spec, spec.tls == TlsMode::kOff ? peers_ : tls_peers_, origin_)
                   : client_opener_   ? client_opener_(spec, endpoint)
                                      : open_client_session(spec, endpoint, stop_requested_, origin_);
    session->note_quiet_wait(take_quiet_wait());
    return session;
  } catch (const Interrupted&) {
    return failed_session(spec, "", true, origin_);
  } catch (const std::exception& e) {
    return failed_session(spec, e.what(), false, origin_);
  }
}

PointMeasurement PointRunner::run(const PointSpec& spec) {
  auto session = open(spec);
  for (int t = 0; t < spec.trials && session->can_run_trial(); ++t) session->run_trial(t);
  return session->finish();
}

}  // namespace kvslo
