#pragma once
// Rank 0 of an mpirun: it owns the server, the datasets, the results and
// the report, as a run alone does, and leads the other ranks point by point:
// each opens the point against the endpoint rank 0 sends, every trial
// starts on all of them at one instant of rank 0's clock (each rank's clock
// offset was measured when they met), and their figures come back after the
// trial to be combined (fleet/fleet_trial.hpp). Nothing is sent while a
// trial is timed.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleet/mpi_link.hpp"
#include "measure/key_share.hpp"
#include "measure/point_session.hpp"
#include "net/endpoint.hpp"

namespace kvslo::fleet {

class FleetLead {
 public:
  // Meets every rank: checks each expanded the same points, learns its host,
  // measures its clock's offset from rank 0's. Throws std::runtime_error
  // naming a rank that differs or does not answer.
  FleetLead(MpiLink& link, const std::vector<PointSpec>& points, const std::atomic<bool>& stop);
  // Sends every rank home; when the ranks' conversation was lost, or the
  // run stopped, leaves the job to end by MPI_Abort when kvslo exits (after
  // the results and any report are written: MPI_Finalize would wait for a
  // rank that is gone).
  ~FleetLead();
  FleetLead(const FleetLead&) = delete;
  FleetLead& operator=(const FleetLead&) = delete;

  int size() const { return link_.size(); }
  // The ranks that read `spec` (the first this many; rank 0 always does).
  int participants(const PointSpec& spec) const { return spec.ranks == 0 ? size() : spec.ranks; }
  // The results' environment "fleet": the MPI library, every rank's host and clock.
  nlohmann::json describe() const;
  // Whether the server's password goes to the other ranks in rank 0's
  // messages: only when every rank is on rank 0's host (MPI's messages
  // between hosts are not encrypted); otherwise each rank reads
  // KVSLO_REDIS_PASSWORD itself (mpirun -x KVSLO_REDIS_PASSWORD).
  bool shares_password() const { return !spans_hosts(); }
  // A rank on another host that could not AUTH: it has no KVSLO_REDIS_PASSWORD ("" when every rank can).
  std::string password_refusal(const net::Endpoint& endpoint) const;
  // Reads every rank's clock offset from rank 0's again (outside any timed
  // window; steady clocks of different hosts drift): the offsets, by rank.
  nlohmann::json sync_clocks();
  // Whether some rank runs on another host (or in another network
  // namespace) than rank 0: it cannot reach a server on rank 0's loopback.
  bool spans_hosts() const;
  // What the user should know before trusting the figures (a bound rank), one line each.
  std::vector<std::string> warnings() const;

  // Opens `spec` on every rank against `endpoint`; `open_local` opens rank
  // 0's own session with its share of the keys. Never throws: what failed
  // (a rank that could not connect, a lost rank) is the point's failure.
  std::unique_ptr<PointSession> open(const PointSpec& spec, const net::Endpoint& endpoint,
                                     const std::function<std::unique_ptr<PointSession>(const KeyShare&)>& open_local,
                                     PointSession::Clock::time_point origin);

  // For the fleet's sessions.
  MpiLink& link() { return link_; }
  const std::atomic<bool>& stop() const { return stop_; }
  // "rank 1 (host-b)"
  std::string who(int rank) const;
  // A time on rank `rank`'s steady clock, on rank 0's.
  double on_lead_clock(int rank, double seconds) const { return seconds - offsets_[static_cast<std::size_t>(rank)]; }
  double from_lead_clock(int rank, double seconds) const { return seconds + offsets_[static_cast<std::size_t>(rank)]; }
  // The ranks' conversation cannot go on (a rank stopped answering, an
  // answer out of step, a stop while waiting): no more messages go out, the
  // run stops after this point, and the job ends when kvslo does.
  void lose(const std::string& why);
  const std::optional<std::string>& lost() const { return lost_; }

 private:
  void meet(int rank, const std::string& fingerprint);
  void sync_clock(int rank);

  MpiLink& link_;
  const std::atomic<bool>& stop_;
  std::vector<std::string> points_;  // each point as JSON: the others find it by its place in their own list
  std::vector<nlohmann::json> hosts_;
  std::vector<double> offsets_, round_trips_;  // seconds, per rank (rank 0: 0)
  std::optional<std::string> lost_;
};

// How long rank 0 waits for the others after it did the same work itself
// (they run the same batches): `own` four times over, and a minute more.
std::chrono::milliseconds patience(std::chrono::steady_clock::duration own);

}  // namespace kvslo::fleet
