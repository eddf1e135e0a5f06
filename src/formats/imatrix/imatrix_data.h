#pragma once
// An importance matrix: for each weight matrix the model multiplies activations with, the sum of squared
// input activations per input column (per expert for 3-D expert tensors) and how many activation rows were
// summed. Its mean (sum / count) is what quantizers weight their error with. Both of llama.cpp's file layouts
// (the legacy .dat and the GGUF one) read into and write from this.
#include <cstdint>
#include <string>
#include <vector>

namespace qforge {

struct ImatrixEntry {
    std::string name;          // the weight tensor's GGUF name, e.g. "blk.0.attn_q.weight"
    std::vector<float> sums;   // n_columns * n_matrices sums of squared activations
    std::vector<float> counts; // n_matrices: activation rows summed into each matrix's sums
    std::int64_t ncall = 0;    // how many times the matrix was applied (the legacy layout records it)

    std::size_t n_matrices() const { return counts.size(); }
    std::size_t n_columns() const { return counts.empty() ? 0 : sums.size() / counts.size(); }
    // Per-column mean of squared activations (what llama-quantize feeds its quantizers).
    std::vector<float> means() const;
};

struct Imatrix {
    std::vector<ImatrixEntry> entries;  // in file order
    std::vector<std::string> datasets;  // calibration files
    std::int64_t chunk_count = 0;       // chunks of calibration text processed
    std::int64_t chunk_size = 0;        // tokens per chunk (GGUF layout only)

    const ImatrixEntry* find(const std::string& name) const;
};

enum class ImatrixFormat { Dat, Gguf };

// Reads either layout (told apart by the GGUF magic); errors name the file and the entry.
Imatrix read_imatrix(const std::string& path);
void write_imatrix(const std::string& path, const Imatrix& imatrix, ImatrixFormat format);

}  // namespace qforge
