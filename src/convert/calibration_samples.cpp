#include "convert/calibration_samples.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"

namespace qforge {

std::vector<std::vector<std::int32_t>> calibration_samples(const Tokenizer& tokenizer, const std::string& text,
                                                           const CalibrationSampling& s, const std::string& where) {
    if (s.samples < 1) fail("{}: --calib-samples must be at least 1", where);
    if (s.n_ctx < 4) fail("{}: --calib-ctx {} is too short (at least 4 tokens)", where, s.n_ctx);
    const std::vector<std::int32_t> tokens = tokenizer.encode(text, true, false);
    const auto available = static_cast<std::int64_t>(tokens.size()) / s.n_ctx;
    if (available < 1)
        fail("{}: the calibration text has {} tokens, shorter than one sample of {} (give more text or lower --calib-ctx)",
             where, tokens.size(), s.n_ctx);
    std::vector<std::int64_t> chosen(static_cast<std::size_t>(available));
    std::iota(chosen.begin(), chosen.end(), 0);
    if (available > s.samples) {
        std::mt19937 rng(s.seed);
        for (std::int64_t i = 0; i < s.samples; ++i) {  // partial Fisher-Yates: the first `samples` are a uniform draw
            const auto span = static_cast<std::uint32_t>(available - i);
            const std::int64_t j = i + static_cast<std::int64_t>(rng() % span);
            std::swap(chosen[static_cast<std::size_t>(i)], chosen[static_cast<std::size_t>(j)]);
        }
        chosen.resize(static_cast<std::size_t>(s.samples));
        std::sort(chosen.begin(), chosen.end());
    }
    const auto bos = tokenizer.bos();
    std::vector<std::vector<std::int32_t>> out;
    for (std::int64_t c : chosen) {
        std::vector<std::int32_t> chunk(tokens.begin() + c * s.n_ctx, tokens.begin() + (c + 1) * s.n_ctx);
        if (tokenizer.adds_bos() && bos) chunk[0] = *bos;
        out.push_back(std::move(chunk));
    }
    return out;
}

}  // namespace qforge
