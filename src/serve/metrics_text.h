#pragma once
// GET /metrics: the scheduler's counters in Prometheus' text format (version 0.0.4).
#include <cstdint>
#include <string>

#include "runtime/scheduler.h"

namespace qforge::serve {

std::string metrics_text(const SchedulerMetrics& m, std::uint64_t http_errors);

}  // namespace qforge::serve
