#pragma once
// Engine speed on one model, as llama-bench measures it: load time, prompt processing (prefill) and generation
// (decode) tokens per second as mean and standard deviation over repetitions, plus model size, bits per weight
// and the process's peak resident memory. Token ids are random, so models without a tokenizer work too. As in
// llama-bench, prefill and decode each start from an empty context after one warm-up run. With `parallel`,
// batched decode as llama-batched-bench measures it: N sequences decoding together on the batched engine, each
// step one token of every sequence, reported as aggregate tokens per second.
#include <cstdint>
#include <string>
#include <vector>

namespace qforge {

struct SpeedOptions {
    int n_prompt = 512, n_gen = 128, repetitions = 3, threads = 0;
    std::vector<int> parallel;  // sequence counts for batched decode (n_gen steps each)
};

struct BatchedDecode {
    int sequences = 0;
    double tps = 0, tps_sd = 0;  // all sequences' tokens per second
};

struct SpeedResult {
    std::string model;
    std::uint64_t size_bytes = 0, parameters = 0;
    double bits_per_weight = 0;
    int threads = 0;
    double load_ms = 0;
    int n_prompt = 0, n_gen = 0, repetitions = 0;
    double pp_tps = 0, pp_tps_sd = 0, tg_tps = 0, tg_tps_sd = 0;
    double peak_rss_mib = 0;
    // The kernel each weight type runs on ("q4_K: q4_K_r16 (avx512-vnni)"), and the bytes a decoded token reads
    // from the weight matrices as those kernels store them (repacked or in place).
    std::vector<std::string> kernel_paths;
    std::uint64_t bytes_per_token = 0;
    std::vector<BatchedDecode> batched;
};

SpeedResult measure_speed(const std::string& model_path, const SpeedOptions& options);

}  // namespace qforge
