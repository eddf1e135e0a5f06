#pragma once
// `qforge advise`: for each format a model can be deployed in on a device, the memory it needs (weights, KV
// cache at the asked context and batch, runtime overhead), whether that fits, the decode speed memory
// bandwidth allows, and one recommendation with its reason. The rules are the seed documents' selection
// tables turned into arithmetic: GGUF k-quants for CPU and Apple (llama.cpp), AWQ/GPTQ for NVIDIA serving, FP8
// on Hopper/Ada, F16 when it fits a GPU, Q8_0 when quality is paramount. On CPU and Apple with a memory limit,
// a budget plan (qforge quantize --target-size) sized to the memory left for weights, recommended where it
// holds clearly more bits than the largest fixed mix that fits.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/advise/format_sizes.h"
#include "eval/advise/model_shape.h"

namespace qforge {

struct AdviseOptions {
    std::string device = "cpu";      // cpu | nvidia | apple
    std::string gpu_arch;            // nvidia: hopper | ada | ampere | ... (FP8 needs hopper or ada)
    std::optional<double> memory_bytes;
    std::int64_t context = 4096;
    std::int64_t batch = 1;
    std::optional<double> bandwidth_gbs;  // none: measured (cpu) or the device's typical figure
    std::string priority = "balanced";    // quality | balanced | size
    std::map<std::string, double> measured_kld;  // format name -> mean KLD, from a qforge report
    std::map<double, double> measured_budget_kld;  // a report's budget plans: bits per weight -> mean KLD
};

struct FormatFit {
    FormatSize size;  // a budget plan: family "gguf-budget", sized to what the memory leaves for weights
    double kv_bytes = 0, overhead_bytes = 0, total_bytes = 0;
    bool fits = false;
    double decode_tps = 0;  // bandwidth-bound estimate
    std::optional<double> measured_kld;
    std::optional<double> measured_at_bpw;  // a budget plan's: the report's plan whose KLD is quoted
};

struct Advice {
    ModelShape shape;
    std::string device;
    double bandwidth_gbs = 0;
    std::string bandwidth_source;  // "given", "measured on this machine", "assumed typical ..."
    std::optional<double> memory_bytes;
    std::int64_t context = 0, batch = 0;
    std::vector<FormatFit> formats;
    std::string recommended;  // empty when nothing fits
    std::string reason;
};

// f16 KV cache: K and V for every layer, position and sequence.
double kv_cache_bytes(const ModelShape& shape, std::int64_t context, std::int64_t batch);

Advice advise(const ModelShape& shape, const AdviseOptions& options);

// "24GB", "8 GiB", "512MB", "1.5T": bytes (GB = 1e9, GiB = 2^30).
double parse_memory_size(const std::string& text);

}  // namespace qforge
