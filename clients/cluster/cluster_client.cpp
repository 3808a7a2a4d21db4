#include "cluster/cluster_client.hpp"

#include <chrono>
#include <cstring>
#include <numeric>
#include <thread>

#include "cluster/key_slot.hpp"
#include "cluster/redirect.hpp"
#include "cluster/topology_reader.hpp"
#include "command_channel.hpp"

namespace kvslo::cluster {
namespace {

// One shard's share of a batch, as its own smaller batch.
struct Part {
  KvClient* client = nullptr;
  std::vector<std::size_t> indexes;  // into the whole batch
  std::vector<std::string_view> keys;
  std::vector<MutableBuffer> buffers;
  std::vector<ConstBuffer> values;
  std::unique_ptr<bool[]> present;
  BatchResult result;

  // Never throws: it may run on a thread of its own, where an exception
  // would end the process; what went wrong becomes every key's I/O error.
  void run(const BatchJob& job) noexcept {
    try {
      switch (job.kind) {
        case OpKind::kGet: result = client->batch_get(keys, buffers); break;
        case OpKind::kSet: result = client->batch_set(keys, values); break;
        case OpKind::kExists: result = client->batch_exists(keys, {present.get(), keys.size()}); break;
      }
    } catch (const std::exception& e) {
      result = BatchResult(keys.size());
      for (auto& k : result.keys) {
        k.status = KeyStatus::kIoError;
        k.message = e.what();
      }
    }
  }
  void give_back(const BatchJob& job) const {
    for (std::size_t k = 0; k < indexes.size(); ++k) {
      job.outcome(indexes[k]) = result.keys[k];
      if (job.kind == OpKind::kExists) job.present[indexes[k]] = present[k];
    }
  }
};

}  // namespace

ClusterClient::ClusterClient(ClientOptions options, std::string name, ShardClientFactory make_shard_client)
    : options_((options.validate(), std::move(options))), name_(std::move(name)), make_shard_client_(std::move(make_shard_client)) {
  topology_ = read_topology(options_.endpoint, options_.connect_timeout + options_.op_timeout);
  topology_.require_full_coverage();
}

ClusterClient::~ClusterClient() = default;

KvClient& ClusterClient::client_for(const Shard& shard) {
  if (auto known = clients_.find(shard.address()); known != clients_.end()) return *known->second;
  ClientOptions o = options_;
  o.endpoint = node_endpoint(options_.endpoint, shard.address());
  auto client = make_shard_client_(o);  // inserted only once made: a failure leaves no empty entry
  return *clients_.emplace(shard.address(), std::move(client)).first->second;
}

void ClusterClient::refresh_topology() {
  // From the seed, else from any primary known so far (the seed may be the node that failed).
  std::vector<net::Endpoint> candidates{options_.endpoint};
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : topology_.shards()) candidates.push_back(node_endpoint(options_.endpoint, s.address()));
  }
  for (const auto& node : candidates) {
    try {
      ClusterTopology fresh = read_topology(node, options_.connect_timeout + options_.op_timeout);
      std::lock_guard lock(mutex_);
      topology_ = std::move(fresh);
      ++counts_.refreshes;
      return;
    } catch (const std::exception&) {
      // The next candidate; if none answers, the old topology stays and the
      // retried keys end as per-key errors with their redirection.
    }
  }
}

void ClusterClient::serve_round(const BatchJob& job, const std::vector<std::size_t>& indexes) {
  std::map<int, Part> parts;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i : indexes) {
      const std::uint16_t slot = key_slot(job.keys[i]);
      const int shard = topology_.shard_of(slot);
      if (shard < 0) {
        job.outcome(i).status = KeyStatus::kServerError;
        job.outcome(i).message = "slot " + std::to_string(slot) + " is served by no primary (" + topology_.describe() + ")";
        continue;
      }
      Part& part = parts[shard];
      if (!part.client) {
        try {
          part.client = &client_for(topology_.shards()[static_cast<std::size_t>(shard)]);
        } catch (const std::exception& e) {
          job.outcome(i).status = KeyStatus::kIoError;
          job.outcome(i).message = "no client for " + topology_.shards()[static_cast<std::size_t>(shard)].address() + ": " + e.what();
          parts.erase(shard);
          continue;
        }
      }
      part.indexes.push_back(i);
      part.keys.push_back(job.keys[i]);
      if (job.kind == OpKind::kGet) part.buffers.push_back(job.buffers[i]);
      if (job.kind == OpKind::kSet) part.values.push_back(job.values[i]);
    }
  }
  for (auto& [shard, part] : parts) {
    if (job.kind == OpKind::kExists) part.present = std::make_unique<bool[]>(part.keys.size());
  }
  // Every shard at once: the batch is done when its slowest shard is.
  {
    std::vector<std::jthread> others;  // joined however this block is left
    Part* first = nullptr;
    for (auto& [shard, part] : parts) {
      if (!first) {
        first = &part;
      } else {
        others.emplace_back([&job, p = &part] { p->run(job); });
      }
    }
    if (first) first->run(job);
  }
  for (auto& [shard, part] : parts) part.give_back(job);
}

void ClusterClient::serve_asked(const BatchJob& job, std::size_t index, const std::string& address) {
  KeyOutcome& o = job.outcome(index);
  const std::string redirect = o.message;
  o = KeyOutcome{};
  try {
    CommandChannel channel(node_endpoint(options_.endpoint, address), options_.op_timeout);
    channel.call_ok({"ASKING"});
    const std::string_view key = job.keys[index];
    resp::Reply reply;
    if (job.kind == OpKind::kGet) {
      reply = channel.call({"GET", key});
      const MutableBuffer buffer = job.buffers[index];
      if (reply.type == resp::Reply::Type::kBulk) {
        o.value_size = reply.text.size();
        const bool fits = options_.fixed_size ? reply.text.size() == buffer.size() : reply.text.size() <= buffer.size();
        if (fits) {
          std::memcpy(buffer.data(), reply.text.data(), reply.text.size());
          o.status = KeyStatus::kOk;
        } else {
          o.status = KeyStatus::kSizeMismatch;
          o.message = "value is " + std::to_string(reply.text.size()) + " bytes, buffer " + std::to_string(buffer.size());
        }
      } else if (reply.type == resp::Reply::Type::kNilBulk) {
        o.status = KeyStatus::kMissing;
      }
    } else if (job.kind == OpKind::kSet) {
      const ConstBuffer value = job.values[index];
      reply = channel.call({"SET", key, std::string_view(reinterpret_cast<const char*>(value.data()), value.size())});
      if (reply.type == resp::Reply::Type::kSimpleString && reply.text == "OK") o.status = KeyStatus::kOk;
    } else {
      reply = channel.call({"EXISTS", key});
      if (reply.type == resp::Reply::Type::kInteger) {
        job.present[index] = reply.integer > 0;
        o.status = KeyStatus::kOk;
      }
    }
    if (o.status == KeyStatus::kNotRun) {
      o.status = KeyStatus::kServerError;
      o.message = (reply.is_error() ? reply.text : "unexpected reply " + reply.describe()) + " (after " + redirect + ")";
    }
  } catch (const std::exception& e) {
    o.status = KeyStatus::kIoError;
    o.message = std::string(e.what()) + " (after " + redirect + ")";
  }
}

BatchResult ClusterClient::run(const BatchJob& given) {
  BatchResult result(given.size());
  BatchJob job = given;
  job.result = &result;
  // A redirected key's latency counts from the batch's start: its first
  // attempt and the topology read are part of its wait.
  const auto start = std::chrono::steady_clock::now();
  auto since_start = [&] {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  };
  std::vector<std::size_t> todo(job.size());
  std::iota(todo.begin(), todo.end(), std::size_t{0});
  for (int round = 1; !todo.empty(); ++round) {
    serve_round(job, todo);
    if (round > 1) {
      const std::uint64_t elapsed = since_start();
      for (std::size_t i : todo) job.outcome(i).latency_ns = elapsed;
    }
    std::vector<std::size_t> moved;
    for (std::size_t i : todo) {
      KeyOutcome& o = job.outcome(i);
      if (o.status != KeyStatus::kServerError) continue;
      if (const std::string target = redirect_target(o.message, "ASK"); !target.empty()) {
        {
          std::lock_guard lock(mutex_);
          ++counts_.ask;
        }
        serve_asked(job, i, target);
        o.latency_ns = since_start();
      }
      // MOVED, or a MOVED from the node an ASK named (the migration ended meanwhile).
      if (o.status == KeyStatus::kServerError && !redirect_target(o.message, "MOVED").empty()) moved.push_back(i);
    }
    if (moved.empty()) break;
    {
      std::lock_guard lock(mutex_);
      counts_.moved += moved.size();
    }
    if (round >= kMaxRedirects) {
      for (std::size_t i : moved) {
        job.outcome(i).message = "still redirected after " + std::to_string(kMaxRedirects) + " rounds: " + job.outcome(i).message;
      }
      break;
    }
    refresh_topology();
    for (std::size_t i : moved) job.outcome(i) = KeyOutcome{};
    todo = std::move(moved);
  }
  return result;
}

BatchResult ClusterClient::batch_get(std::span<const std::string_view> keys, std::span<const MutableBuffer> buffers) {
  return run(BatchJob::get(keys, buffers));
}

BatchResult ClusterClient::batch_set(std::span<const std::string_view> keys, std::span<const ConstBuffer> values) {
  return run(BatchJob::set(keys, values));
}

BatchResult ClusterClient::batch_exists(std::span<const std::string_view> keys, std::span<bool> present) {
  return run(BatchJob::exists(keys, present));
}

std::vector<ConnectionInfo> ClusterClient::connections() const {
  std::lock_guard lock(mutex_);
  std::vector<ConnectionInfo> out;
  for (const auto& [address, client] : clients_) {
    const auto c = client->connections();
    out.insert(out.end(), c.begin(), c.end());
  }
  return out;
}

RedirectCounts ClusterClient::redirects() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

ClusterTopology ClusterClient::topology() const {
  std::lock_guard lock(mutex_);
  return topology_;
}

}  // namespace kvslo::cluster
