#pragma once
// `qforge serve`: the OpenAI-compatible HTTP server (cpp-httplib) over the continuous-batching scheduler.
#include <cstdint>
#include <string>

namespace qforge::serve_app {

struct ServerOptions {
    std::string model;  // anything open_model() opens
    std::string host = "127.0.0.1";
    int port = 8080;
    int parallel = 4;
    std::int64_t n_ctx = 0;  // all slots together, as llama-server's -c (0: per slot the model's, at most 4096)
    int threads = 0;
    int http_threads = 0;  // 0: enough for the slots, the queue and some idle connections
    std::string api_key;
    std::string chat_template;
    std::string alias;
    std::int64_t max_queue = 256;  // sequences (one per prompt of a request)
    std::size_t max_body_bytes = 8u << 20;
    double shutdown_grace_seconds = 30.0;  // SIGTERM: running requests may finish for this long
};

// Serves until SIGTERM or SIGINT; returns the exit code.
int run_server(const ServerOptions& options);

}  // namespace qforge::serve_app
