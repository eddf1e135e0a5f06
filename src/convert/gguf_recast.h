#pragma once
// GGUF (all float tensors) -> GGUF with matrices in another float type; metadata is kept, general.file_type
// updated.
#include "convert/hf_to_gguf.h"
#include "formats/gguf/gguf_file.h"

namespace qforge {

GgufPlan plan_gguf_recast(const GgufFile& in, const ConvertOptions& options);

}  // namespace qforge
