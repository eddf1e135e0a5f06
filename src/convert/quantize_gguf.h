#pragma once
// `qforge quantize IN.gguf OUT.gguf TYPE --pure`: every quantizable tensor in one type, the way llama-quantize
// --pure writes it (its tensor order, its metadata updates, its reference quantizers), so the output is
// byte-identical to llama.cpp's. llama.cpp's per-tensor mixes (Q4_K_M ...) are not implemented yet.
#include <string>

#include "convert/hf_to_gguf.h"
#include "formats/gguf/gguf_file.h"

namespace qforge {

struct QuantizeOptions {
    TensorType type = TensorType::Q8_0;
    bool pure = false;
    bool allow_requantize = false;
    bool leave_output_tensor = false;
    bool progress = true;
};

GgufPlan plan_quantize(const GgufFile& in, const QuantizeOptions& options);

}  // namespace qforge
