#include "eval/logits_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/byte_reader.h"
#include "core/error.h"

namespace qforge {
namespace {

// llama.cpp's nearest_int: round half to even through the float mantissa.
int nearest_int(float f) {
    const float v = f + 12582912.f;
    int i;
    std::memcpy(&i, &v, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

}  // namespace

std::int64_t logits_entry_words(std::int64_t n_vocab) { return 2 * ((n_vocab + 1) / 2) + 4; }

double encode_log_probs(const float* logits, std::int64_t n_vocab, std::int32_t token, std::uint16_t* out) {
    float max_logit = logits[0], min_logit = logits[0];
    for (std::int64_t i = 1; i < n_vocab; ++i) {
        max_logit = std::max(max_logit, logits[i]);
        min_logit = std::min(min_logit, logits[i]);
    }
    min_logit = std::max(min_logit, max_logit - 16);
    double sum_exp = 0.0;
    for (std::int64_t i = 0; i < n_vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
    const float log_sum_exp = static_cast<float>(std::log(sum_exp));
    const float min_log_prob = min_logit - max_logit - log_sum_exp;
    const float scale = (max_logit - min_logit) / 65535.f;
    std::memcpy(out, &scale, 4);
    std::memcpy(out + 2, &min_log_prob, 4);
    std::uint16_t* q = out + 4;
    if (scale != 0.0f) {
        const float inv_scale = 1 / scale;
        for (std::int64_t i = 0; i < n_vocab; ++i)
            q[i] = logits[i] > min_logit ? static_cast<std::uint16_t>(nearest_int(inv_scale * (logits[i] - min_logit))) : 0;
    } else {
        std::fill(q, q + n_vocab, std::uint16_t{0});
    }
    if (n_vocab % 2 != 0) q[n_vocab] = 0;  // padding word
    return max_logit + log_sum_exp - logits[token];
}

LogitsFileWriter::LogitsFileWriter(const std::string& path, std::int32_t n_ctx, std::int32_t n_vocab,
                                   std::int32_t n_chunk, std::span<const std::int32_t> tokens)
    : out_(path) {
    out_.write("_logits_", 8);
    out_.write(&n_ctx, 4);
    out_.write(&n_vocab, 4);
    out_.write(&n_chunk, 4);
    out_.write(tokens.data(), static_cast<std::size_t>(n_chunk) * static_cast<std::size_t>(n_ctx) * 4);
}

void LogitsFileWriter::append(std::span<const std::uint16_t> entries) { out_.write(entries.data(), entries.size() * 2); }

LogitsFileReader::LogitsFileReader(const std::string& path) : file_(std::make_unique<MappedFile>(path)) {
    ByteReader r(file_->bytes(), path);
    if (file_->size() < 8 || std::memcmp(file_->data(), "_logits_", 8) != 0)
        fail("{}: does not look like a file containing log-probabilities (no \"_logits_\" magic)", path);
    r.skip(8, "magic");
    n_ctx_ = r.read<std::int32_t>("n_ctx");
    n_vocab_ = r.read<std::int32_t>("n_vocab");
    n_chunk_ = r.read<std::int32_t>("n_chunk");
    if (n_ctx_ < 4 || n_ctx_ > (1 << 24)) fail("{}: n_ctx {} is out of range", path, n_ctx_);
    if (n_vocab_ < 2 || n_vocab_ > (1 << 24)) fail("{}: n_vocab {} is out of range", path, n_vocab_);
    if (n_chunk_ < 1 || static_cast<std::uint64_t>(n_chunk_) * static_cast<std::uint64_t>(n_ctx_) * 4 > r.remaining())
        fail("{}: n_chunk {} does not fit the file", path, n_chunk_);
    const auto tok = r.take(static_cast<std::uint64_t>(n_chunk_) * static_cast<std::uint64_t>(n_ctx_) * 4, "tokens");
    tokens_.resize(tok.size() / 4);
    std::memcpy(tokens_.data(), tok.data(), tok.size());
    for (auto t : tokens_)
        if (t < 0 || t >= n_vocab_) fail("{}: evaluation token {} is outside the vocabulary of {}", path, t, n_vocab_);
    entries_offset_ = r.offset();
    chunk_words_ = static_cast<std::uint64_t>(n_ctx_ - 1 - n_ctx_ / 2) * static_cast<std::uint64_t>(logits_entry_words(n_vocab_));
    const std::uint64_t need = chunk_words_ * 2 * static_cast<std::uint64_t>(n_chunk_);
    if (r.remaining() != need)
        fail("{}: holds {} bytes of log-probabilities, expected {} for {} chunks of {} tokens", path, r.remaining(),
             need, n_chunk_, n_ctx_);
}

const std::uint16_t* LogitsFileReader::chunk(std::int32_t c) const {
    return reinterpret_cast<const std::uint16_t*>(file_->data() + entries_offset_ + chunk_words_ * 2 * static_cast<std::uint64_t>(c));
}

}  // namespace qforge
