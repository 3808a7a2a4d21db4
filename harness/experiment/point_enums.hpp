#pragma once
// The closed sets of choices a point makes, as types: what the harness
// compares is a value, never a string literal. Names are what scenario
// files, flags and results use.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kvslo {

enum class Op { kGet, kSet, kExists };
// kFixed: one key per chunk. kWithMetadata: a length key beside each chunk,
// read before it (two operations per chunk).
enum class Layout { kFixed, kWithMetadata };
// Closed: batches back to back. Constant, Poisson: at a target rate (open loop).
enum class ArrivalMode { kClosed, kConstant, kPoisson };
// Where GET payloads land: in the caller's buffer, or in a staging buffer
// and then copied (what a client without zero-copy receive does).
enum class Receive { kInPlace, kBounce };
// The program of the embedded server: Redis, kvslo's reference server,
// which sends a GET's value as it is stored (the clients' own ceiling), or
// Valkey (valkey-server: the Redis fork, 8.0 from Debian's bookworm-backports).
enum class ServerKind { kRedis, kReference, kValkey };
// tiled-py's ablations: the binding holds the GIL in every call, and Python
// polls for completions instead of waiting on the eventfd.
enum class GilMode { kReleased, kHeld };
enum class CompletionMode { kEventfd, kPoll };
// Where a cluster puts a batch's keys: spread over the slots (every shard
// serves a part of every batch), or pinned by a hashtag per batch (one shard
// serves a whole batch): the trade-off a KV-cache layout makes.
enum class KeySpread { kSpread, kHashtag };
// The wire between client and server: plain TCP, TLS (OpenSSL encrypts in
// user space), or TLS with the record layer handed to the kernel (kTLS).
enum class TlsMode { kOff, kOn, kKtls };
// Under mpirun, which keys each rank reads: its own share of the working set
// (a fleet whose instances serve different requests), or all of it (every
// instance reading the same hot prefix).
enum class FleetKeys { kSplit, kShared };

template <typename E>
struct EnumNames;
template <>
struct EnumNames<Op> {
  static constexpr std::pair<Op, std::string_view> kNames[] = {{Op::kGet, "get"}, {Op::kSet, "set"}, {Op::kExists, "exists"}};
};
template <>
struct EnumNames<Layout> {
  static constexpr std::pair<Layout, std::string_view> kNames[] = {{Layout::kFixed, "fixed"},
                                                                   {Layout::kWithMetadata, "with-metadata"}};
};
template <>
struct EnumNames<ArrivalMode> {
  static constexpr std::pair<ArrivalMode, std::string_view> kNames[] = {
      {ArrivalMode::kClosed, "closed"}, {ArrivalMode::kConstant, "constant"}, {ArrivalMode::kPoisson, "poisson"}};
};

template <>
struct EnumNames<Receive> {
  static constexpr std::pair<Receive, std::string_view> kNames[] = {{Receive::kInPlace, "in-place"},
                                                                    {Receive::kBounce, "bounce"}};
};

template <>
struct EnumNames<ServerKind> {
  static constexpr std::pair<ServerKind, std::string_view> kNames[] = {
      {ServerKind::kRedis, "redis"}, {ServerKind::kReference, "reference"}, {ServerKind::kValkey, "valkey"}};
};

template <>
struct EnumNames<TlsMode> {
  static constexpr std::pair<TlsMode, std::string_view> kNames[] = {
      {TlsMode::kOff, "off"}, {TlsMode::kOn, "on"}, {TlsMode::kKtls, "ktls"}};
};

template <>
struct EnumNames<FleetKeys> {
  static constexpr std::pair<FleetKeys, std::string_view> kNames[] = {{FleetKeys::kSplit, "split"}, {FleetKeys::kShared, "shared"}};
};

template <>
struct EnumNames<GilMode> {
  static constexpr std::pair<GilMode, std::string_view> kNames[] = {{GilMode::kReleased, "released"}, {GilMode::kHeld, "held"}};
};

template <>
struct EnumNames<CompletionMode> {
  static constexpr std::pair<CompletionMode, std::string_view> kNames[] = {{CompletionMode::kEventfd, "eventfd"},
                                                                           {CompletionMode::kPoll, "poll"}};
};

template <typename E>
concept NamedEnum = requires { EnumNames<E>::kNames; };

template <NamedEnum E>
std::string to_string(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (v == value) return std::string(name);
  }
  return "?";
}

template <NamedEnum E>
std::optional<E> parse_enum(std::string_view text) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (name == text) return v;
  }
  return std::nullopt;
}

template <NamedEnum E>
std::vector<std::string> enum_names() {
  std::vector<std::string> out;
  for (const auto& entry : EnumNames<E>::kNames) out.emplace_back(entry.second);
  return out;
}

template <>
struct EnumNames<KeySpread> {
  static constexpr std::pair<KeySpread, std::string_view> kNames[] = {{KeySpread::kSpread, "spread"},
                                                                      {KeySpread::kHashtag, "hashtag"}};
};

}  // namespace kvslo
