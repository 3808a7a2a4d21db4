#pragma once
// kvslo's own malloc, held in one state for the whole run (why:
// common/malloc_hold.hpp), and what was done, for the results' environment.
// The reference server holds its own the same way; the peers and
// redis-server keep theirs.

#include <nlohmann/json.hpp>

namespace kvslo {

// Called once, first thing in main.
void settle_allocator();
// What settle_allocator did, for the results' environment.
nlohmann::json describe_allocator();

}  // namespace kvslo
