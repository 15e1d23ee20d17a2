#include "metrics/instruments.hpp"

namespace cobble::metrics {

void write_instruments(TextWriter& out, const Instruments& instruments) {
  // A histogram's count is the request counter: one observation per request served.
  out.family("cobble_http_requests_total", Type::counter,
             "HTTP requests answered, per listener, endpoint, method and status, since start.");
  std::vector<Label> labels;
  instruments.requests.for_each([&](const std::vector<std::string>& values, const Histogram& h) {
    labels.clear();
    for (std::size_t i = 0; i < values.size(); ++i)
      labels.push_back({instruments.requests.label_names()[i], values[i]});
    out.sample("cobble_http_requests_total", labels, h.snapshot().count);
  });
  out.histograms("cobble_http_request_duration_seconds",
                 "Time from a request's last byte read to its reply's last byte written.",
                 instruments.requests);
  out.counters("cobble_validations_total",
               "Validations finished, per challenge type, outcome and problem type, since start.",
               instruments.validations);
  out.histograms("cobble_validation_duration_seconds",
                 "Time a validation took, from its start (after any configured random delay) to its outcome.",
                 instruments.validation_durations);
}

}  // namespace cobble::metrics
