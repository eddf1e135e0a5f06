#pragma once
// A calibrated (or round-to-nearest) INTn model as a Hugging Face checkpoint directory in AutoGPTQ's layout
// (qweight/qzeros/scales/g_idx with v1 zero points, quantize_config.json and config.json's
// quantization_config) or AutoAWQ's GEMM layout (quantization_config in config.json), which vLLM and
// transformers load. The quantized linears come as IntLayers in llama.cpp's row order; Q and K rows go back
// to the Hugging Face order, every other tensor (embeddings, norms AWQ rescaled, lm_head) is written in F16,
// beside the source's config and tokenizer files (a checkpoint's own, or those a GGUF's metadata gives).
#include <map>
#include <string>

#include "convert/hf_to_gguf.h"
#include "formats/gptq/int_packing.h"
#include "convert/hf_model_files.h"
#include "formats/hf/quantization_config.h"
#include "quant/methods/gptq.h"

namespace qforge {

// GPTQ's result for one weight (rows = outputs) as the checkpoint's unpacked form.
IntLayer int_layer_from_result(const GptqResult& result, std::int64_t rows, std::int64_t columns, int bits, int group_size);

// The key of a quantized weight in write_int_checkpoint's `layers`: its GGUF name, and for one expert's matrix
// of a stacked tensor "NAME#EXPERT".
std::string int_layer_key(const std::string& gguf_name, std::int64_t expert);

struct IntCheckpointSummary {
    std::size_t tensors = 0, quantized_layers = 0, shards = 0;
    std::uint64_t bytes = 0;  // tensor data in model.safetensors
};

// plan: the model's tensors by GGUF name (floats, in llama.cpp's layout); layers: the quantized ones by
// int_layer_key. A stacked expert tensor is written as one module per expert, under the family's Hugging Face
// names (Mixtral's block_sparse_moe.experts.E.w1, Qwen3-MoE's mlp.experts.E.gate_proj); the router stays in
// float. The directory appears only when complete.
// max_shard_bytes: above it, the tensors go into model-0000i-of-0000N.safetensors shards (whole tensors, in
// order) with model.safetensors.index.json, as transformers' save_pretrained does; 0: one file.
IntCheckpointSummary write_int_checkpoint(const std::string& dir, const GgufPlan& plan, const std::map<std::string, IntLayer>& layers,
                                          const HfModelFiles& source, const QuantizationConfig& config,
                                          std::uint64_t max_shard_bytes = 5'000'000'000ull);

}  // namespace qforge
