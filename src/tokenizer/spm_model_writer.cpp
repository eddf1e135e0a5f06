#include "tokenizer/spm_model_writer.h"

#include <bit>
#include <cstdint>
#include <unordered_set>

#include "core/error.h"

namespace qforge {
namespace {

// Field numbers of sentencepiece_model.proto (google/sentencepiece src/sentencepiece_model.proto).
enum : std::uint32_t {
    kModelPieces = 1, kModelTrainerSpec = 2, kModelNormalizerSpec = 3,
    kPiecePiece = 1, kPieceScore = 2, kPieceType = 3,
    kTrainerModelType = 3, kTrainerVocabSize = 4, kTrainerByteFallback = 35, kTrainerUnkId = 40, kTrainerBosId = 41,
    kTrainerEosId = 42, kTrainerPadId = 43, kTrainerUnkPiece = 45, kTrainerBosPiece = 46, kTrainerEosPiece = 47,
    kTrainerPadPiece = 48,  // (44 is unk_surface)
    kNormalizerName = 1, kNormalizerAddDummyPrefix = 3, kNormalizerRemoveExtraWhitespaces = 4,
};
constexpr std::uint32_t kModelTypeBpe = 2;
constexpr std::uint32_t kWireVarint = 0, kWireLength = 2, kWireFixed32 = 5;

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}
void put_tag(std::string& out, std::uint32_t field, std::uint32_t wire) { put_varint(out, (std::uint64_t{field} << 3) | wire); }
// int32 fields take negative values as ten-byte varints of their 64-bit two's complement (pad_id -1).
void put_int(std::string& out, std::uint32_t field, std::int64_t v) {
    put_tag(out, field, kWireVarint);
    put_varint(out, static_cast<std::uint64_t>(v));
}
void put_bytes(std::string& out, std::uint32_t field, const std::string& bytes) {
    put_tag(out, field, kWireLength);
    put_varint(out, bytes.size());
    out += bytes;
}
void put_float(std::string& out, std::uint32_t field, float v) {
    put_tag(out, field, kWireFixed32);
    const auto u = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

}  // namespace

std::string sentencepiece_model_bytes(const Vocab& v) {
    if (v.model != "llama") fail("tokenizer.ggml.model is '{}': only a SentencePiece vocabulary ('llama') is a tokenizer.model", v.model);
    const std::size_t n = v.tokens.size();
    if (v.types.size() != n || (!v.scores.empty() && v.scores.size() != n))
        fail("the vocabulary's tokens, scores and types differ in count ({}, {}, {})", n, v.scores.size(), v.types.size());
    // SentencePiece needs its unknown piece typed so; a converter marks it control when tokenizer_config.json lists
    // it as special (Phi-3), and hf_tokenizer_files lists it there again
    std::int64_t unk = v.special_id("unk") ? static_cast<std::int64_t>(*v.special_id("unk")) : -1;
    for (std::size_t i = 0; i < n && unk < 0; ++i)
        if (v.types[i] == TokenType::Unknown) unk = static_cast<std::int64_t>(i);
    if (unk < 0 || static_cast<std::size_t>(unk) >= n) fail("the vocabulary has no unknown token; SentencePiece requires one");
    std::string out;
    std::unordered_set<std::string_view> seen;
    bool bytes = false;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& piece = v.tokens[i];
        if (piece.empty()) fail("token {} is empty; a SentencePiece model cannot hold it", i);
        if (!seen.insert(piece).second) fail("token {} ('{}') appears twice; a SentencePiece model cannot hold it", i, piece);
        std::string p;
        put_bytes(p, kPiecePiece, piece);
        put_float(p, kPieceScore, v.scores.empty() ? 0.0f : v.scores[i]);
        // one piece is the unknown one; others typed unknown (an older converter's padding) become unused
        const TokenType type = static_cast<std::int64_t>(i) == unk ? TokenType::Unknown
                               : v.types[i] == TokenType::Unknown ? TokenType::Unused : v.types[i];
        if (type != TokenType::Normal) put_int(p, kPieceType, static_cast<std::int64_t>(type));  // the same numbering
        bytes |= type == TokenType::Byte;
        put_bytes(out, kModelPieces, p);
    }
    auto id = [&](const char* kind) { return v.special_id(kind) ? static_cast<std::int64_t>(*v.special_id(kind)) : -1; };

    std::string trainer;
    put_int(trainer, kTrainerModelType, kModelTypeBpe);
    put_int(trainer, kTrainerVocabSize, static_cast<std::int64_t>(n));
    if (bytes) put_int(trainer, kTrainerByteFallback, 1);
    put_int(trainer, kTrainerUnkId, unk);
    put_int(trainer, kTrainerBosId, id("bos"));
    put_int(trainer, kTrainerEosId, id("eos"));
    put_int(trainer, kTrainerPadId, id("pad"));
    // The processor finds bos/eos/pad by these names, not by the ids.
    put_bytes(trainer, kTrainerUnkPiece, v.tokens[static_cast<std::size_t>(unk)]);
    if (id("bos") >= 0) put_bytes(trainer, kTrainerBosPiece, v.tokens[static_cast<std::size_t>(id("bos"))]);
    if (id("eos") >= 0) put_bytes(trainer, kTrainerEosPiece, v.tokens[static_cast<std::size_t>(id("eos"))]);
    if (id("pad") >= 0) put_bytes(trainer, kTrainerPadPiece, v.tokens[static_cast<std::size_t>(id("pad"))]);
    put_bytes(out, kModelTrainerSpec, trainer);

    std::string normalizer;
    put_bytes(normalizer, kNormalizerName, "identity");
    put_int(normalizer, kNormalizerAddDummyPrefix, v.add_space_prefix.value_or(true) ? 1 : 0);
    put_int(normalizer, kNormalizerRemoveExtraWhitespaces, 0);
    put_bytes(out, kModelNormalizerSpec, normalizer);
    return out;
}

}  // namespace qforge
