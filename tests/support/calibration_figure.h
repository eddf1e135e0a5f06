#pragma once
// What the calibration figures share: an importance matrix of 32 chunks of 128 tokens of pydoc-valid, the F32
// model's log-probabilities on 40 chunks of pydoc-test to measure KL-divergence against, and Q4_K_M made
// llama.cpp's way (round to nearest with that imatrix) and by GPTQ and AWQ (32 samples of 128 tokens of the same
// text).
#include <string>

#include "support/temp_dir.h"

namespace qforge::test {

struct FigureBase {
    std::string imatrix, kld_base;
};
FigureBase figure_base(const std::string& f32_model, const TempDir& dir);

double mean_kld(const std::string& model, const FigureBase& base);

struct Q4KMKlds {
    double imatrix = 0, gptq = 0, awq = 0;
};
Q4KMKlds q4km_klds(const std::string& f32_model, const FigureBase& base, const TempDir& dir);

}  // namespace qforge::test
