#include "serve/metrics_text.h"

#include <fmt/format.h>

#include "core/heap_usage.h"

namespace qforge::serve {
namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
    out += fmt::format("# HELP qforge_{} {}\n# TYPE qforge_{} {}\nqforge_{} {}\n", name, help, name, type, name, value);
}

}  // namespace

std::string metrics_text(const SchedulerMetrics& m, std::uint64_t http_errors) {
    std::string out;
    auto d = [](auto v) { return static_cast<double>(v); };
    metric(out, "requests_total", "counter", "Sequences submitted (one per prompt).", d(m.requests_total));
    metric(out, "requests_finished_total", "counter", "Sequences finished, cancelled ones included.", d(m.requests_finished));
    metric(out, "requests_cancelled_total", "counter", "Sequences cancelled (clients gone, stop strings, shutdown).", d(m.requests_cancelled));
    metric(out, "http_errors_total", "counter", "HTTP answers with a status of 400 or more.", d(http_errors));
    metric(out, "prompt_tokens_total", "counter", "Prompt tokens of admitted sequences.", d(m.prompt_tokens_total));
    metric(out, "prompt_tokens_cached_total", "counter", "Prompt tokens taken from the KV pool instead of computed.", d(m.prompt_tokens_cached));
    metric(out, "tokens_predicted_total", "counter", "Generated tokens.", d(m.generated_tokens_total));
    metric(out, "engine_steps_total", "counter", "Forward passes of the batched engine.", d(m.steps));
    metric(out, "engine_busy_seconds_total", "counter", "Seconds the engine spent in steps.", m.busy_seconds);
    metric(out, "requests_processing", "gauge", "Sequences in slots.", d(m.active));
    metric(out, "requests_deferred", "gauge", "Sequences waiting for a slot (queue depth).", d(m.queue_depth));
    metric(out, "kv_blocks_total", "gauge", "Blocks of the KV pool.", d(m.kv.total));
    metric(out, "kv_blocks_in_use", "gauge", "KV blocks held by running sequences.", d(m.kv.in_use));
    metric(out, "kv_blocks_cached", "gauge", "Unused KV blocks still holding a reusable prompt prefix.", d(m.kv.cached));
    metric(out, "kv_blocks_free", "gauge", "KV blocks holding nothing.", d(m.kv.free));
    metric(out, "kv_block_tokens", "gauge", "Positions per KV block.", d(m.block_tokens));
    metric(out, "kv_cache_usage_ratio", "gauge", "KV blocks in use over all blocks.", m.kv.total > 0 ? d(m.kv.in_use) / d(m.kv.total) : 0.0);
    metric(out, "prefix_cache_hits_total", "counter", "Admitted sequences that reused cached prompt blocks.", d(m.kv.hits));
    metric(out, "decode_tokens_per_second", "gauge", "Generated tokens per second over the last 5 seconds of steps.", m.decode_tokens_per_second);
    metric(out, "heap_bytes_in_use", "gauge", "Heap bytes allocated and not yet freed (the allocator's count, caches excluded).",
           d(heap_bytes_in_use()));
    metric(out, "uptime_seconds", "gauge", "Seconds since the engine started.", m.uptime_seconds);
    return out;
}

}  // namespace qforge::serve
