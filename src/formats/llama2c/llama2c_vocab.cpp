#include "formats/llama2c/llama2c_vocab.h"

#include "core/byte_reader.h"
#include "core/error.h"
#include "core/mapped_file.h"

namespace qforge {

std::vector<Llama2cToken> read_llama2c_vocab(const std::string& path, std::int32_t vocab_size) {
    MappedFile file(path);
    ByteReader r(file.bytes(), path);
    const auto max_len = r.read<std::uint32_t>("max_token_length");
    std::vector<Llama2cToken> tokens;
    tokens.reserve(static_cast<std::size_t>(vocab_size));
    for (std::int32_t i = 0; i < vocab_size; ++i) {
        Llama2cToken t;
        t.score = r.read<float>("score of token " + std::to_string(i));
        const auto len = r.read<std::int32_t>("length of token " + std::to_string(i));
        if (len < 0 || static_cast<std::uint32_t>(len) > max_len)
            fail("{}: token {} has length {} (expected 0..{} from max_token_length)", path, i, len, max_len);
        auto bytes = r.take(static_cast<std::uint64_t>(len), "bytes of token " + std::to_string(i));
        t.text.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        tokens.push_back(std::move(t));
    }
    if (r.remaining() != 0)
        fail("{}: {} bytes left after {} tokens (does the vocabulary belong to this model?)", path, r.remaining(),
             vocab_size);
    return tokens;
}

}  // namespace qforge
