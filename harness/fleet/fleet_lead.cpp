#include "fleet/fleet_lead.hpp"

#include <algorithm>
#include <iostream>

#include "exit_codes.hpp"
#include "fleet/fleet_messages.hpp"
#include "fleet/fleet_session.hpp"
#include "fleet/rank_host.hpp"

namespace kvslo::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Ranks on other hosts start when their launcher gets to them.
constexpr milliseconds kMeetTimeout{120'000};
constexpr int kClockExchanges = 16;

double now_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

}  // namespace

milliseconds patience(Clock::duration own) {
  return std::chrono::duration_cast<milliseconds>(4 * own) + milliseconds(60'000);
}

FleetLead::FleetLead(MpiLink& link, const std::vector<PointSpec>& points, const std::atomic<bool>& stop)
    : link_(link), stop_(stop), hosts_(static_cast<std::size_t>(link.size())),
      offsets_(static_cast<std::size_t>(link.size()), 0.0), round_trips_(static_cast<std::size_t>(link.size()), 0.0) {
  for (const PointSpec& p : points) points_.push_back(p.comparable());
  hosts_[0] = describe_this_rank();
  const std::string fingerprint = points_fingerprint(points);
  for (int r = 1; r < link.size(); ++r) {
    try {
      meet(r, fingerprint);
    } catch (const RankLost& e) {
      throw std::runtime_error(who(r) + " " + e.what());
    }
  }
}

void FleetLead::meet(int rank, const std::string& fingerprint) {
  link_.send(rank, pack({{"do", "meet"}, {"points", fingerprint}}), kMeetTimeout);
  const nlohmann::json answer = unpack(link_.receive(rank, kMeetTimeout, &stop_));
  hosts_[static_cast<std::size_t>(rank)] = answer.at("host");
  if (answer.at("points") != fingerprint) {
    // (The rank waits to be sent home: it does not end the job before this is said.)
    throw std::runtime_error(who(rank) + " expanded the scenario into other points than rank 0 (another scenario "
                             "file or kvslo on that host?): every rank must run the same points");
  }
  sync_clock(rank);
}

// The offset of a rank's steady clock from rank 0's: the exchange with the
// shortest round trip bounds it best (to within half that round trip). Both
// sides poll without sleeping here (a sleep would be measured as round trip).
void FleetLead::sync_clock(int rank) {
  const auto r = static_cast<std::size_t>(rank);
  double best_round_trip = 1e9;
  for (int k = 0; k < kClockExchanges; ++k) {
    const double sent = now_seconds();
    link_.send(rank, pack({{"do", "clock"}}), kMeetTimeout, true);
    const double theirs = unpack(link_.receive(rank, kMeetTimeout, &stop_, true)).at("now");
    const double back = now_seconds();
    if (back - sent < best_round_trip) {
      best_round_trip = back - sent;
      offsets_[r] = theirs - (sent + back) / 2;
    }
  }
  round_trips_[r] = best_round_trip;
}

nlohmann::json FleetLead::sync_clocks() {
  nlohmann::json offsets = nlohmann::json::array({0.0});
  for (int r = 1; r < size(); ++r) {
    link_.send(r, pack({{"do", "clock_sync"}}), kMeetTimeout);
    sync_clock(r);
    offsets.push_back(offsets_[static_cast<std::size_t>(r)]);
  }
  return offsets;
}

FleetLead::~FleetLead() {
  if (lost_ || stop_) {
    if (!lost_) {
      std::cerr << "kvslo: stopped by a signal while leading " << size()
                << " ranks (mpirun stops every rank when one dies, and names it)\n";
    }
    link_.end_by_abort(lost_ ? kExitInfrastructure : kExitInterrupted);
    return;
  }
  for (int r = 1; r < size(); ++r) {
    try {
      link_.send(r, pack({{"do", "quit"}}), milliseconds(10'000));
    } catch (const std::exception& e) {
      std::cerr << "kvslo: " << who(r) << " could not be sent home: " << e.what() << "\n";
      link_.end_by_abort(kExitInfrastructure);
    }
  }
}

nlohmann::json FleetLead::describe() const {
  nlohmann::json ranks = nlohmann::json::array();
  for (std::size_t r = 0; r < hosts_.size(); ++r) {
    nlohmann::json rank = hosts_[r];
    rank["rank"] = r;
    rank["clock_offset_s"] = offsets_[r];
    rank["clock_round_trip_s"] = round_trips_[r];
    ranks.push_back(std::move(rank));
  }
  return {{"mpi", link_.library()}, {"ranks", size()}, {"per_rank", std::move(ranks)}};
}

bool FleetLead::spans_hosts() const {
  auto place = [](const nlohmann::json& h) { return h.value("host", std::string()) + "|" + h.value("net_namespace", std::string()); };
  return std::any_of(hosts_.begin(), hosts_.end(), [&](const nlohmann::json& h) { return place(h) != place(hosts_[0]); });
}

std::vector<std::string> FleetLead::warnings() const {
  std::vector<std::string> lines;
  for (std::size_t r = 0; r < hosts_.size(); ++r) {
    const int allowed = hosts_[r].value("cpus_allowed", -1), online = hosts_[r].value("cpus_online", -1);
    if (allowed > 0 && allowed < online) {
      lines.push_back(who(static_cast<int>(r)) + " may run on " + std::to_string(allowed) + " of its host's " +
                      std::to_string(online) + " CPUs: mpirun bound it, and its client's threads share them "
                      "(start mpirun with --bind-to none)");
    }
  }
  return lines;
}

std::string FleetLead::who(int rank) const {
  const auto& host = hosts_[static_cast<std::size_t>(rank)];
  if (!host.is_object()) return "rank " + std::to_string(rank);
  const std::string netns = host.value("net_namespace_name", std::string());
  return "rank " + std::to_string(rank) + " (" + host.value("host", std::string("?")) + (netns.empty() ? "" : ", netns " + netns) + ")";
}

void FleetLead::lose(const std::string& why) {
  if (!lost_) lost_ = why;
}

std::string FleetLead::password_refusal(const net::Endpoint& endpoint) const {
  if (!endpoint.has_password() || shares_password()) return "";
  for (std::size_t r = 1; r < hosts_.size(); ++r) {
    if (!hosts_[r].value("has_password_variable", false)) {
      return who(static_cast<int>(r)) + " has no KVSLO_REDIS_PASSWORD, and kvslo does not send the server's password "
             "between hosts (MPI's messages are not encrypted): start mpirun with -x KVSLO_REDIS_PASSWORD";
    }
  }
  return "";
}

std::unique_ptr<PointSession> FleetLead::open(const PointSpec& spec, const net::Endpoint& endpoint,
                                              const std::function<std::unique_ptr<PointSession>(const KeyShare&)>& open_local,
                                              PointSession::Clock::time_point origin) {
  const auto index = std::find(points_.begin(), points_.end(), spec.comparable()) - points_.begin();
  if (lost_) return failed_session(spec, "not measured: " + *lost_, false, origin);
  if (static_cast<std::size_t>(index) == points_.size()) {
    return failed_session(spec, "this point is not among the run's points (the others cannot measure it)", false, origin);
  }
  return open_fleet_session(*this, spec, static_cast<std::size_t>(index), endpoint, open_local, origin);
}

}  // namespace kvslo::fleet
