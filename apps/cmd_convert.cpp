// qforge convert SRC OUT.gguf [--outtype f32|f16|bf16]
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_convert_command(CLI::App& app) {
    struct Args {
        std::string src, out, outtype = "f16", vocab, tokenizer_pre;
        bool quiet = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("convert", "Convert a Hugging Face directory (float, GPTQ or AWQ), llama2.c checkpoint or GGUF to GGUF");
    cmd->add_option("src", args->src, "Input: checkpoint directory, llama2.c .bin or .gguf")->required();
    cmd->add_option("out", args->out, "Output .gguf file")->required();
    cmd->add_option("--outtype", args->outtype, "Type of matrices: f32, f16 or bf16 (vectors stay f32)")
        ->check(CLI::IsMember({"f32", "f16", "bf16"}));
    cmd->add_option("--vocab", args->vocab, "llama2.c tokenizer file (default: tok<N>.bin or tokenizer.bin beside SRC)");
    cmd->add_option("--tokenizer-pre", args->tokenizer_pre, "BPE pre-tokenizer name when it is not recognised");
    cmd->add_flag("-q,--quiet", args->quiet, "No progress bar");
    cmd->callback([args] {
        ConvertRequest request;
        request.source = args->src;
        request.output = args->out;
        request.outtype = args->outtype;
        request.vocab = args->vocab;
        request.tokenizer_pre = args->tokenizer_pre;
        request.progress = !args->quiet;
        const ConvertResult s = convert(request);
        fmt::print(stderr, "convert: {} ({}) -> {}: {} tensors, {} parameters, {:.2f} MiB of tensor data\n",
                   args->src, s.input_kind, args->out, s.tensors, s.parameters,
                   static_cast<double>(s.bytes) / (1024.0 * 1024.0));
        for (const auto& line : s.quantized_layers) fmt::print(stderr, "convert: {}\n", line);
        bool dequantized = false;
        for (const auto& line : s.quantized_layers) dequantized |= line.ends_with("dequantized");
        if (dequantized)
            fmt::print(stderr, "convert: the dequantized layers' grid is no GGUF block type; `qforge quantize {} OUT.gguf TYPE` "
                               "requantizes them\n", args->out);
    });
}

}  // namespace qforge::cli
