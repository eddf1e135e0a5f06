// qforge serve -m MODEL [--host 127.0.0.1] [--port 8080] [--parallel N] [-c CTX] [-t N] [--api-key KEY]
//              [--chat-template NAME|FILE] [--max-queue N] [--alias NAME]
// llama-server's flag names; see serve/http_server.h.
#include <memory>

#include "commands.h"
#include "serve/http_server.h"

namespace qforge::cli {

void add_serve_command(CLI::App& app) {
    auto o = std::make_shared<serve_app::ServerOptions>();
    auto* cmd = app.add_subcommand("serve", "Serve a model over an OpenAI-compatible HTTP API with continuous batching");
    cmd->add_option("-m,--model", o->model, "Model: GGUF, Hugging Face directory, GPTQ/AWQ checkpoint")->required();
    cmd->add_option("--host", o->host, "Address to listen on (default 127.0.0.1: this machine only)");
    cmd->add_option("--port", o->port, "Port (0: any free port, printed)")->check(CLI::Range(0, 65535));
    cmd->add_option("--parallel", o->parallel, "Slots: sequences decoded at once")->check(CLI::Range(1, 256));
    cmd->add_option("-c,--ctx-size", o->n_ctx, "Context of all slots together, each gets CTX / parallel (default: the model's, at most 4096, per slot)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 24));
    cmd->add_option("-t,--threads", o->threads, "Threads of the engine (default: physical cores)");
    cmd->add_option("--threads-http", o->http_threads, "Threads answering HTTP connections (default: from --parallel and --max-queue)");
    cmd->add_option("--api-key", o->api_key, "Require 'Authorization: Bearer KEY' on every endpoint but / and /health");
    cmd->add_option("--chat-template", o->chat_template, "Chat template: a built-in name (chatml, llama3, ...) or a Jinja file (default: the model's)");
    cmd->add_option("--max-queue", o->max_queue, "Requests that may wait for a slot; more get 503")->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 20));
    cmd->add_option("-a,--alias", o->alias, "Model id in the API (default: the file name)");
    cmd->add_option("--max-body", o->max_body_bytes, "Largest request body in bytes; larger get 413");
    cmd->add_option("--shutdown-grace", o->shutdown_grace_seconds, "Seconds SIGTERM lets running requests finish before cancelling them");
    // llama-server's short form of --parallel
    cmd->add_option("--np", o->parallel, "Same as --parallel")->check(CLI::Range(1, 256));
    cmd->callback([o] {
        const int code = serve_app::run_server(*o);
        if (code != 0) throw CLI::RuntimeError(code);
    });
}

}  // namespace qforge::cli
