#pragma once
// Element and block types of tensors. Ids below 1000 are ggml_type ids exactly as stored in GGUF tensor infos;
// ids from 1000 are safetensors-only element types that GGUF cannot hold.
#include <cstdint>
#include <optional>
#include <string_view>

namespace qforge {

enum class TensorType : std::uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41, Q2_0 = 42,
    // safetensors-only element types
    U8 = 1000, U16 = 1001, U32 = 1002, U64 = 1003, BOOL = 1004, F8_E4M3 = 1005, F8_E5M2 = 1006,
};

struct TensorTypeTraits {
    std::string_view name;     // ggml's name (lower case, e.g. "q4_k") or safetensors' dtype for extended types
    std::uint32_t block_size;  // elements per block (1 for plain element types)
    std::uint32_t type_size;   // bytes per block
    bool quantized;
    bool in_gguf;              // may appear in a GGUF tensor info
};

// Traits of a known type; nullopt for ids that are not (or no longer) types.
std::optional<TensorTypeTraits> type_traits(std::uint32_t id);
const TensorTypeTraits& traits(TensorType type);
std::string_view type_name(TensorType type);
// Case-insensitive lookup by ggml name ("Q4_K", "f16", "bf16").
std::optional<TensorType> type_from_name(std::string_view name);

// Bytes needed for n_elements of the type; n_elements must be a multiple of the block size.
// Returns nullopt on overflow or a partial block.
std::optional<std::uint64_t> bytes_for(TensorType type, std::uint64_t n_elements);

}  // namespace qforge
