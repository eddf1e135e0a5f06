#pragma once
// Calibration samples for GPTQ and AWQ: the text tokenized with the model's tokenizer and cut into chunks of
// n_ctx tokens, each starting with BOS where the model adds one (as llama.cpp's perplexity and imatrix
// chunks do). When the text holds more chunks than asked for, which ones are taken is drawn from --seed
// (Mersenne Twister, our own Fisher-Yates, so the choice is the same on every platform), kept in text order.
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace qforge {

struct CalibrationSampling {
    std::int64_t n_ctx = 512;
    std::int64_t samples = 128;
    std::uint32_t seed = 0;
};

// `where` names the text in errors (its file).
std::vector<std::vector<std::int32_t>> calibration_samples(const Tokenizer& tokenizer, const std::string& text,
                                                           const CalibrationSampling& sampling, const std::string& where);

}  // namespace qforge
