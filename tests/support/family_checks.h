#pragma once
// What the model-family tests (tests/integration/family_*_test.cpp) run on each family's converted checkpoint,
// with the settings their references were made with: perplexity on pydoc-test (2 threads), greedy text from
// "def parse(" (24 tokens, 1 thread, as llama-cli -n 24 --temp 0 -t 1), a llama-quantize mix, an importance
// matrix on pydoc-valid (chunks of 128, as llama-imatrix -c 128), and a GPTQ/AWQ checkpoint converted back.
#include <cstdint>
#include <span>
#include <string>

#include "formats/imatrix/imatrix_data.h"
#include "model/synthetic_checkpoint.h"
#include "support/temp_dir.h"

namespace qforge::test {

// A random-weight f32 checkpoint of the family (model/synthetic_checkpoint.h, pydoc6m's tokenizer) in dir/name,
// written on the first call (later calls find it); the checkpoint's directory name gives general.name.
std::string synthetic_checkpoint(const TempDir& dir, const std::string& name, const std::string& arch, const SyntheticShape& shape,
                                 std::uint32_t seed = 1, const std::string& hf_class = "");
// dir/name converted to GGUF at dir/name-TYPE.gguf, once.
std::string converted(const TempDir& dir, const std::string& name, TensorType outtype);

double perplexity_of(const std::string& model, int n_ctx, int chunks);
std::string greedy_text(const std::string& model);
// The mix written to `out`; returns out.
std::string quantized(const std::string& f32, const std::string& out, const std::string& mix);
Imatrix imatrix_of(const std::string& model, const std::string& out, int chunks);

// An imatrix entry as llama-imatrix wrote it: name, call count, and the sum of its means (value / ncall over every
// column, every expert's), as the tests record them.
struct ImatrixFigure {
    const char* name;
    std::int64_t ncall;
    double sum_of_means;
};
// The first figures.size() entries of `ours` are these, in this order, the sums within a relative tolerance.
void expect_imatrix_entries(const Imatrix& ours, std::span<const ImatrixFigure> figures, double tolerance);

// A 4-bit, group-128 checkpoint of `method` (gptq or awq, 4 samples of 64 tokens of pydoc-valid; AWQ without its
// clipping searches unless awq_clip) written from the Hugging Face checkpoint `hf` to dir/ck, and the same
// calibration written as an F32 GGUF to dir/grid.gguf. Returns the number of layers the checkpoint quantized.
std::size_t checkpoint_and_grid(const std::string& hf, const TempDir& dir, const std::string& method, bool awq_clip = true);

// `checkpoint` (a GPTQ/AWQ directory) converted to GGUF at `out` holds every tensor of `grid` (the same
// calibration written as an F32 GGUF): the quantized layers bit for bit (the blocks' 2-D and 3-D matrices but a
// router) and RoPE factors (both made from config.json), the rest as their f16 (a (1 + w) norm where
// norms_plus_one: 1 + the f16 of w, added in f16).
void expect_converted_back(const std::string& checkpoint, const std::string& grid, const std::string& out, bool norms_plus_one);

}  // namespace qforge::test
