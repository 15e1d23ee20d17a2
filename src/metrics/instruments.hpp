#pragma once

#include "metrics/family.hpp"
#include "metrics/text_format.hpp"

namespace cobble::metrics {

// What one Cobble process counts and times as it serves: requests (http/ observes), validations
// (app's scheduler observes). Made once by app/ and shared by whoever observes; /metrics writes it
// with write_instruments. Figures other parts keep (connections, pauses, rate limits, the
// database's) are written by the management API from their owners.
struct Instruments {
  // Per listener ("acme", "management"), endpoint (the route's path as the route table names it,
  // "unmatched" for a 404), method and status.
  HistogramFamily requests{{"listener", "endpoint", "method", "status"}, buckets::kRequest};
  // Per challenge type, outcome ("valid", "invalid") and problem type ("" when valid).
  CounterFamily validations{{"method", "outcome", "problem"}};
  HistogramFamily validation_durations{{"method", "outcome"}, buckets::kValidation};
};

// cobble_http_requests_total, cobble_http_request_duration_seconds, cobble_validations_total,
// cobble_validation_duration_seconds.
void write_instruments(TextWriter& out, const Instruments& instruments);

}  // namespace cobble::metrics
