#pragma once
// Measures points against a running Redis: makes sure each point's working
// set is there (and deletes what it wrote), then opens the point's session,
// which warms up, runs the timed trials and verifies what came back.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "experiment/point_spec.hpp"
#include "measure/dataset.hpp"
#include "measure/peers/peers.hpp"
#include "measure/point_measurement.hpp"
#include "measure/point_session.hpp"
#include "measure/server_quiet.hpp"

namespace kvslo {

class PointRunner {
 public:
  using Clock = PointSession::Clock;
  // `wire` tells the iperf3 peer where the wire is; the runner gives every
  // peer its endpoint and stop. Trial start times count from `origin`.
  PointRunner(net::Endpoint endpoint, const std::atomic<bool>& stop_requested, PeerWire wire = {},
              Clock::time_point origin = Clock::now());
  // Deletes the dataset `spec` reads (its keys only, never anything else), so
  // a sweep over chunk sizes holds one dataset at a time.
  void drop_dataset(const PointSpec& spec);
  // Deletes every dataset this runner wrote, even in part (an interrupted
  // load, a failed point): called on every way out of a run. Returns one
  // line per dataset that could not be deleted (a dead server), with why.
  std::vector<std::string> drop_all_datasets();
  // A new server (restarted with other settings): datasets load again.
  // `tls`: where it speaks TLS, when it does (points with tls on or ktls go there).
  void use_server(net::Endpoint endpoint, std::optional<net::Endpoint> tls = std::nullopt) {
    endpoint_ = std::move(endpoint);
    peers_.endpoint = endpoint_;
    tls_endpoint_ = std::move(tls);
    tls_peers_ = peers_;
    if (tls_endpoint_) tls_peers_.endpoint = *tls_endpoint_;
    written_.clear();
    loaded_.clear();
  }
  // Opens a point of kvslo's own clients some other way than here alone
  // (rank 0 of an mpirun: on every rank at once), given where they connect.
  using ClientOpener = std::function<std::unique_ptr<PointSession>(const PointSpec&, const net::Endpoint&)>;
  void open_clients_with(ClientOpener opener) { client_opener_ = std::move(opener); }
  Clock::time_point origin() const { return origin_; }
  // Where `spec`'s client connects: the server, or its TLS port (with kTLS
  // asked for when the point says so). Throws std::invalid_argument when
  // the point wants TLS from a server that has none.
  net::Endpoint client_endpoint(const PointSpec& spec) const;

  // Opens a point (its dataset, connections, warm-up) for trials taken in
  // turn with other points; never throws (a failure is in the session).
  std::unique_ptr<PointSession> open(const PointSpec& spec);
  // Measures a point alone: opened, then its trials back to back (the run
  // opens points itself, to interleave them; tests measure one point).
  PointMeasurement run(const PointSpec& spec);
  // The wait for a quiet server after the last dataset load, once: a point
  // that loaded its dataset records it, the points after it do not.
  std::optional<QuietWait> take_quiet_wait() { return std::exchange(last_quiet_wait_, std::nullopt); }

 private:
  void ensure_dataset(const PointSpec& spec);
  ChunkSet dataset(const PointSpec& spec) const;

  net::Endpoint endpoint_;
  const std::atomic<bool>& stop_requested_;
  PeerContext peers_;
  std::optional<net::Endpoint> tls_endpoint_;
  PeerContext tls_peers_;  // peers_ with the TLS endpoint: sessions hold a reference
  Clock::time_point origin_;
  std::map<std::string, PointSpec> written_;  // by dataset_identity: datasets kvslo began to write (and must delete)
  std::set<std::string> loaded_;              // datasets written completely
  std::optional<QuietWait> last_quiet_wait_;  // after the last load, until a point takes it
  ClientOpener client_opener_;                // empty: kvslo's clients run here alone
};

}  // namespace kvslo
