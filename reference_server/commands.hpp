#pragma once
// The commands the reference server speaks: what kvslo, redis-benchmark and
// redis-py send (GET, SET, STRLEN, EXISTS, DEL, PING, AUTH, INFO, CONFIG GET,
// FLUSHALL, ACL SETUSER/DELUSER, SELECT 0, QUIT), each with Redis's reply
// shapes. Anything else is an error that names it.

#include <memory>
#include <vector>

#include "blob_store.hpp"
#include "reply_queue.hpp"
#include "server_state.hpp"

namespace kvslo::reference {

// One connection's state between commands.
struct Session {
  bool authenticated = false;
  bool quit = false;  // reply, then close
};

void run_command(const std::vector<std::shared_ptr<Blob>>& args, Session& session, ServerState& server, ReplyQueue& out);

}  // namespace kvslo::reference
