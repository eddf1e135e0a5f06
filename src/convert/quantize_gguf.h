#pragma once
// `qforge quantize IN OUT TYPE`, the way llama-quantize writes it (its tensor order, its metadata updates, its
// quantizers with and without an importance matrix, its per-tensor mix choices and fallbacks), so the output
// is byte-identical to llama.cpp's. The input is a GGUF file or any plan that yields one (a Hugging Face
// checkpoint converted on the fly).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "convert/hf_to_gguf.h"
#include "convert/kv_override.h"
#include "formats/gguf/gguf_file.h"
#include "formats/gguf/gguf_split.h"
#include "formats/imatrix/imatrix_data.h"
#include "quant/plan/llama_mix.h"

namespace qforge {

// --tensor-type REGEX=TYPE: tensors whose name the regex finds (std::regex_search, as llama.cpp) get TYPE.
struct TensorTypeOverride {
    std::string pattern;
    TensorType type;
};

struct QuantizeOptions {
    std::string type = "Q8_0";  // llama-quantize's name: a type (Q4_0) or a mix (Q4_K_M)
    bool pure = false;
    bool allow_requantize = false;
    bool leave_output_tensor = false;
    bool progress = true;
    std::optional<TensorType> output_tensor_type, token_embedding_type;
    std::vector<TensorTypeOverride> tensor_types;  // first match wins
    std::shared_ptr<const Imatrix> imatrix;         // --imatrix, already read
    std::string imatrix_path;                       // as given, recorded in quantize.imatrix.file
    std::vector<KvOverride> kv_overrides;           // --override-kv, written after general.file_type
    // A budget plan's type for each tensor it names (replacing the mix's choice, under --tensor-type), and
    // its quantize.budget.* keys, written after the imatrix's.
    std::map<std::string, TensorType> planned_types;
    GgufMetadata planned_metadata;
    // Sizing only (qforge advise): plan every tensor's type without the checks that matter only when writing
    // (a codec for the type, importance data for the i-quants that need it).
    bool plan_only = false;
    // Output in shards (llama.cpp's split layout): --keep-split follows the input's shards, tensors in the
    // input's order, as llama-quantize does; split_limits cuts the output as gguf-split would.
    bool keep_split = false;
    std::optional<gguf::SplitLimits> split_limits;
};

struct QuantizePlan {
    GgufPlan plan;
    std::vector<std::string> warnings;  // fallbacks, tensors without importance data
    int fallbacks = 0;
    std::vector<int> input_shard;  // --keep-split: the input shard of each planned tensor
};

// `base` is what the unquantized output would be (a GGUF file's own tensors, or a converter's plan);
// `source` names it in errors.
QuantizePlan plan_quantize(GgufPlan base, const std::string& source, const QuantizeOptions& options);
QuantizePlan plan_quantize(const GgufFile& in, const QuantizeOptions& options);

// --include-weights / --exclude-weights: the imatrix entries whose names contain one of `include` (all when
// empty), less those containing one of `exclude`; null when none is left (the file is then quantized as
// without an imatrix, and records none). Both lists at once are refused, as llama-quantize refuses them.
std::shared_ptr<const Imatrix> select_imatrix_entries(std::shared_ptr<const Imatrix> imatrix, const std::vector<std::string>& include,
                                                      const std::vector<std::string>& exclude);

// llama.cpp's loader order: tensors outside blocks first, then block by block, by name within each.
std::vector<const TensorView*> llama_quantize_order(const GgufFile& in);
MixModelInfo mix_model_info(const GgufFile& in);

}  // namespace qforge
