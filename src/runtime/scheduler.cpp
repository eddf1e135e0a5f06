#include "runtime/scheduler.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace qforge {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

const char* finish_reason_name(FinishReason r) {
    switch (r) {
        case FinishReason::Stop: return "stop";
        case FinishReason::Length: return "length";
        case FinishReason::Cancelled: return "cancelled";
        case FinishReason::Error: return "error";
    }
    return "error";
}

// A request in a slot.
struct Scheduler::Active {
    std::uint64_t id;
    SequenceRequest request;
    Sampler sampler;
    KvSequence kv;
    std::vector<std::int32_t> tokens;  // prompt, then every generated token fed back
    std::int64_t n_past = 0;           // positions whose keys and values are in the pool
    std::int64_t generated = 0;
    std::int64_t cached = 0;           // prompt positions taken from the pool
    std::vector<TokenLogprob> prompt_logprobs;
    bool done = false;
    // this step's rows
    std::int64_t step_first = 0, step_count = 0, logit_row = -1;
    Active(std::uint64_t id_, SequenceRequest r) : id(id_), request(std::move(r)), sampler(request.sampling), tokens(request.prompt) {}
    bool prefilling() const { return n_past < static_cast<std::int64_t>(request.prompt.size()); }
};

Scheduler::Scheduler(const LlamaModel& model, const Tokenizer& tokenizer, ThreadPool& pool, const SchedulerOptions& o)
    : model_(model), tokenizer_(tokenizer), o_(o),
      kv_(BatchForward::make_pool(model, std::max<std::int64_t>(1, o.parallel) * ((o.n_ctx + o.block_tokens - 1) / o.block_tokens) + o.extra_blocks,
                                  o.block_tokens)),
      blocks_(kv_.n_blocks(), o.block_tokens), forward_(model, o.max_batch, o.n_ctx, pool), started_(Clock::now()) {
    if (o.parallel < 1) fail("scheduler: at least one slot, not {}", o.parallel);
    if (o.n_ctx < 2) fail("scheduler: a context of {} positions is too small", o.n_ctx);
    metrics_.block_tokens = o.block_tokens;
    metrics_.kv = blocks_.stats();
    const auto B = static_cast<std::size_t>(o.max_batch);
    tokens_.reserve(B);
    positions_.reserve(B);
    seq_.reserve(B);
    want_.reserve(B);
    tables_.reserve(static_cast<std::size_t>(o.parallel));
    logits_.resize(B * static_cast<std::size_t>(model.hparams().n_vocab));
    thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { shutdown(false); }

std::uint64_t Scheduler::submit(SequenceRequest r) {
    const auto n_vocab = model_.hparams().n_vocab;
    if (r.prompt.empty()) fail("the prompt has no tokens");
    for (auto t : r.prompt)
        if (t < 0 || t >= n_vocab) fail("token id {} is outside the vocabulary ({} tokens)", t, n_vocab);
    if (static_cast<std::int64_t>(r.prompt.size()) + (r.max_tokens > 0 ? 1 : 0) > o_.n_ctx)
        fail("the prompt has {} tokens, more than the context of {} allows", r.prompt.size(), o_.n_ctx);
    if (r.max_tokens < 0) fail("max_tokens must not be negative, not {}", r.max_tokens);
    std::lock_guard lock(mutex_);
    if (stopping_) throw QueueFull("the server is shutting down");
    if (static_cast<std::int64_t>(queue_.size()) >= o_.max_queue) throw QueueFull(fmt::format("{} requests are waiting already", queue_.size()));
    const std::uint64_t id = next_id_++;
    queue_.push_back({id, std::move(r)});
    ++metrics_.requests_total;
    metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
    wake_.notify_one();
    return id;
}

void Scheduler::cancel(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    cancelled_.push_back(id);
    wake_.notify_one();
}

void Scheduler::shutdown(bool drain) {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        draining_ = drain;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

SchedulerMetrics Scheduler::metrics() const {
    std::lock_guard lock(mutex_);
    SchedulerMetrics m = metrics_;
    m.uptime_seconds = since(started_);
    return m;
}

void Scheduler::finish(Active& a, FinishReason reason, const std::string& message) {
    if (a.done) return;
    a.done = true;
    blocks_.release(a.kv);
    {
        // counted before the request hears of it
        std::lock_guard lock(mutex_);
        ++metrics_.requests_finished;
        if (reason == FinishReason::Cancelled) ++metrics_.requests_cancelled;
        metrics_.kv = blocks_.stats();
    }
    SequenceEvent e{SequenceEvent::Kind::Finished};
    e.reason = reason;
    e.message = message;
    if (a.request.on_event) a.request.on_event(e);
}

void Scheduler::loop() {
    std::vector<std::unique_ptr<Active>> running;
    for (;;) {
        std::vector<std::uint64_t> cancelled;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !running.empty() || !cancelled_.empty(); });
            cancelled.swap(cancelled_);
            if (stopping_ && !draining_) {
                for (auto& q : queue_) running.push_back(std::make_unique<Active>(q.id, std::move(q.request)));
                queue_.clear();
                lock.unlock();
                for (auto& a : running) finish(*a, FinishReason::Cancelled);
                break;
            }
            // cancelled while still queued
            for (auto it = queue_.begin(); it != queue_.end();) {
                if (std::find(cancelled.begin(), cancelled.end(), it->id) != cancelled.end()) {
                    auto a = std::make_unique<Active>(it->id, std::move(it->request));
                    it = queue_.erase(it);
                    lock.unlock();
                    finish(*a, FinishReason::Cancelled);
                    lock.lock();
                } else {
                    ++it;
                }
            }
            // admit into free slots
            while (static_cast<int>(running.size()) < o_.parallel && !queue_.empty()) {
                running.push_back(std::make_unique<Active>(queue_.front().id, std::move(queue_.front().request)));
                queue_.pop_front();
            }
            metrics_.queue_depth = static_cast<std::int64_t>(queue_.size());
            metrics_.active = static_cast<std::int64_t>(running.size());
            if (running.empty() && stopping_ && queue_.empty()) break;
        }
        for (auto& a : running)
            if (!a->done && std::find(cancelled.begin(), cancelled.end(), a->id) != cancelled.end()) finish(*a, FinishReason::Cancelled);
        // newly admitted: take what the pool still holds of their prompts (at least the last prompt token is
        // computed; all of them when their log-probabilities are asked for)
        for (auto& a : running)
            if (!a->done && a->n_past == 0 && a->kv.blocks.empty()) {
                const auto& p = a->request.prompt;
                const std::int64_t reusable = a->request.prompt_logprobs ? 0 : static_cast<std::int64_t>(p.size()) - 1;
                a->n_past = a->cached = blocks_.attach_prefix(a->kv, p, reusable);
                std::lock_guard lock(mutex_);
                metrics_.prompt_tokens_total += p.size();
                metrics_.prompt_tokens_cached += static_cast<std::uint64_t>(a->n_past);
            }
        if (!running.empty()) {
            try {
                step(running);
            } catch (const std::exception& e) {
                for (auto& a : running) finish(*a, FinishReason::Error, e.what());
            }
        }
        std::erase_if(running, [](const auto& a) { return a->done; });
        std::lock_guard lock(mutex_);
        metrics_.active = static_cast<std::int64_t>(running.size());
        metrics_.kv = blocks_.stats();
    }
}

bool Scheduler::step(std::vector<std::unique_ptr<Active>>& running) {
    const auto start = Clock::now();
    const std::int64_t n_vocab = model_.hparams().n_vocab;
    tokens_.clear();
    positions_.clear();
    seq_.clear();
    want_.clear();
    tables_.clear();
    std::int64_t budget = o_.max_batch;
    auto add = [&](Active& a, std::int32_t seq, std::int64_t n, bool logits_all, bool logits_last) {
        a.step_first = static_cast<std::int64_t>(tokens_.size());
        a.step_count = n;
        for (std::int64_t i = 0; i < n; ++i) {
            tokens_.push_back(a.tokens[static_cast<std::size_t>(a.n_past + i)]);
            positions_.push_back(static_cast<std::int32_t>(a.n_past + i));
            seq_.push_back(seq);
            want_.push_back(logits_all || (logits_last && i == n - 1) ? 1 : 0);
        }
        budget -= n;
    };
    // every generating sequence's next token first, then prompt chunks in order of arrival
    for (auto& a : running) a->step_count = 0;
    for (int pass = 0; pass < 2; ++pass)
        for (auto& ap : running) {
            Active& a = *ap;
            if (a.done || budget <= 0 || a.prefilling() != (pass == 1)) continue;
            const std::int64_t n = pass == 0 ? 1 : std::min<std::int64_t>(budget, static_cast<std::int64_t>(a.request.prompt.size()) - a.n_past);
            if (!blocks_.reserve(a.kv, a.n_past + n)) continue;  // the pool is full: wait for a sequence to end
            const auto seq = static_cast<std::int32_t>(tables_.size());
            tables_.push_back(a.kv.blocks);
            const bool prompt_end = pass == 1 && a.n_past + n == static_cast<std::int64_t>(a.request.prompt.size());
            add(a, seq, n, pass == 1 && a.request.prompt_logprobs, pass == 0 || prompt_end);
        }
    if (tokens_.empty()) {
        // nothing fits: every sequence waits on blocks another holds (cannot happen while the pool holds
        // parallel * n_ctx positions); fail the newest rather than spin
        for (auto it = running.rbegin(); it != running.rend(); ++it)
            if (!(*it)->done) {
                finish(**it, FinishReason::Error, "the KV cache is full");
                break;
            }
        return false;
    }
    const BatchInput in{tokens_, positions_, seq_, want_, tables_};
    forward_.step(kv_, in, logits_.data());

    // logit rows in batch order
    std::int64_t row = 0;
    auto& order = order_;
    order.clear();
    for (auto& a : running)
        if (a->step_count > 0) order.emplace_back(a->step_first, a.get());
    std::sort(order.begin(), order.end());
    std::uint64_t generated = 0;
    for (auto& [first, ap] : order) {
        Active& a = *ap;
        const bool was_prefilling = a.prefilling();
        const std::int64_t n = a.step_count;
        const float* last = nullptr;
        if (was_prefilling && a.request.prompt_logprobs) {
            // rows for every token of the chunk: each predicts the prompt token after it
            for (std::int64_t i = 0; i < n; ++i, ++row) {
                const std::int64_t next = a.n_past + i + 1;
                const float* l = logits_.data() + row * n_vocab;
                if (next < static_cast<std::int64_t>(a.request.prompt.size()))
                    a.prompt_logprobs.push_back(token_logprob(l, n_vocab, a.request.prompt[static_cast<std::size_t>(next)], a.request.prompt_top_logprobs));
                last = l;
            }
        } else if (want_[static_cast<std::size_t>(first + n - 1)] != 0) {
            last = logits_.data() + row * n_vocab;
            ++row;
        }
        a.n_past += n;
        if (a.kv.n_registered < a.n_past / o_.block_tokens) blocks_.register_full_blocks(a.kv, std::span(a.tokens).first(static_cast<std::size_t>(a.n_past)));
        if (was_prefilling) {
            if (a.prefilling()) continue;
            for (auto t : a.request.prompt) a.sampler.accept(t);
            SequenceEvent e{SequenceEvent::Kind::Prompt};
            e.cached_tokens = a.cached;
            e.prompt_logprobs = std::move(a.prompt_logprobs);
            if (a.request.on_event && !a.request.on_event(e)) {
                finish(a, FinishReason::Cancelled);
                continue;
            }
            if (a.request.max_tokens == 0) {
                finish(a, FinishReason::Length);
                continue;
            }
        }
        // sample the next token from the last row
        const std::int32_t tok = a.sampler.sample(last, n_vocab);
        a.sampler.accept(tok);
        ++a.generated;
        ++generated;
        const bool eog = tokenizer_.is_end_of_generation(tok) && !a.request.ignore_eos;
        SequenceEvent e{SequenceEvent::Kind::Token};
        e.token = a.request.top_logprobs >= 0 ? token_logprob(last, n_vocab, tok, a.request.top_logprobs) : TokenLogprob{tok, 0.0f, {}};
        if (!eog && a.request.on_event && !a.request.on_event(e)) {
            finish(a, FinishReason::Cancelled);
            continue;
        }
        if (eog) finish(a, FinishReason::Stop);
        else if (a.generated >= a.request.max_tokens || a.n_past + 1 >= o_.n_ctx) finish(a, FinishReason::Length);
        else a.tokens.push_back(tok);
    }
    const double seconds = since(start);
    std::lock_guard lock(mutex_);
    ++metrics_.steps;
    metrics_.busy_seconds += seconds;
    metrics_.generated_tokens_total += generated;
    const double now = since(started_);
    rate_window_.emplace_back(now, generated);
    while (!rate_window_.empty() && rate_window_.front().first < now - 5.0) rate_window_.pop_front();
    std::uint64_t sum = 0;
    for (const auto& w : rate_window_) sum += w.second;
    const double span = rate_window_.size() > 1 ? now - rate_window_.front().first : seconds;
    metrics_.decode_tokens_per_second = span > 0 ? static_cast<double>(sum) / span : 0.0;
    return true;
}

}  // namespace qforge
