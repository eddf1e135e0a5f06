// qforge bench -m MODEL [-p 512] [-n 128] [-t N] [-r REPS] [--parallel 1,4,8] [--json]
// Prefill and decode speed in llama-bench's table (tokens/s as mean ± sd over repetitions), with load time,
// peak RSS, model size and bits per weight. --json fields: model, kernels, size_bytes, parameters,
// bits_per_weight, threads, load_ms, n_prompt, pp_tps, pp_tps_sd, n_gen, tg_tps, tg_tps_sd, repetitions,
// peak_rss_mib, kernel_paths (the kernel and layout per weight type), bytes_per_token (weight bytes a decoded
// token reads), tg_gb_per_s, batched ({sequences, tps, tps_sd} per --parallel count: batched decode on the
// engine, every sequence one token per step, as llama-batched-bench).
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_bench_command(CLI::App& app) {
    auto req = std::make_shared<BenchRequest>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("bench", "Prefill and decode speed, load time and memory (as llama-bench)");
    cmd->add_option("-m,--model", req->model, "GGUF model")->required();
    cmd->add_option("-p,--n-prompt", req->n_prompt, "Prompt tokens (0: skip prefill)")->check(CLI::Range(0, 1 << 20));
    cmd->add_option("-n,--n-gen", req->n_gen, "Generated tokens (0: skip decode)")->check(CLI::Range(0, 1 << 20));
    cmd->add_option("-t,--threads", req->threads, "Threads (default: physical cores)");
    cmd->add_option("-r,--repetitions", req->repetitions, "Repetitions")->check(CLI::Range(1, 1000));
    cmd->add_option("--parallel", req->parallel, "Batched decode of N sequences at once, e.g. --parallel 1,4,8 (rows tgN xS)")
        ->delimiter(',')
        ->check(CLI::Range(1, 512));
    cmd->add_flag("--json", *json, "Print the result as JSON");
    cmd->callback([req, json] {
        const BenchReport r = bench(*req);
        if (*json) {
            fmt::print("{}\n", nlohmann::json{{"model", r.model},
                                              {"kernels", r.kernels},
                                              {"kernel_paths", r.kernel_paths},
                                              {"bytes_per_token", r.bytes_per_token},
                                              {"tg_gb_per_s", r.tg_gb_per_s},
                                              {"size_bytes", r.size_bytes},
                                              {"parameters", r.parameters},
                                              {"bits_per_weight", r.bits_per_weight},
                                              {"threads", r.threads},
                                              {"load_ms", r.load_ms},
                                              {"n_prompt", r.n_prompt},
                                              {"pp_tps", r.pp_tps},
                                              {"pp_tps_sd", r.pp_tps_sd},
                                              {"n_gen", r.n_gen},
                                              {"tg_tps", r.tg_tps},
                                              {"tg_tps_sd", r.tg_tps_sd},
                                              {"repetitions", r.repetitions},
                                              {"peak_rss_mib", r.peak_rss_mib},
                                              {"batched", [&] {
                                                   auto a = nlohmann::json::array();
                                                   for (const auto& d : r.batched)
                                                       a.push_back({{"sequences", d.sequences}, {"tps", d.tps}, {"tps_sd", d.tps_sd}});
                                                   return a;
                                               }()}}
                                   .dump(2));
            return;
        }
        const double mib = static_cast<double>(r.size_bytes) / (1024.0 * 1024.0);
        const double params_m = static_cast<double>(r.parameters) / 1e6;
        fmt::print("| model | size | params | bpw | backend | threads | test | t/s |\n");
        fmt::print("| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |\n");
        auto row = [&](const std::string& test, double m, double sd) {
            fmt::print("| {} | {:.2f} MiB | {:.2f} M | {:.2f} | CPU ({}) | {} | {} | {:.2f} ± {:.2f} |\n", r.model, mib,
                       params_m, r.bits_per_weight, r.kernels, r.threads, test, m, sd);
        };
        if (r.n_prompt > 0) row(fmt::format("pp{}", r.n_prompt), r.pp_tps, r.pp_tps_sd);
        if (r.n_gen > 0) row(fmt::format("tg{}", r.n_gen), r.tg_tps, r.tg_tps_sd);
        for (const auto& d : r.batched) row(fmt::format("tg{} x{}", r.n_gen, d.sequences), d.tps, d.tps_sd);
        fmt::print("\nkernels: {}\n", fmt::join(r.kernel_paths, ", "));
        if (r.n_gen > 0)
            fmt::print("decode reads {:.2f} MiB of weights per token: {:.1f} GB/s at tg{}\n",
                       static_cast<double>(r.bytes_per_token) / (1024.0 * 1024.0), r.tg_gb_per_s, r.n_gen);
        fmt::print("load time: {:.1f} ms, peak RSS: {:.1f} MiB, {} repetitions\n", r.load_ms, r.peak_rss_mib, r.repetitions);
    });
}

}  // namespace qforge::cli
