#pragma once
// The whole of `qforge quantize`: reads the input (a GGUF file, or a Hugging Face / llama2.c checkpoint
// converted to F32 on the fly, never written to disk), plans every tensor's type, and streams the quantized
// GGUF out with the rows of each tensor quantized in parallel.
#include <functional>
#include <string>
#include <vector>

#include "convert/quantize_gguf.h"

namespace qforge {

struct QuantizeSummary {
    std::size_t tensors = 0, quantized = 0;
    std::uint64_t elements = 0, bytes_before = 0, bytes_after = 0;
    int fallbacks = 0;
    std::vector<std::string> warnings;
    std::vector<std::string> outputs;  // the file written, or its shards in order
};

// Refuses split options that contradict each other or the input (--keep-split needs a GGUF), before any work.
void check_output_split(const QuantizeOptions& options, const std::string& input);

// before_write sees the finished plan and may replace tensors' bytes (GPTQ does).
QuantizeSummary quantize_model(const std::string& input, const std::string& output, const QuantizeOptions& options,
                               int n_threads, const std::function<void(QuantizePlan&)>& before_write = {});

}  // namespace qforge
