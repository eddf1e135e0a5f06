#include "convert/open_model.h"

#include <algorithm>

#include "convert/convert.h"
#include "core/scratch_path.h"
#include "formats/format_detect.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/hf/quantization_config.h"

namespace qforge {

std::unique_ptr<LlamaModel> open_model(const std::string& path) {
    const InputKind kind = detect_input_kind(path);
    if (kind != InputKind::HfDirectory && kind != InputKind::Llama2c && kind != InputKind::Ctranslate2Directory)
        return std::make_unique<LlamaModel>(path);
    ConvertOptions o;
    o.progress = false;
    o.outtype = TensorType::F32;
    if (kind == InputKind::HfDirectory) {  // an all-F16 float checkpoint stays F16; anything else is held in F32
        const HfCheckpoint ck(path);
        const auto& ts = ck.tensors();
        const bool all_f16 = std::all_of(ts.begin(), ts.end(), [](const TensorView& t) { return t.type == TensorType::F16; });
        if (all_f16 && !read_quantization_config(ck.config(), ck.dir())) o.outtype = TensorType::F16;
    }
    const ScratchPath scratch(".gguf");
    convert_to_gguf(path, scratch.path(), o);
    return std::make_unique<LlamaModel>(scratch.path());  // mapped: the file's data outlives its name
}

}  // namespace qforge
