#pragma once
// Crafted corrupt inputs for each reader, with a fragment the error message must contain. The unit tests
// check the messages; tests/fuzz/make_corpus writes them out as the corpus that the CLI and fuzz replays use.
#include <string>
#include <vector>

namespace qforge::test {

struct BadInput {
    std::string name;      // file name in the corpus
    std::string bytes;
    std::string expected;  // fragment of the error message
};

// A small valid GGUF (a few metadata types, two tensors) to mutate.
std::string valid_gguf();
std::vector<BadInput> bad_gguf_inputs();

std::string valid_safetensors();
std::vector<BadInput> bad_safetensors_inputs();

std::string valid_llama2c();
std::vector<BadInput> bad_llama2c_inputs();

// For a directory holding config.json and model-00001-of-00001.safetensors with one tensor "a".
std::string valid_hf_index();
std::vector<BadInput> bad_hf_index_inputs();

std::string valid_tokenizer_json();
std::vector<BadInput> bad_tokenizer_json_inputs();

// CTranslate2's model.bin (version 6): spec "TransformerDecoderSpec" revision 8, a 2x2 float32 variable "a/weight",
// an int8 scalar "a/flag" and the alias "b/weight" -> "a/weight".
std::string valid_ct2_model_bin();
std::vector<BadInput> bad_ct2_model_bin_inputs();

// llama-imatrix's legacy .dat layout: two entries and the chunk/dataset trailer.
std::string valid_imatrix_dat();
std::vector<BadInput> bad_imatrix_dat_inputs();

// model.safetensors of a GPTQ checkpoint (config: 4-bit, groups of 32, asymmetric, v1) holding one layer
// "model.layers.0.self_attn.o_proj" of 32 inputs and 8 outputs.
std::string valid_quantized_safetensors();
std::vector<BadInput> bad_quantized_safetensors_inputs();
// An FP8 layer (o_proj, 32 x 32 F8_E4M3) with its scale, for tests/fuzz/read_fp8_dir.h's per-tensor config.
std::string valid_fp8_safetensors();
std::vector<BadInput> bad_fp8_safetensors_inputs();
// An MLX layer (o_proj, 32 x 32 at 4 bits in groups of 32: uint32 [32, 4], f16 scales and biases [32, 1]), for
// tests/fuzz/read_mlx_dir.h's first config.
std::string valid_mlx_safetensors();
std::vector<BadInput> bad_mlx_safetensors_inputs();

// Chat templates for the renderer: template text, a NUL byte, then the JSON context (the fuzz target's input).
std::string valid_chat_template();
std::vector<BadInput> bad_chat_template_inputs();

// An OpenAI request body (/v1/completions and /v1/chat/completions fields together) and bodies the parser must
// answer with a 400 naming what is wrong.
std::string valid_openai_request();
std::vector<BadInput> bad_openai_request_inputs();

}  // namespace qforge::test
