// calibration_bench MODEL.gguf CALIB.txt [--method gptq|awq] [--type Q4_K_M] [--samples N] [--ctx N]:
// quantizes with layer-by-layer calibration and prints the seconds of each layer and the peak memory beside
// what the design allows: the mapped model, the quantized output being assembled, and one layer's worth of
// calibration (the samples' hidden states, that layer's Hessians, the layer's weights in float).
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "qforge/qforge.h"

namespace {

double mib(std::uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); }

// Resident bytes now (the process before any work: code, libraries, allocator).
std::uint64_t resident_now() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("Peak memory and seconds per layer of calibrated quantization");
    qforge::QuantizeRequest req;
    std::string out = "calibration_bench.out.gguf";
    req.type = "Q4_K_M";
    req.method = "gptq";
    app.add_option("model", req.input, "F32/F16 GGUF")->required();
    app.add_option("calib", req.calib, "Calibration text")->required();
    app.add_option("--method", req.method)->check(CLI::IsMember({"gptq", "awq"}));
    app.add_option("--type", req.type);
    app.add_option("--samples", req.calib_samples);
    app.add_option("--ctx", req.calib_ctx);
    app.add_option("-t,--threads", req.threads);
    app.add_option("-o,--output", out);
    CLI11_PARSE(app, argc, argv);
    req.output = out;
    req.progress = true;
    const std::uint64_t baseline = resident_now();
    try {
        const qforge::QuantizeResult r = qforge::quantize(req);
        for (std::size_t i = 0; i < r.layer_seconds.size(); ++i) fmt::print("layer {:3d}: {:8.2f} s\n", i, r.layer_seconds[i]);
        double total = 0;
        for (double s : r.layer_seconds) total += s;
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        const auto peak = static_cast<std::uint64_t>(u.ru_maxrss) * 1024;
        const std::uint64_t model = std::filesystem::file_size(req.input);
        // The model file is mapped twice, by the engine that runs the calibration and by the plan the writer
        // reads: the same page-cache pages, but RSS counts each mapping's resident pages.
        const std::uint64_t bound = baseline + 2 * model + r.bytes_after + r.calib_activation_bytes + r.calib_hessian_bytes +
                                    r.calib_layer_weight_bytes;
        fmt::print("calibration: {} samples x {} tokens, {:.2f} s per layer, {:.1f} s in all\n", r.calib_samples, req.calib_ctx,
                   r.layer_seconds.empty() ? 0.0 : total / static_cast<double>(r.layer_seconds.size()), total);
        fmt::print("process at start    {:10.1f} MiB\n", mib(baseline));
        fmt::print("mapped model        {:10.1f} MiB (x2: engine and writer map the same file)\n", mib(model));
        fmt::print("quantized output    {:10.1f} MiB\n", mib(r.bytes_after));
        fmt::print("hidden states       {:10.1f} MiB\n", mib(r.calib_activation_bytes));
        fmt::print("one layer's Hessians{:10.1f} MiB\n", mib(r.calib_hessian_bytes));
        fmt::print("one layer in float  {:10.1f} MiB\n", mib(r.calib_layer_weight_bytes));
        fmt::print("sum (the design)    {:10.1f} MiB\n", mib(bound));
        fmt::print("peak RSS            {:10.1f} MiB ({})\n", mib(peak), peak <= bound ? "within" : "above");
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    std::filesystem::remove(out);
    return 0;
}
