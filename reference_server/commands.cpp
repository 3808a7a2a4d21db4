#include "commands.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace kvslo::reference {
namespace {

using Args = std::vector<std::shared_ptr<Blob>>;

constexpr std::string_view kVersion = "0.1.0";

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string key_of(const Args& args, std::size_t i) { return std::string(args[i]->text()); }

// A name from the client, fit to quote in an error: printable and short.
std::string quoted(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out.push_back(std::isprint(static_cast<unsigned char>(c)) ? c : '?');
  return "'" + out + "'";
}

void wrong_arity(std::string_view name, ReplyQueue& out) {
  out.error("ERR wrong number of arguments for '" + std::string(name) + "' command");
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

std::string info_text(const ServerState& server, std::string_view section) {
  const std::string want = upper(section);
  const bool all = want.empty() || want == "ALL" || want == "DEFAULT" || want == "EVERYTHING";
  std::string text;
  auto add_section = [&](const char* name, const std::string& body) {
    if (all || want == upper(name)) text += "# " + std::string(name) + "\r\n" + body + "\r\n";
  };
  char line[256];
  std::snprintf(line, sizeof line,
                "server_name:kvslo-reference\r\nkvslo_reference_version:%s\r\nprocess_id:%d\r\ntcp_port:%u\r\n"
                "threads:%d\r\n",
                std::string(kVersion).c_str(), static_cast<int>(::getpid()), static_cast<unsigned>(server.settings.port),
                server.settings.threads);
  add_section("Server", line);
  std::snprintf(line, sizeof line, "connected_clients:%llu\r\n",
                static_cast<unsigned long long>(server.connected.load()));
  add_section("Clients", line);
  std::snprintf(line, sizeof line, "used_memory:%llu\r\nmaxmemory:%llu\r\nlazyfree_pending_objects:0\r\n",
                static_cast<unsigned long long>(server.store.value_bytes()),
                static_cast<unsigned long long>(server.store.maxmemory()));
  add_section("Memory", line);
  add_section("Persistence", "loading:0\r\nrdb_bgsave_in_progress:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n");
  std::snprintf(line, sizeof line,
                "total_connections_received:%llu\r\ntotal_commands_processed:%llu\r\nkeyspace_hits:%llu\r\n"
                "keyspace_misses:%llu\r\n",
                static_cast<unsigned long long>(server.connections.load()),
                static_cast<unsigned long long>(server.commands.load()),
                static_cast<unsigned long long>(server.hits.load()),
                static_cast<unsigned long long>(server.misses.load()));
  add_section("Stats", line);
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);  // every thread of the server
  std::snprintf(line, sizeof line, "used_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\n", seconds(usage.ru_stime),
                seconds(usage.ru_utime));
  add_section("CPU", line);
  std::snprintf(line, sizeof line, "db0:keys=%llu,expires=0,avg_ttl=0\r\n",
                static_cast<unsigned long long>(server.store.keys()));
  add_section("Keyspace", server.store.keys() ? line : "");
  return text;
}

// CONFIG GET: the settings kvslo and redis-benchmark read, with the values
// that describe this server (no persistence, no eviction).
void config_get(const ServerState& server, std::string_view pattern, ReplyQueue& out) {
  const std::vector<std::pair<std::string, std::string>> settings{
      {"maxmemory", std::to_string(server.settings.maxmemory)},
      {"maxmemory-policy", "noeviction"},
      {"io-threads", std::to_string(server.settings.threads)},
      {"io-threads-do-reads", "yes"},
      {"appendonly", "no"},
      {"save", ""},
      {"proto-max-bulk-len", std::to_string(std::uint64_t{512} << 20)},
      {"client-output-buffer-limit", "normal 0 0 0"},
      {"port", std::to_string(server.settings.port)},
  };
  const std::string want(pattern);
  std::vector<const std::pair<std::string, std::string>*> found;
  for (const auto& s : settings) {
    if (want == "*" || want == s.first) found.push_back(&s);
  }
  out.array_header(found.size() * 2);
  for (const auto* s : found) {
    out.bulk(std::string_view(s->first));
    out.bulk(std::string_view(s->second));
  }
}

// ACL SETUSER name [rule ...]: of the rules, only ">password" matters here.
void acl(const Args& args, ServerState& server, ReplyQueue& out) {
  const std::string sub = args.size() > 1 ? upper(args[1]->text()) : "";
  if (sub == "SETUSER" && args.size() >= 3) {
    std::optional<std::string> password;
    for (std::size_t i = 3; i < args.size(); ++i) {
      if (const auto rule = args[i]->text(); !rule.empty() && rule.front() == '>') password = std::string(rule.substr(1));
    }
    server.users.set(key_of(args, 2), password);
    return out.simple("OK");
  }
  if (sub == "DELUSER" && args.size() >= 3) {
    long long removed = 0;
    for (std::size_t i = 2; i < args.size(); ++i) removed += server.users.remove(key_of(args, i)) ? 1 : 0;
    return out.integer(removed);
  }
  out.error("ERR the kvslo reference server knows ACL SETUSER and ACL DELUSER only");
}

}  // namespace

void run_command(const Args& args, Session& session, ServerState& server, ReplyQueue& out) {
  server.commands.fetch_add(1, std::memory_order_relaxed);
  const std::string name = upper(args[0]->text());
  const std::size_t n = args.size();
  if (name == "AUTH") {
    if (n != 2 && n != 3) return wrong_arity("auth", out);
    if (!server.users.required() && n == 2) {
      return out.error("ERR AUTH <password> called without any password configured for the default user");
    }
    // A wrong password leaves a session as it was, as in Redis.
    if (server.users.check(n == 3 ? key_of(args, 1) : "default", key_of(args, n - 1))) {
      session.authenticated = true;
      return out.simple("OK");
    }
    return out.error("WRONGPASS invalid username-password pair or user is disabled.");
  }
  if (name == "QUIT") {
    session.quit = true;
    return out.simple("OK");
  }
  if (server.users.required() && !session.authenticated) return out.error("NOAUTH Authentication required.");

  if (name == "GET") {
    if (n != 2) return wrong_arity("get", out);
    if (BlobPtr value = server.store.get(key_of(args, 1))) {
      server.hits.fetch_add(1, std::memory_order_relaxed);
      return out.bulk(std::move(value));
    }
    server.misses.fetch_add(1, std::memory_order_relaxed);
    return out.nil();
  }
  if (name == "SET") {
    if (n != 3) return n < 3 ? wrong_arity("set", out) : out.error("ERR syntax error (the reference server's SET takes no options)");
    if (!server.store.set(key_of(args, 1), args[2])) {
      return out.error("OOM command not allowed when used memory > 'maxmemory'.");
    }
    return out.simple("OK");
  }
  if (name == "STRLEN") {
    if (n != 2) return wrong_arity("strlen", out);
    const BlobPtr value = server.store.get(key_of(args, 1));
    return out.integer(value ? static_cast<long long>(value->size()) : 0);
  }
  if (name == "EXISTS" || name == "DEL" || name == "UNLINK") {
    if (n < 2) return wrong_arity(name == "EXISTS" ? "exists" : "del", out);
    long long count = 0;
    for (std::size_t i = 1; i < n; ++i) {
      count += (name == "EXISTS" ? server.store.contains(key_of(args, i)) : server.store.erase(key_of(args, i))) ? 1 : 0;
    }
    return out.integer(count);
  }
  if (name == "PING") {
    if (n > 2) return wrong_arity("ping", out);
    return n == 2 ? out.bulk(args[1]->text()) : out.simple("PONG");
  }
  if (name == "INFO") return out.bulk(std::string_view(info_text(server, n > 1 ? args[1]->text() : "")));
  if (name == "CONFIG") {
    const std::string sub = n > 1 ? upper(args[1]->text()) : "";
    if (sub == "GET" && n == 3) return config_get(server, args[2]->text(), out);
    return out.error("ERR the kvslo reference server has no settings to change (CONFIG GET <name> only)");
  }
  if (name == "FLUSHALL" || name == "FLUSHDB") {
    server.store.clear();
    return out.simple("OK");
  }
  if (name == "ACL") return acl(args, server, out);
  if (name == "SELECT") {
    if (n == 2 && args[1]->text() == "0") return out.simple("OK");
    return out.error("ERR the kvslo reference server has database 0 only");
  }
  if (name == "DBSIZE") return out.integer(static_cast<long long>(server.store.keys()));
  if (name == "COMMAND") return out.array_header(0);  // redis-cli asks for command docs at start
  out.error("ERR unknown command " + quoted(args[0]->text()) + " (the kvslo reference server speaks GET, SET, STRLEN, EXISTS, DEL, "
            "PING, AUTH, INFO, CONFIG GET, FLUSHALL, ACL SETUSER/DELUSER, SELECT 0, DBSIZE, QUIT)");
}

}  // namespace kvslo::reference
