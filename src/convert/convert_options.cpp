#include "convert/convert_options.h"

#include "core/error.h"
#include "quant/plan/quantizable.h"

namespace qforge {

std::uint32_t file_type_for(TensorType outtype) {
    if (outtype != TensorType::F32 && outtype != TensorType::F16 && outtype != TensorType::BF16)
        fail("--outtype must be f32, f16 or bf16, not {}", type_name(outtype));
    return *llama_ftype_for(outtype);
}

TensorType output_type_for(const std::string& name, std::size_t n_dims, TensorType outtype) {
    if (n_dims <= 1 || name.ends_with("_norm.weight")) return TensorType::F32;
    // llama.cpp's converter keeps these in f32 whatever the output type (an expert router's logits, ...)
    for (const char* f32 : {".ffn_gate_inp.weight", "position_embd.weight", "token_types.weight"})
        if (name.ends_with(f32)) return TensorType::F32;
    if (!name.ends_with(".weight")) return TensorType::F32;
    return outtype;
}

}  // namespace qforge
