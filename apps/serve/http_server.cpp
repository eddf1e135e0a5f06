#include "http_server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "chat_page.h"
#include "convert/open_model.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "exchange.h"
#include "runtime/scheduler.h"
#include "serve/api_error.h"
#include "serve/chat_prompt.h"
#include "serve/completion_request.h"
#include "serve/metrics_text.h"

namespace qforge::serve_app {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kJson = "application/json; charset=utf-8";

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& param = {}) {
    res.status = status;
    res.set_content(dump(serve::error_body(status, serve::error_type_for(status), message, param)), kJson);
}

// What the handlers share once the model is loaded.
struct Loaded {
    std::unique_ptr<LlamaModel> model;
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<ThreadPool> pool;
    std::unique_ptr<Scheduler> scheduler;
    std::unique_ptr<serve::ChatPrompt> chat;
    std::string model_id;
    std::int64_t n_ctx_slot = 0;
    std::int64_t created = 0;
};

class Server {
public:
    explicit Server(const ServerOptions& o) : o_(o) {}
    int run();

private:
    void routes();
    void load();
    bool ready() const { return ready_.load(); }
    EngineRef engine() const { return {*loaded_.tokenizer, *loaded_.scheduler, loaded_.model_id, loaded_.n_ctx_slot}; }
    // Runs a handler body, answering errors in OpenAI's shape.
    template <typename F>
    void guarded(httplib::Response& res, F&& body);
    void completion(const httplib::Request& req, httplib::Response& res, serve::Endpoint endpoint);
    void answer(std::shared_ptr<Exchange> ex, bool stream, bool include_usage, httplib::Response& res);

    ServerOptions o_;
    httplib::Server http_;
    Loaded loaded_;
    std::atomic<bool> ready_{false}, stopping_{false};
    std::atomic<std::uint64_t> http_errors_{0};
};

template <typename F>
void Server::guarded(httplib::Response& res, F&& body) {
    try {
        body();
    } catch (const serve::ApiError& e) {
        res.status = e.status();
        res.set_content(dump(serve::error_body(e)), kJson);
    } catch (const Error& e) {
        send_error(res, 400, e.what());
    } catch (const std::exception& e) {
        send_error(res, 500, fmt::format("internal error: {}", e.what()));
    }
}

void Server::answer(std::shared_ptr<Exchange> ex, bool stream, bool include_usage, httplib::Response& res) {
    if (!stream) {
        while (!ex->finished()) ex->pump(std::chrono::milliseconds(200));
        if (!ex->error().empty()) return send_error(res, 500, fmt::format("generation failed: {}", ex->error()));
        res.set_content(dump(ex->response()), kJson);
        return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto done = std::make_shared<bool>(false);
    res.set_chunked_content_provider(
        "text/event-stream",
        [ex, include_usage, done](std::size_t, httplib::DataSink& sink) {
            auto write = [&](const std::string& s) { return sink.write(s.data(), s.size()); };
            const auto chunks = ex->pump(std::chrono::milliseconds(250));
            for (const auto& c : chunks)
                if (!write("data: " + dump(ex->chunk(c)) + "\n\n")) {
                    ex->cancel();  // the client went away: its slot is freed at the next step
                    return false;
                }
            if (chunks.empty() && !sink.is_writable()) {
                ex->cancel();
                return false;
            }
            if (ex->finished()) {
                if (!ex->error().empty()) {
                    const json err = serve::error_body(500, "server_error", fmt::format("generation failed: {}", ex->error()));
                    write("data: " + dump(err) + "\n\n");
                }
                if (include_usage) {
                    json u = ex->chunk(nullptr);
                    u["usage"] = ex->usage();
                    write("data: " + dump(u) + "\n\n");
                }
                write("data: [DONE]\n\n");
                *done = true;
                sink.done();
            }
            return true;
        },
        [ex, done](bool) {
            if (!*done) ex->cancel();
        });
}

void Server::completion(const httplib::Request& req, httplib::Response& res, serve::Endpoint endpoint) {
    guarded(res, [&] {
        const json body = serve::parse_json_body(req.body);
        const Tokenizer& tok = *loaded_.tokenizer;
        std::shared_ptr<Exchange> ex;
        bool stream = false, include_usage = false;
        if (endpoint == serve::Endpoint::Completions) {
            const serve::CompletionRequest r = serve::parse_completion_request(body, static_cast<std::int32_t>(loaded_.model->hparams().n_vocab));
            std::vector<std::vector<std::int32_t>> prompts;
            std::vector<std::string> texts;
            for (const auto& p : r.prompts) {
                if (const auto* s = std::get_if<std::string>(&p)) {
                    prompts.push_back(tok.encode(*s, true, true));
                    texts.push_back(*s);
                } else {
                    const auto& ids = std::get<std::vector<std::int32_t>>(p);
                    prompts.push_back(ids);
                    texts.push_back(tok.decode(ids, true));
                }
            }
            ex = std::make_shared<Exchange>(engine(), endpoint, r, std::move(prompts), std::move(texts), r.echo);
            stream = r.stream;
            include_usage = r.include_usage;
        } else {
            // the messages and tools in the client's key order, which templates that print JSON show
            const serve::ChatRequest r = serve::parse_chat_request(body, nlohmann::ordered_json::parse(req.body));
            const std::string text = loaded_.chat->render(r.messages, r.tools, r.template_kwargs);
            ex = std::make_shared<Exchange>(engine(), endpoint, r, std::vector<std::vector<std::int32_t>>{loaded_.chat->tokens(text)},
                                            std::vector<std::string>{text}, false);
            stream = r.stream;
            include_usage = r.include_usage;
        }
        ex->start();
        answer(std::move(ex), stream, include_usage, res);
    });
}

void Server::routes() {
    http_.set_payload_max_length(o_.max_body_bytes);
    http_.set_read_timeout(std::chrono::seconds(10));
    http_.set_write_timeout(std::chrono::seconds(10));
    http_.set_keep_alive_max_count(1000);
    const int threads = o_.http_threads > 0 ? o_.http_threads : std::max(32, 2 * o_.parallel + 16 + static_cast<int>(std::min<std::int64_t>(o_.max_queue, 128)));
    http_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };

    http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Access-Control-Allow-Origin", "*");
        if (req.method == "OPTIONS") {
            res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            res.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        const bool public_path = req.path == "/" || req.path == "/health";
        if (!public_path && !o_.api_key.empty()) {
            const std::string auth = req.get_header_value("Authorization");
            const std::string want = "Bearer " + o_.api_key;
            const std::string key = req.get_header_value("X-Api-Key");
            if (auth != want && key != o_.api_key) {
                send_error(res, 401, auth.empty() && key.empty() ? "no API key: send 'Authorization: Bearer KEY'" : "invalid API key");
                return httplib::Server::HandlerResponse::Handled;
            }
        }
        if (!public_path && (!ready() || stopping_)) {
            send_error(res, 503, stopping_ ? "the server is shutting down" : "the model is loading");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    http_.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
        ++http_errors_;
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's own error
        std::string message;
        switch (res.status) {
            case 404: message = "no such endpoint"; break;
            case 405: message = "method not allowed"; break;
            case 413: message = fmt::format("the request body is larger than {} bytes", o_.max_body_bytes); break;
            case 414: message = "the request line is too long"; break;
            case 400: message = "malformed HTTP request"; break;
            default: message = fmt::format("HTTP status {}", res.status);
        }
        send_error(res, res.status, message);
        return httplib::Server::HandlerResponse::Handled;
    }));

    http_.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
        if (!ready()) return send_error(res, 503, "the model is loading");
        res.set_content(dump({{"status", stopping_ ? "shutting down" : "ok"}}), kJson);
    });
    http_.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content(std::string(chat_page_html()), "text/html; charset=utf-8"); });
    auto models = [this](const httplib::Request&, httplib::Response& res) {
        const auto& hp = loaded_.model->hparams();
        json meta = {{"n_vocab", hp.n_vocab}, {"n_ctx_train", hp.n_ctx_train}, {"n_embd", hp.n_embd}, {"n_layer", hp.n_layer},
                     {"n_ctx_slot", loaded_.n_ctx_slot}, {"parallel", o_.parallel}, {"chat_template", loaded_.chat->source_name()}};
        json m = {{"id", loaded_.model_id}, {"object", "model"}, {"created", loaded_.created}, {"owned_by", "qforge"}, {"meta", meta}};
        res.set_content(dump({{"object", "list"}, {"data", json::array({m})}}), kJson);
    };
    http_.Get("/v1/models", models);
    http_.Get("/models", models);
    http_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { completion(req, res, serve::Endpoint::Completions); });
    http_.Post("/completions", [this](const httplib::Request& req, httplib::Response& res) { completion(req, res, serve::Endpoint::Completions); });
    http_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { completion(req, res, serve::Endpoint::Chat); });
    http_.Post("/chat/completions", [this](const httplib::Request& req, httplib::Response& res) { completion(req, res, serve::Endpoint::Chat); });
    http_.Post("/tokenize", [this](const httplib::Request& req, httplib::Response& res) {
        guarded(res, [&] {
            const json b = serve::parse_json_body(req.body);
            if (!b.contains("content") || !b["content"].is_string()) serve::invalid_request("'content' must be a string", "content");
            const bool add_special = b.value("add_special", false), with_pieces = b.value("with_pieces", false);
            const bool parse_special = b.value("parse_special", true);
            const auto ids = loaded_.tokenizer->encode(b["content"].get<std::string>(), add_special, parse_special);
            json tokens = json::array();
            for (auto id : ids) {
                if (with_pieces) tokens.push_back({{"id", id}, {"piece", loaded_.tokenizer->piece(id, true)}});
                else tokens.push_back(id);
            }
            res.set_content(dump({{"tokens", tokens}}), kJson);
        });
    });
    http_.Post("/detokenize", [this](const httplib::Request& req, httplib::Response& res) {
        guarded(res, [&] {
            const json b = serve::parse_json_body(req.body);
            if (!b.contains("tokens") || !b["tokens"].is_array()) serve::invalid_request("'tokens' must be a list of token ids", "tokens");
            std::vector<TokenId> ids;
            const auto n = static_cast<std::int64_t>(loaded_.tokenizer->size());
            for (const auto& t : b["tokens"]) {
                if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() >= n)
                    serve::invalid_request(fmt::format("'tokens' must hold token ids below {}", n), "tokens");
                ids.push_back(static_cast<TokenId>(t.get<std::int64_t>()));
            }
            res.set_content(dump({{"content", loaded_.tokenizer->decode(ids, false)}}), kJson);
        });
    });
    http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(serve::metrics_text(loaded_.scheduler->metrics(), http_errors_.load()), "text/plain; version=0.0.4");
    });
}

void Server::load() {
    const auto t0 = Clock::now();
    loaded_.model = open_model(o_.model);
    loaded_.tokenizer = std::make_unique<Tokenizer>(Tokenizer::from_gguf(loaded_.model->file().metadata(), o_.model));
    const auto& hp = loaded_.model->hparams();
    loaded_.n_ctx_slot = o_.n_ctx > 0 ? o_.n_ctx / o_.parallel : std::min<std::int64_t>(hp.n_ctx_train, 4096);
    if (loaded_.n_ctx_slot < 8) fail("-c {} shared by {} slots leaves {} positions each", o_.n_ctx, o_.parallel, loaded_.n_ctx_slot);
    loaded_.pool = std::make_unique<ThreadPool>(o_.threads);
    loaded_.chat = std::make_unique<serve::ChatPrompt>(*loaded_.tokenizer, o_.chat_template);
    SchedulerOptions so;
    so.parallel = o_.parallel;
    so.n_ctx = loaded_.n_ctx_slot;
    so.max_queue = o_.max_queue;
    // a quarter more blocks keep finished prompts for reuse
    so.extra_blocks = o_.parallel * ((loaded_.n_ctx_slot + so.block_tokens - 1) / so.block_tokens) / 4;
    loaded_.scheduler = std::make_unique<Scheduler>(*loaded_.model, *loaded_.tokenizer, *loaded_.pool, so);
    loaded_.model_id = o_.alias.empty() ? std::filesystem::path(o_.model).filename().string() : o_.alias;
    loaded_.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    fmt::print(stderr, "serve: {} loaded in {:.2f} s: {} slots of {} positions, KV pool {:.1f} MiB, {} threads, chat template: {}\n",
               loaded_.model_id, std::chrono::duration<double>(Clock::now() - t0).count(), o_.parallel, loaded_.n_ctx_slot,
               static_cast<double>(loaded_.scheduler->kv_bytes()) / (1 << 20), loaded_.pool->size(), loaded_.chat->source_name());
}

int Server::run() {
    // SIGTERM and SIGINT are taken by one thread with sigwait: blocked here, before any other thread starts
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR1);  // wakes the waiter when loading fails
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    routes();
    // cpp-httplib 0.11 listens with a backlog of 5: a burst of new connections beyond it waits a SYN retransmit
    // (a second). The socket is remembered when created and listens again with the system's maximum.
    int listen_fd = -1;
    http_.set_socket_options([&listen_fd](socket_t sock) {
        httplib::default_socket_options(sock);
        listen_fd = sock;
    });
    if (o_.port < 0 || o_.port > 65535) fail("--port {} is not a port number", o_.port);
    int port = o_.port;
    if (port == 0) {
        port = http_.bind_to_any_port(o_.host);
        if (port <= 0) fail("cannot listen on {} (any port)", o_.host);
    } else if (!http_.bind_to_port(o_.host, port)) {
        fail("cannot listen on {}:{} (in use, or not an address of this machine)", o_.host, port);
    }
    if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
    fmt::print(stderr, "serve: listening on http://{}:{}\n", o_.host, port);
    std::thread listener([this] { http_.listen_after_bind(); });

    // stop() does nothing before the listener runs
    auto stop_http = [this] {
        for (int i = 0; i < 2000 && !http_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        http_.stop();
    };
    std::atomic<int> code{0};
    std::thread signal_waiter([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGUSR1) return;  // woken to end after a failed load
        fmt::print(stderr, "serve: {} received, finishing running requests\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stopping_ = true;
        if (ready()) {
            const auto deadline = Clock::now() + std::chrono::duration<double>(o_.shutdown_grace_seconds);
            while (Clock::now() < deadline) {
                const auto m = loaded_.scheduler->metrics();
                if (m.active == 0 && m.queue_depth == 0) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            loaded_.scheduler->shutdown(false);  // whatever still runs is cancelled
        }
        stop_http();
    });
    try {
        load();
        ready_ = true;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        code = 1;
        stop_http();
        pthread_kill(signal_waiter.native_handle(), SIGUSR1);
    }
    listener.join();
    signal_waiter.join();
    fmt::print(stderr, "serve: stopped\n");
    return code;
}

}  // namespace

int run_server(const ServerOptions& options) {
    if (options.parallel < 1) fail("--parallel must be at least 1, not {}", options.parallel);
    Server server(options);
    return server.run();
}

}  // namespace qforge::serve_app
