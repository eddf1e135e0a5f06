#include "eval/multiple_choice.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"
#include "model/batch_forward.h"

namespace qforge {
namespace {

// llama.cpp's softmax for the first token of each choice: float exponentials, a double sum, float division.
std::vector<float> first_token_probs(const float* logits, std::int64_t n_vocab) {
    const float max = *std::max_element(logits, logits + n_vocab);
    std::vector<float> probs(static_cast<std::size_t>(n_vocab));
    double sum = 0.0;
    for (std::int64_t i = 0; i < n_vocab; ++i) {
        probs[static_cast<std::size_t>(i)] = std::exp(logits[i] - max);
        sum += probs[static_cast<std::size_t>(i)];
    }
    for (auto& p : probs) p = static_cast<float>(p / sum);
    return probs;
}

// llama.cpp's compute_logprobs: a float sum of float exponentials.
float token_logprob(const float* logits, std::int64_t n_vocab, std::int32_t token) {
    const float max = *std::max_element(logits, logits + n_vocab);
    float sum = 0.0f;
    for (std::int64_t i = 0; i < n_vocab; ++i) sum += std::exp(logits[i] - max);
    return logits[token] - max - std::log(sum);
}

struct Tokenized {
    std::vector<std::vector<std::int32_t>> seqs;
    std::size_t common = 0;
};

Tokenized tokenize_task(const Tokenizer& tok, const McTask& t) {
    Tokenized r;
    for (const auto& c : t.choices) r.seqs.push_back(tok.encode(t.context + " " + c, true, false));
    std::size_t shortest = r.seqs[0].size();
    for (const auto& s : r.seqs) shortest = std::min(shortest, s.size());
    if (shortest < 2) fail("multiple choice: a task tokenizes to fewer than two tokens: '{}'", t.context);
    while (r.common < shortest - 1) {
        bool same = true;
        for (const auto& s : r.seqs) same = same && s[r.common] == r.seqs[0][r.common];
        if (!same) break;
        ++r.common;
    }
    if (r.common == 0) fail("multiple choice: the choices of task '{}' share no tokens (not even BOS)", t.context);
    return r;
}

double stderr_percent(double hits, double n) { return n > 1 ? 100.0 * std::sqrt(hits / n * (1 - hits / n) / (n - 1)) : 0.0; }

}  // namespace

std::vector<std::size_t> llama_task_order(std::size_t total, std::size_t n_tasks, bool randomize) {
    n_tasks = std::min(n_tasks, total);
    std::vector<std::size_t> order;
    if (!randomize) {
        order.resize(n_tasks);
        std::iota(order.begin(), order.end(), 0);
        return order;
    }
    std::vector<std::size_t> remaining(total);
    std::iota(remaining.begin(), remaining.end(), 0);
    std::mt19937 rng(1);
    for (std::size_t i = 0; i < n_tasks; ++i) {
        std::uniform_int_distribution<std::size_t> dist(0, remaining.size() - 1);
        const std::size_t idx = dist(rng);
        order.push_back(remaining[idx]);
        remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(idx));
    }
    return order;
}

McResult score_multiple_choice(const LlamaModel& model, const Tokenizer& tok, const std::vector<McTask>& tasks,
                               const McOptions& o, ThreadPool& pool) {
    if (tasks.empty()) fail("multiple choice: no tasks");
    const std::vector<std::size_t> order = llama_task_order(tasks.size(), o.limit == 0 ? tasks.size() : o.limit, o.randomize);
    std::vector<Tokenized> tokenized;
    std::size_t longest = 0;
    for (std::size_t idx : order) {
        tokenized.push_back(tokenize_task(tok, tasks[idx]));
        for (const auto& s : tokenized.back().seqs) longest = std::max(longest, s.size());
    }
    const std::int64_t n_vocab = model.hparams().n_vocab;
    if (static_cast<std::int64_t>(longest) > model.hparams().n_ctx_train && !o.allow_beyond_training_context)
        fail("multiple choice: a task needs {} tokens, beyond the model's training context of {} (--no-ctx-check to "
             "evaluate anyway)", longest, model.hparams().n_ctx_train);
    // One batch per task: the shared tokens once, then every choice's own tokens as sequences of their own that
    // read the shared positions (a pool of one-position blocks: each choice's table lists the shared blocks, then
    // blocks of its own). Results do not depend on the batching, so the figures are the one-by-one figures.
    std::size_t widest = 1, most_choices = 1;
    for (const auto& t : tokenized) {
        std::size_t own = 0;
        for (const auto& q : t.seqs) own += q.size() - 1 - t.common;
        widest = std::max(widest, own);
        most_choices = std::max(most_choices, t.seqs.size());
    }
    const auto max_tokens = static_cast<std::int64_t>(std::max(widest, longest));
    BatchForward forward(model, max_tokens, static_cast<std::int64_t>(longest), pool);
    KvPool kv = BatchForward::make_pool(model, static_cast<std::int64_t>(longest + widest), 1);
    std::vector<std::vector<std::int32_t>> tables(most_choices);
    std::vector<KvTable> spans;
    std::vector<std::int32_t> tokens, positions, seq;
    std::vector<std::uint8_t> want;
    std::vector<float> logits(static_cast<std::size_t>(max_tokens * n_vocab));
    double hits = 0, hits_norm = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
        const McTask& task = tasks[order[i]];
        const Tokenized& t = tokenized[i];
        // the shared tokens, blocks 0..common-1
        tables[0].resize(t.common);
        std::iota(tables[0].begin(), tables[0].end(), 0);
        positions.resize(t.common);
        std::iota(positions.begin(), positions.end(), 0);
        seq.assign(t.common, 0);
        spans.assign(1, tables[0]);
        forward.step(kv, BatchInput{std::span(t.seqs[0].data(), t.common), positions, seq, {}, spans}, logits.data());
        const std::vector<float> first = first_token_probs(logits.data(), n_vocab);
        // every choice's own tokens but the last (whose prediction is not needed), one sequence each
        tokens.clear();
        positions.clear();
        seq.clear();
        spans.clear();
        auto next_block = static_cast<std::int32_t>(t.common);
        for (std::size_t s = 0; s < t.seqs.size(); ++s) {
            const auto& q = t.seqs[s];
            const std::size_t n_eval = q.size() - 1 - t.common;
            auto& table = tables[s];
            table.resize(t.common);
            std::iota(table.begin(), table.end(), 0);
            for (std::size_t j = 0; j < n_eval; ++j) {
                table.push_back(next_block++);
                tokens.push_back(q[t.common + j]);
                positions.push_back(static_cast<std::int32_t>(t.common + j));
                seq.push_back(static_cast<std::int32_t>(s));
            }
        }
        for (std::size_t s = 0; s < t.seqs.size(); ++s) spans.emplace_back(tables[s]);
        want.assign(tokens.size(), 1);
        if (!tokens.empty()) forward.step(kv, BatchInput{tokens, positions, seq, want, spans}, logits.data());
        std::vector<double> sum(t.seqs.size()), mean(t.seqs.size());
        std::size_t row = 0;
        for (std::size_t s = 0; s < t.seqs.size(); ++s) {
            const auto& q = t.seqs[s];
            double lp = std::log(first[static_cast<std::size_t>(q[t.common])]);
            const std::size_t n_eval = q.size() - 1 - t.common;
            for (std::size_t j = 0; j < n_eval; ++j, ++row)
                lp += token_logprob(logits.data() + row * static_cast<std::size_t>(n_vocab), n_vocab, q[t.common + j + 1]);
            sum[s] = lp;
            mean[s] = lp / static_cast<double>(q.size() - t.common);
        }
        // the first strictly greater wins, as in llama.cpp
        const auto best_of = [](const std::vector<double>& v) {
            return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
        };
        hits += best_of(sum) == task.label;
        hits_norm += best_of(mean) == task.label;
        if (o.on_task) o.on_task(i + 1, 100.0 * hits_norm / static_cast<double>(i + 1));
    }
    McResult r;
    const auto n = static_cast<double>(order.size());
    r.tasks = order.size();
    r.acc = 100.0 * hits / n;
    r.acc_stderr = stderr_percent(hits, n);
    r.acc_norm = 100.0 * hits_norm / n;
    r.acc_norm_stderr = stderr_percent(hits_norm, n);
    return r;
}

}  // namespace qforge
