#include "convert/convert_options.h"

#include "core/error.h"

namespace qforge {

std::uint32_t file_type_for(TensorType outtype) {
    switch (outtype) {
        case TensorType::F32: return 0;
        case TensorType::F16: return 1;
        case TensorType::BF16: return 32;
        default: fail("--outtype must be f32, f16 or bf16, not {}", type_name(outtype));
    }
}

TensorType output_type_for(const std::string& name, std::size_t n_dims, TensorType outtype) {
    if (n_dims <= 1 || name.ends_with("_norm.weight")) return TensorType::F32;
    return outtype;
}

}  // namespace qforge
