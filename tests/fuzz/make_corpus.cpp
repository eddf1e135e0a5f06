// Writes the crafted inputs of tests/support/bad_inputs.cpp as files: DIR/<reader>/NAME.
// Bad files are the CLI's error-path corpus and, with the valid seeds (ok-*), the fuzzers' starting corpus.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/bad_inputs.h"

namespace {

void write(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The quantized-, FP8- and MLX-checkpoint fuzzers read their config selector from the first byte: 0 is the config
// (GPTQ; FP8 per tensor; MLX 4-bit g32) the crafted files are made for.
std::vector<qforge::test::BadInput> prefixed(std::vector<qforge::test::BadInput> inputs) {
    for (auto& b : inputs) b.bytes.insert(b.bytes.begin(), '\0');
    return inputs;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_corpus DIR\n");
        return 2;
    }
    namespace fs = std::filesystem;
    using namespace qforge::test;
    const fs::path root = argv[1];
    const struct {
        const char* name;
        std::string valid;
        std::vector<BadInput> bad;
    } readers[] = {{"gguf", valid_gguf(), bad_gguf_inputs()},
                   {"safetensors", valid_safetensors(), bad_safetensors_inputs()},
                   {"llama2c", valid_llama2c(), bad_llama2c_inputs()},
                   {"hf_checkpoint", valid_hf_index(), bad_hf_index_inputs()},
                   {"tokenizer_json", valid_tokenizer_json(), bad_tokenizer_json_inputs()},
                   {"imatrix", valid_imatrix_dat(), bad_imatrix_dat_inputs()},
                   {"ct2_model_bin", valid_ct2_model_bin(), bad_ct2_model_bin_inputs()},
                   {"quantized_checkpoint", std::string(1, '\0') + valid_quantized_safetensors(), prefixed(bad_quantized_safetensors_inputs())},
                   {"fp8_checkpoint", std::string(1, '\0') + valid_fp8_safetensors(), prefixed(bad_fp8_safetensors_inputs())},
                   {"mlx_checkpoint", std::string(1, '\0') + valid_mlx_safetensors(), prefixed(bad_mlx_safetensors_inputs())},
                   {"chat_template", valid_chat_template(), bad_chat_template_inputs()},
                   {"openai_request", valid_openai_request(), bad_openai_request_inputs()}};
    for (const auto& r : readers) {
        fs::remove_all(root / r.name);
        fs::create_directories(root / r.name);
        write(root / r.name / "ok-seed", r.valid);
        for (const auto& b : r.bad) write(root / r.name / b.name, b.bytes);
    }
    return 0;
}
