#pragma once
// What rank 0 and the other ranks say to each other, as JSON packed in
// MessagePack: rank 0 says what to do ("open" a point, run a "trial" at a
// time on its clock, "report" it, "finish", "quit"); a rank answers with
// what it measured, naming the kind of answer and the point. The endpoint
// carries the password only to ranks on rank 0's host (the embedded
// server's is random), never printed or written.

#include <string>

#include <nlohmann/json.hpp>

#include "measure/point_measurement.hpp"
#include "net/endpoint.hpp"

namespace kvslo::fleet {

std::string pack(const nlohmann::json& message);
// Throws std::runtime_error when the bytes are not a message.
nlohmann::json unpack(const std::string& bytes);

// `with_password`: false between hosts (each rank reads KVSLO_REDIS_PASSWORD itself).
nlohmann::json endpoint_message(const net::Endpoint& endpoint, bool with_password = true);
net::Endpoint endpoint_from(const nlohmann::json& message);

nlohmann::json trial_message(const TrialFigures& trial);
TrialFigures trial_from(const nlohmann::json& message);

// What a rank measured over a point besides its trials: samples, key
// statuses, errors, its connections' count; and back.
nlohmann::json measurement_message(const PointMeasurement& m);
// Adds what `message` carries to `into` (samples appended, counts summed,
// errors kept with `who` in front).
void merge_measurement(const nlohmann::json& message, const std::string& who, PointMeasurement& into);

}  // namespace kvslo::fleet
