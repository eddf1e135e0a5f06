// End-to-end engine speed on one model: load time, prompt processing (prefill) and generation (decode)
// tokens per second as mean ± sd over repetitions, and the process's peak RSS.
//   engine_bench -m MODEL.gguf [-p 512] [-n 128] [-t N] [-r 3] [--json]
// Token ids are random (no tokenizer needed), so synthetic models from make_synthetic_model work.
#include <chrono>
#include <cmath>
#include <random>
#include <sys/resource.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/llama_session.h"

using namespace qforge;
using clock_type = std::chrono::steady_clock;

namespace {

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
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"qforge engine benchmark"};
    std::string model_path;
    int n_prompt = 512, n_gen = 128, threads = 0, reps = 3;
    bool json = false;
    app.add_option("-m,--model", model_path, "GGUF model")->required();
    app.add_option("-p,--n-prompt", n_prompt, "Prompt tokens");
    app.add_option("-n,--n-gen", n_gen, "Generated tokens");
    app.add_option("-t,--threads", threads, "Threads (default: physical cores)");
    app.add_option("-r,--repetitions", reps, "Repetitions")->check(CLI::Range(1, 100));
    app.add_flag("--json", json, "JSON output");
    CLI11_PARSE(app, argc, argv);
    try {
        const auto t0 = clock_type::now();
        const LlamaModel model(model_path);
        const double load_ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        ThreadPool pool(threads);
        std::mt19937 rng(7);
        std::uniform_int_distribution<std::int32_t> tok(0, static_cast<std::int32_t>(model.hparams().n_vocab - 1));
        std::vector<std::int32_t> prompt(static_cast<std::size_t>(n_prompt));
        for (auto& t : prompt) t = tok(rng);
        std::vector<double> pp, tg;
        std::vector<float> logits;
        LlamaSession session(model, n_prompt + n_gen + 1, pool);
        for (int r = 0; r < reps; ++r) {
            session.reset();
            auto a = clock_type::now();
            if (n_prompt > 0) session.decode(prompt, false, logits);
            pp.push_back(n_prompt / std::chrono::duration<double>(clock_type::now() - a).count());
            a = clock_type::now();
            for (int i = 0; i < n_gen; ++i) {
                const std::int32_t one[] = {tok(rng)};
                session.decode(one, false, logits);
            }
            tg.push_back(n_gen / std::chrono::duration<double>(clock_type::now() - a).count());
        }
        const auto [pp_m, pp_sd] = mean_sd(pp);
        const auto [tg_m, tg_sd] = mean_sd(tg);
        const double size_mib = static_cast<double>(model.file().file_size()) / (1024.0 * 1024.0);
        if (json) {
            fmt::print("{}\n", nlohmann::json{{"model", model_path}, {"size_mib", size_mib}, {"threads", pool.size()},
                                              {"load_ms", load_ms}, {"n_prompt", n_prompt}, {"pp_tps", pp_m},
                                              {"pp_tps_sd", pp_sd}, {"n_gen", n_gen}, {"tg_tps", tg_m},
                                              {"tg_tps_sd", tg_sd}, {"peak_rss_mib", peak_rss_mib()}}.dump());
        } else {
            fmt::print("| model | size | threads | load ms | test | t/s |\n|---|---:|---:|---:|---|---:|\n");
            fmt::print("| {} | {:.1f} MiB | {} | {:.1f} | pp{} | {:.2f} ± {:.2f} |\n", model_path, size_mib, pool.size(), load_ms, n_prompt, pp_m, pp_sd);
            fmt::print("| {} | {:.1f} MiB | {} | {:.1f} | tg{} | {:.2f} ± {:.2f} |\n", model_path, size_mib, pool.size(), load_ms, n_gen, tg_m, tg_sd);
            fmt::print("peak RSS: {:.1f} MiB\n", peak_rss_mib());
        }
    } catch (const Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
