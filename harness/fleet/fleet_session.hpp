#pragma once
// A point measured by every rank taking part at once, as rank 0 sees it:
// a PointSession whose trials are the fleet's (fleet/fleet_trial.hpp) and
// whose measurement holds every rank's samples, statuses and errors, with
// the per-rank detail in its "fleet" record.

#include <functional>
#include <memory>

#include "fleet/fleet_lead.hpp"

namespace kvslo::fleet {

std::unique_ptr<PointSession> open_fleet_session(FleetLead& lead, const PointSpec& spec, std::size_t index,
                                                 const net::Endpoint& endpoint,
                                                 const std::function<std::unique_ptr<PointSession>(const KeyShare&)>& open_local,
                                                 PointSession::Clock::time_point origin);

}  // namespace kvslo::fleet
