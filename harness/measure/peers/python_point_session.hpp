#pragma once
// A point measured by a Python program kvslo ships (scripts/peers/): the
// redis-py peer, and tiled-py (kvslo's tiled core driven from asyncio). One
// process serves the whole point, as a Python user's would: it connects and
// warms up when the point opens and says {"ready": true, ...}, then runs one
// trial per "trial" line on its stdin and answers each with one JSON line of
// figures, latencies, key failures and, for tiled-py, the C++ stages and the
// boundary's figures. So its turns cost what the trial costs, not an
// interpreter start, a warm-up and a payload build each.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "measure/peers/peers.hpp"
#include "measure/point_session.hpp"

namespace kvslo {

struct PythonPoint {
  std::string tool;     // "redis-py", "tiled-py": in messages and results
  std::string imports;  // what the interpreter must import: "redis", "numpy"
  std::string install;  // how to get it, for the message when no interpreter does
  std::vector<std::string> arguments;  // the script, then its arguments
  std::vector<std::pair<std::string, std::string>> environment;  // besides the password (never on the command line)
  std::string preferred_python;  // tried first (tiled-py: the interpreter its module was built for)
};

std::unique_ptr<PointSession> open_python_point_session(const PointSpec& spec, const PeerContext& context,
                                                        PointSession::Clock::time_point origin, PythonPoint point);

}  // namespace kvslo
