#include "eval/speed_bench.h"

#include <chrono>
#include <cmath>
#include <algorithm>
#include <random>
#include <span>
#include <sys/resource.h>
#include <vector>

#include "core/error.h"
#include "convert/open_model.h"
#include "core/thread_pool.h"
#include "model/batch_forward.h"
#include "model/llama_session.h"

namespace qforge {
namespace {

using clock_type = std::chrono::steady_clock;

std::pair<double, double> mean_sd(const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    for (double x : v) s += (x - m) * (x - m);
    return {m, v.size() > 1 ? std::sqrt(s / static_cast<double>(v.size() - 1)) : 0.0};
}

double peak_rss_mib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace

SpeedResult measure_speed(const std::string& model_path, const SpeedOptions& o) {
    if (o.n_prompt < 0 || o.n_gen < 0 || o.n_prompt + o.n_gen == 0)
        fail("bench: nothing to measure (-p {} -n {})", o.n_prompt, o.n_gen);
    if (o.repetitions < 1) fail("bench: repetitions must be at least 1, not {}", o.repetitions);
    SpeedResult r;
    r.model = model_path;
    const auto t0 = clock_type::now();
    const auto opened = open_model(model_path);
    const LlamaModel& model = *opened;
    r.load_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
    for (const auto& t : model.file().tensors()) {
        r.parameters += static_cast<std::uint64_t>(t.n_elements());
        r.size_bytes += t.data.size();
    }
    r.bits_per_weight = r.parameters > 0 ? 8.0 * static_cast<double>(r.size_bytes) / static_cast<double>(r.parameters) : 0;
    ThreadPool pool(o.threads);
    r.threads = pool.size();
    r.n_prompt = o.n_prompt;
    r.n_gen = o.n_gen;
    r.repetitions = o.repetitions;
    r.kernel_paths = model.kernel_summary();
    r.bytes_per_token = model.matrix_bytes();
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::int32_t> tok(0, static_cast<std::int32_t>(model.hparams().n_vocab - 1));
    std::vector<std::int32_t> prompt(static_cast<std::size_t>(o.n_prompt));
    for (auto& t : prompt) t = tok(rng);
    std::vector<double> pp, tg;
    std::vector<float> logits;
    LlamaSession session(model, std::max(o.n_prompt, o.n_gen) + 1, pool);
    auto generate = [&](int n) {
        for (int i = 0; i < n; ++i) {
            const std::int32_t one[] = {tok(rng)};
            session.decode(one, false, logits);
        }
    };
    // warm-up, as llama-bench: a short prompt and one generated token
    if (o.n_prompt > 0) {
        session.reset();
        session.decode(std::span(prompt).first(static_cast<std::size_t>(std::min(o.n_prompt, 32))), false, logits);
    }
    if (o.n_gen > 0) {
        session.reset();
        generate(1);
    }
    for (int rep = 0; rep < o.repetitions; ++rep) {
        if (o.n_prompt > 0) {
            session.reset();
            const auto a = clock_type::now();
            session.decode(prompt, false, logits);
            pp.push_back(o.n_prompt / std::chrono::duration<double>(clock_type::now() - a).count());
        }
        if (o.n_gen > 0) {
            session.reset();
            const auto a = clock_type::now();
            generate(o.n_gen);
            tg.push_back(o.n_gen / std::chrono::duration<double>(clock_type::now() - a).count());
        }
    }
    // batched decode: N sequences from position 0, one token of each per step, on one pool
    for (int n_seq : o.parallel) {
        if (n_seq < 1 || o.n_gen < 1) fail("bench: batched decode needs sequences >= 1 and -n >= 1 (not {} and {})", n_seq, o.n_gen);
        constexpr std::int64_t kBlock = 16;
        const std::int64_t per_seq = (o.n_gen + 1 + kBlock - 1) / kBlock;
        KvPool kv = BatchForward::make_pool(model, per_seq * n_seq, kBlock);
        BatchForward forward(model, n_seq, o.n_gen + 1, pool);
        std::vector<std::vector<std::int32_t>> tables(static_cast<std::size_t>(n_seq));
        for (int q = 0; q < n_seq; ++q)
            for (std::int64_t b = 0; b < per_seq; ++b) tables[static_cast<std::size_t>(q)].push_back(static_cast<std::int32_t>(q * per_seq + b));
        const std::vector<KvTable> spans(tables.begin(), tables.end());
        std::vector<std::int32_t> tokens(static_cast<std::size_t>(n_seq)), positions(tokens.size()), seq(tokens.size());
        const std::vector<std::uint8_t> want(tokens.size(), 1);
        std::vector<float> out(tokens.size() * static_cast<std::size_t>(model.hparams().n_vocab));
        for (int q = 0; q < n_seq; ++q) seq[static_cast<std::size_t>(q)] = q;
        auto run = [&](int steps) {
            for (int i = 0; i < steps; ++i) {
                for (auto& t : tokens) t = tok(rng);
                std::fill(positions.begin(), positions.end(), i);
                forward.step(kv, BatchInput{tokens, positions, seq, want, spans}, out.data());
            }
        };
        run(1);  // warm-up
        std::vector<double> rates;
        for (int rep = 0; rep < o.repetitions; ++rep) {
            const auto a = clock_type::now();
            run(o.n_gen);
            rates.push_back(static_cast<double>(n_seq) * o.n_gen / std::chrono::duration<double>(clock_type::now() - a).count());
        }
        BatchedDecode d;
        d.sequences = n_seq;
        std::tie(d.tps, d.tps_sd) = mean_sd(rates);
        r.batched.push_back(d);
    }
    if (!pp.empty()) std::tie(r.pp_tps, r.pp_tps_sd) = mean_sd(pp);
    if (!tg.empty()) std::tie(r.tg_tps, r.tg_tps_sd) = mean_sd(tg);
    r.peak_rss_mib = peak_rss_mib();
    return r;
}

}  // namespace qforge
