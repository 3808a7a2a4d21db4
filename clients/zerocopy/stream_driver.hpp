#pragma once
// Drives a batch over several PipelinedConnections from one thread with
// poll(): the batch's keys are cut into contiguous ranges, one per
// connection, and each connection keeps its pipeline full until its range is
// served, fails, or makes no progress for the operation timeout.

#include <memory>
#include <vector>

#include "batch_job.hpp"
#include "zerocopy/pipelined_connection.hpp"

namespace kvslo {

class StreamDriver {
 public:
  StreamDriver(const ClientOptions& options, int connections);

  // Serves `range` of `job`; returns when every key in it has a status.
  void run(const BatchJob& job, KeyRange range);
  std::vector<ConnectionInfo> connections() const;

 private:
  const ClientOptions& options_;
  std::vector<std::unique_ptr<PipelinedConnection>> connections_;
};

}  // namespace kvslo
