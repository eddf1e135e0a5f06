// qforge quantize IN.gguf OUT.gguf TYPE [--pure] [--allow-requantize] [--leave-output-tensor] [-q]
// As llama-quantize; prints the sizes and bits per weight before and after.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_quantize_command(CLI::App& app) {
    auto req = std::make_shared<QuantizeRequest>();
    auto quiet = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("quantize", "Quantize a GGUF model (as llama-quantize)");
    cmd->add_option("input", req->input, "Input GGUF")->required();
    cmd->add_option("output", req->output, "Output GGUF")->required();
    cmd->add_option("type", req->type, "llama-quantize's type or mix name (F16, Q4_0, Q8_0, Q4_K_M, ...)")->required();
    cmd->add_flag("--pure", req->pure, "Every quantizable tensor in TYPE (no per-tensor mix)");
    cmd->add_flag("--allow-requantize", req->allow_requantize, "Allow quantizing already quantized tensors");
    cmd->add_flag("--leave-output-tensor", req->leave_output_tensor, "Keep output.weight as it is");
    cmd->add_flag("-q,--quiet", *quiet, "No progress bar");
    cmd->callback([req, quiet] {
        req->progress = !*quiet;
        const QuantizeResult r = quantize(*req);
        auto mib = [](std::uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); };
        fmt::print(stderr, "quantize: model size  = {:8.2f} MiB ({:.2f} BPW)\n", mib(r.bytes_before), r.bpw_before);
        fmt::print(stderr, "quantize: quant size  = {:8.2f} MiB ({:.2f} BPW)\n", mib(r.bytes_after), r.bpw_after);
        fmt::print(stderr, "quantize: {} of {} tensors quantized to {}\n", r.quantized, r.tensors, req->type);
    });
}

}  // namespace qforge::cli
