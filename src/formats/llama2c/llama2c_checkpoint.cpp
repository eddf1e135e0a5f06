#include "formats/llama2c/llama2c_checkpoint.h"

#include <cstring>
#include <fstream>

#include "core/byte_reader.h"
#include "core/error.h"

namespace qforge {
namespace {

constexpr std::uint32_t kMagicV1 = 0x616b3432;  // "ak42"
constexpr std::uint64_t kHeaderV1 = 256;

struct Layout {
    const MappedFile& file;
    std::uint64_t pos;
    std::vector<TensorView>& out;

    // Takes `count` consecutive tensors of ne each (one per layer when count > 1).
    void take(const std::string& name_pattern, std::vector<std::int64_t> ne, std::int32_t count) {
        std::uint64_t n = 1;
        for (auto d : ne) n *= static_cast<std::uint64_t>(d);
        for (std::int32_t i = 0; i < count; ++i) {
            const std::uint64_t bytes = n * 4;
            if (pos > file.size() || bytes > file.size() - pos)
                fail("{}: truncated: tensor '{}' needs {} bytes at offset {}, file has {}", file.path(),
                     name_of(name_pattern, i), bytes, pos, file.size());
            TensorView t;
            t.name = name_of(name_pattern, i);
            t.type = TensorType::F32;
            t.ne = ne;
            t.data = file.bytes().subspan(pos, bytes);
            out.push_back(std::move(t));
            pos += bytes;
        }
    }
    void skip(std::uint64_t bytes, const char* what) {
        if (pos > file.size() || bytes > file.size() - pos)
            fail("{}: truncated in {} at offset {}", file.path(), what, pos);
        pos += bytes;
    }
    static std::string name_of(const std::string& pattern, std::int32_t layer) {
        const auto at = pattern.find("{}");
        if (at == std::string::npos) return pattern;
        return pattern.substr(0, at) + std::to_string(layer) + pattern.substr(at + 2);
    }
};

void check_config(const std::string& path, Llama2cConfig& c) {
    auto positive = [&](std::int32_t v, const char* field, std::int32_t max) {
        if (v <= 0 || v > max) fail("{}: header field {} is {} (expected 1..{})", path, field, v, max);
    };
    positive(c.dim, "dim", 1 << 16);
    positive(c.hidden_dim, "hidden_dim", 1 << 18);
    positive(c.n_layers, "n_layers", 1024);
    positive(c.n_heads, "n_heads", 1024);
    positive(c.n_kv_heads, "n_kv_heads", 1024);
    positive(c.vocab_size, "vocab_size", 1 << 22);
    positive(c.seq_len, "seq_len", 1 << 24);
    if (c.dim % c.n_heads != 0) fail("{}: dim {} is not divisible by n_heads {}", path, c.dim, c.n_heads);
    if (c.n_heads % c.n_kv_heads != 0)
        fail("{}: n_heads {} is not divisible by n_kv_heads {}", path, c.n_heads, c.n_kv_heads);
    if ((c.dim / c.n_heads) % 2 != 0) fail("{}: head size {} must be even for RoPE", path, c.dim / c.n_heads);
}

}  // namespace

bool Llama2cCheckpoint::sniff(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::int32_t h[7] = {};
    if (!in.read(reinterpret_cast<char*>(h), sizeof(h))) return false;
    std::uint32_t magic;
    std::memcpy(&magic, h, 4);
    if (magic == kMagicV1) return true;
    for (int i = 0; i < 7; ++i)
        if (i != 5 && h[i] <= 0) return false;
    return h[5] != 0 && h[0] % h[3] == 0 && h[3] % h[4] == 0;
}

Llama2cCheckpoint::Llama2cCheckpoint(const std::string& path) : file_(std::make_shared<MappedFile>(path)) {
    ByteReader r(file_->bytes(), path);
    auto& c = config_;
    std::uint32_t magic = r.read<std::uint32_t>("magic or dim");
    if (magic == kMagicV1) {
        c.version = r.read<std::int32_t>("version");
        if (c.version != 1)
            fail("{}: llama2.c checkpoint version {} is not supported (expected 1: fp32; version 2 holds int8 "
                 "weights)", path, c.version);
        c.dim = r.read<std::int32_t>("dim");
    } else {
        std::memcpy(&c.dim, &magic, 4);
    }
    c.hidden_dim = r.read<std::int32_t>("hidden_dim");
    c.n_layers = r.read<std::int32_t>("n_layers");
    c.n_heads = r.read<std::int32_t>("n_heads");
    c.n_kv_heads = r.read<std::int32_t>("n_kv_heads");
    c.vocab_size = r.read<std::int32_t>("vocab_size");
    c.seq_len = r.read<std::int32_t>("seq_len");
    if (c.version == 1) {
        c.shared_classifier = r.read<std::uint8_t>("shared_classifier") != 0;
    } else {
        // legacy: a negative vocab_size means the classifier is stored separately
        c.shared_classifier = c.vocab_size > 0;
        if (c.vocab_size < 0 && c.vocab_size != INT32_MIN) c.vocab_size = -c.vocab_size;
    }
    check_config(path, c);

    const std::int64_t dim = c.dim, hidden = c.hidden_dim, vocab = c.vocab_size;
    const std::int64_t head = dim / c.n_heads, kv_dim = head * c.n_kv_heads;
    const std::int32_t L = c.n_layers;
    Layout lay{*file_, c.version == 1 ? kHeaderV1 : 28, tensors_};
    if (c.version == 1 && file_->size() < kHeaderV1) fail("{}: truncated in the 256-byte header", path);
    if (c.version == 1) {
        lay.take("layers.{}.attention_norm.weight", {dim}, L);
        lay.take("layers.{}.ffn_norm.weight", {dim}, L);
        lay.take("norm.weight", {dim}, 1);
        lay.take("tok_embeddings.weight", {dim, vocab}, 1);
    } else {
        lay.take("tok_embeddings.weight", {dim, vocab}, 1);
        lay.take("layers.{}.attention_norm.weight", {dim}, L);
    }
    lay.take("layers.{}.attention.wq.weight", {dim, dim}, L);
    lay.take("layers.{}.attention.wk.weight", {dim, kv_dim}, L);
    lay.take("layers.{}.attention.wv.weight", {dim, kv_dim}, L);
    lay.take("layers.{}.attention.wo.weight", {dim, dim}, L);
    if (c.version == 0) lay.take("layers.{}.ffn_norm.weight", {dim}, L);
    lay.take("layers.{}.feed_forward.w1.weight", {dim, hidden}, L);
    lay.take("layers.{}.feed_forward.w2.weight", {hidden, dim}, L);
    lay.take("layers.{}.feed_forward.w3.weight", {dim, hidden}, L);
    if (c.version == 0) {
        lay.take("norm.weight", {dim}, 1);
        lay.skip(static_cast<std::uint64_t>(c.seq_len) * static_cast<std::uint64_t>(head) * 4,
                 "freq_cis_real/freq_cis_imag");
    }
    if (!c.shared_classifier) lay.take("output.weight", {dim, vocab}, 1);
    if (lay.pos != file_->size())
        fail("{}: {} bytes of trailing data after the weights (header says dim {}, {} layers, vocab {})", path,
             file_->size() - lay.pos, c.dim, c.n_layers, c.vocab_size);
}

}  // namespace qforge
