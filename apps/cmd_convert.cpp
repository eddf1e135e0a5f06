// qforge convert SRC OUT.gguf [--outtype f32|f16|bf16]; qforge convert MODEL OUT_DIR --format hf [--outtype ...];
// qforge convert MODEL OUT_DIR --format ctranslate2 [--quantization ...]
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_convert_command(CLI::App& app) {
    struct Args {
        std::string src, out, outtype, vocab, tokenizer_pre, format = "gguf", quantization = "int8_float16";
        std::uint64_t max_shard_bytes = 5'000'000'000ull;
        bool quiet = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("convert", "Convert a Hugging Face directory (float, GPTQ or AWQ), llama2.c checkpoint or GGUF to GGUF, "
                                                "or any of them to a Hugging Face checkpoint directory (--format hf)");
    cmd->add_option("src", args->src, "Input: checkpoint directory, llama2.c .bin or .gguf")->required();
    cmd->add_option("out", args->out, "Output .gguf file, or directory with --format hf")->required();
    cmd->add_option("--format", args->format,
                    "gguf; hf: config.json, safetensors and tokenizer files that transformers and vLLM load; ctranslate2: model.bin, "
                    "config.json and vocabulary.json that CTranslate2 loads (llama, mistral, qwen2 decoders)")
        ->check(CLI::IsMember({"gguf", "hf", "ctranslate2"}));
    cmd->add_option("--quantization", args->quantization,
                    "--format ctranslate2: int8 (int8_float32), int8_float16 (default), int8_bfloat16, float16, bfloat16 or float32")
        ->check(CLI::IsMember({"int8", "int8_float32", "int8_float16", "int8_bfloat16", "float16", "bfloat16", "float32"}));
    cmd->add_option("--outtype", args->outtype,
                    "Type of matrices: f32, f16 or bf16 (GGUF default f16, vectors stay f32; hf default: a GGUF's float "
                    "tensors as they are, quantized ones f16)")
        ->check(CLI::IsMember({"f32", "f16", "bf16"}));
    cmd->add_option("--max-shard-size", args->max_shard_bytes,
                    "--format hf: bytes per model-0000i-of-0000N.safetensors shard (0: one file; default 5000000000)");
    cmd->add_option("--vocab", args->vocab, "llama2.c tokenizer file (default: tok<N>.bin or tokenizer.bin beside SRC)");
    cmd->add_option("--tokenizer-pre", args->tokenizer_pre, "BPE pre-tokenizer name when it is not recognised");
    cmd->add_flag("-q,--quiet", args->quiet, "No progress bar");
    cmd->callback([args] {
        ConvertRequest request;
        request.source = args->src;
        request.output = args->out;
        request.outtype = args->outtype;
        request.format = args->format;
        request.quantization = args->quantization;
        request.max_shard_bytes = args->max_shard_bytes;
        request.vocab = args->vocab;
        request.tokenizer_pre = args->tokenizer_pre;
        request.progress = !args->quiet;
        const ConvertResult s = convert(request);
        if (args->format == "ctranslate2") {
            fmt::print(stderr, "convert: {} ({}) -> {}: {} variables ({}{}), {} parameters, {:.2f} MiB in model.bin\n", args->src,
                       s.input_kind, args->out, s.tensors, s.weights, s.aliases > 0 ? ", output projection tied" : "", s.parameters,
                       static_cast<double>(s.bytes) / (1024.0 * 1024.0));
            if (s.dequantized > 0) fmt::print(stderr, "convert: {} quantized tensors dequantized before CTranslate2's quantization\n", s.dequantized);
            return;
        }
        if (args->format == "hf") {
            fmt::print(stderr, "convert: {} ({}) -> {}: {} tensors ({}), {} parameters, {:.2f} MiB in {} safetensors file(s)\n",
                       args->src, s.input_kind, args->out, s.tensors, s.torch_dtype, s.parameters,
                       static_cast<double>(s.bytes) / (1024.0 * 1024.0), s.shards);
            if (s.dequantized > 0)
                fmt::print(stderr, "convert: {} quantized tensors dequantized (their GGUF block types have no Hugging Face form)\n",
                           s.dequantized);
            return;
        }
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
