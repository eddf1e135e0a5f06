#pragma once
// llama-perplexity's base-logits file (--kl-divergence-base): "_logits_", int32 n_ctx, int32 n_vocab,
// int32 n_chunk, the n_chunk*n_ctx evaluation tokens, then for every scored token (the second half of each
// chunk but its last) 2*((n_vocab+1)/2)+4 uint16: a float scale and a float minimum log-probability, then
// each token's log-probability quantized to 16 bits over [max-16, max].
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/mapped_file.h"

namespace qforge {

std::int64_t logits_entry_words(std::int64_t n_vocab);  // uint16 words per scored token

// Encodes one row of logits; returns the negative log-likelihood of `token`, as llama.cpp computes it.
double encode_log_probs(const float* logits, std::int64_t n_vocab, std::int32_t token, std::uint16_t* out);

class LogitsFileWriter {
public:
    LogitsFileWriter(const std::string& path, std::int32_t n_ctx, std::int32_t n_vocab, std::int32_t n_chunk,
                     std::span<const std::int32_t> tokens);
    void append(std::span<const std::uint16_t> entries);
    void finish() { out_.commit(); }

private:
    AtomicFile out_;
};

class LogitsFileReader {
public:
    explicit LogitsFileReader(const std::string& path);
    std::int32_t n_ctx() const { return n_ctx_; }
    std::int32_t n_vocab() const { return n_vocab_; }
    std::int32_t n_chunk() const { return n_chunk_; }
    std::span<const std::int32_t> tokens() const { return tokens_; }
    // The scored-token entries of chunk c.
    const std::uint16_t* chunk(std::int32_t c) const;

private:
    std::unique_ptr<MappedFile> file_;
    std::int32_t n_ctx_ = 0, n_vocab_ = 0, n_chunk_ = 0;
    std::vector<std::int32_t> tokens_;
    std::uint64_t entries_offset_ = 0, chunk_words_ = 0;
};

}  // namespace qforge
