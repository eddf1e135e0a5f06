#pragma once
// What goes into an output GGUF, tensor by tensor, and the streaming writer that produces it: each output
// tensor is read from its source view row by row, reordered if asked (RoPE permutation), converted to the
// output type (float or quantized, through the codec table), and written, so memory holds one buffer, never
// the model.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor_view.h"
#include "formats/gguf/gguf_metadata.h"
#include "formats/gguf/gguf_split.h"
#include "formats/gguf/gguf_writer.h"

namespace qforge {

struct PlannedTensor {
    GgufTensorInfo out;
    const TensorView* src = nullptr;      // read from here (or from `stacked`) ...
    std::vector<std::uint8_t> generated;  // ... or these bytes, already in out.type (tensors the converter makes)
    // ... or the bytes this makes when the writer reaches the tensor, so a plan holds one such tensor at a time
    std::function<std::vector<std::uint8_t>()> produce;
    std::int64_t permute_heads = 0;       // > 0: apply llama.cpp's RoPE row permutation over this many heads
    // Per-column importance (imatrix means) for the quantizer: ne[0] values per matrix (ne[0] * ne[2] for
    // stacked expert matrices); null: the reference quantizer.
    std::shared_ptr<const std::vector<float>> importance;
    // ... the source as matrices to stack one after the other along ne[2] (Hugging Face's experts, one tensor each)
    std::vector<const TensorView*> stacked;
};

// A tensor written as it is in its source.
PlannedTensor planned_copy(const TensorView& src);

struct PlanTotals {
    std::uint64_t parameters = 0;
    std::uint64_t bytes = 0;
};
PlanTotals plan_totals(const std::vector<PlannedTensor>& plan);

// A model written as shards in llama.cpp's split layout (formats/gguf/gguf_split.h): PREFIX-0000i-of-0000n.gguf.
struct ShardedOutput {
    std::string prefix;
    std::vector<int> shard_of;  // per planned tensor, non-decreasing from 0
    gguf::SplitKeyOrder key_order = gguf::SplitKeyOrder::GgufSplit;
};

// n_threads: rows of a tensor are converted in parallel (0: one per physical core). With shards, path is not
// used and no shard appears unless all of them are complete.
void write_gguf_plan(const std::string& path, const GgufMetadata& metadata, const std::vector<PlannedTensor>& plan,
                     bool show_progress, int n_threads = 1, const ShardedOutput* shards = nullptr);

}  // namespace qforge
