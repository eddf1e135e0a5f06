// Writes a Llama-shaped GGUF with random weights at a chosen size, so engine speed can be measured on
// bandwidth-bound models without downloading one:
//   make_synthetic_model OUT.gguf [--params 1B] [--type f16|f32|bf16|q8_0] [--seed N]
// Shapes follow Llama proportions (n_ff = 2.75 n_embd, head size 64 or 128, 4 query heads per KV head,
// 32000-token vocabulary). Tensors are generated and written one at a time.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/gguf/gguf_writer.h"
#include "quant/codecs/legacy.h"

using namespace qforge;

namespace {

struct Shape {
    std::int64_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab = 32000;
    std::uint64_t params() const {
        const std::uint64_t hd = static_cast<std::uint64_t>(n_embd / n_head);
        const std::uint64_t per_layer = static_cast<std::uint64_t>(n_embd) * n_embd * 2 +
                                        static_cast<std::uint64_t>(n_embd) * hd * n_head_kv * 2 +
                                        static_cast<std::uint64_t>(n_embd) * n_ff * 3 + 2 * n_embd;
        return per_layer * n_layer + 2ull * n_vocab * n_embd + n_embd;
    }
};

Shape shape_for(double target) {
    Shape best{256, 1, 4, 1, 704};
    for (std::int64_t e = 256; e <= 16384; e += 256) {
        const std::int64_t head = e >= 2048 ? 128 : 64;
        if (e % head) continue;
        const std::int64_t heads = e / head;
        const std::int64_t kv = std::max<std::int64_t>(1, heads / 4);
        if (heads % kv) continue;
        const std::int64_t ff = (e * 11 / 4 + 255) / 256 * 256;
        for (std::int64_t l = 1; l <= 128; ++l) {
            Shape s{e, l, heads, kv, ff};
            // keep depth/width near Llama's (layers ~ width/128)
            if (std::abs(static_cast<double>(l) - static_cast<double>(e) / 128.0) > static_cast<double>(e) / 256.0) continue;
            if (std::fabs(static_cast<double>(s.params()) - target) < std::fabs(static_cast<double>(best.params()) - target)) best = s;
        }
    }
    return best;
}

double parse_count(const std::string& s) {
    double v = std::stod(s);
    switch (s.back()) {
        case 'K': case 'k': return v * 1e3;
        case 'M': case 'm': return v * 1e6;
        case 'B': case 'b': return v * 1e9;
        default: return v;
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Write a synthetic Llama-shaped GGUF with random weights"};
    std::string out, params = "1B", type = "f16";
    unsigned seed = 1;
    app.add_option("out", out, "Output .gguf")->required();
    app.add_option("--params", params, "Approximate parameter count (e.g. 125M, 1B, 7B)");
    app.add_option("--type", type, "Matrix type: f32, f16, bf16 or q8_0")->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0"}));
    app.add_option("--seed", seed, "Random seed");
    CLI11_PARSE(app, argc, argv);
    try {
        const Shape s = shape_for(parse_count(params));
        const TensorType mt = *type_from_name(type);
        fmt::print("synthetic llama: n_embd {} n_layer {} n_head {} n_head_kv {} n_ff {} vocab {} = {:.3f}B parameters, {}\n",
                   s.n_embd, s.n_layer, s.n_head, s.n_head_kv, s.n_ff, s.n_vocab, static_cast<double>(s.params()) / 1e9, type);
        GgufMetadata m;
        auto u32 = [](std::int64_t v) { return GgufValue::make(static_cast<std::uint32_t>(v)); };
        m.set("general.architecture", GgufValue::make<std::string>("llama"));
        m.set("general.name", GgufValue::make<std::string>("synthetic-" + params));
        m.set("llama.block_count", u32(s.n_layer));
        m.set("llama.context_length", u32(4096));
        m.set("llama.embedding_length", u32(s.n_embd));
        m.set("llama.feed_forward_length", u32(s.n_ff));
        m.set("llama.attention.head_count", u32(s.n_head));
        m.set("llama.attention.head_count_kv", u32(s.n_head_kv));
        m.set("llama.rope.freq_base", GgufValue::make(10000.0f));
        m.set("llama.attention.layer_norm_rms_epsilon", GgufValue::make(1e-5f));
        m.set("general.quantization_version", u32(2));
        const std::int64_t hd = s.n_embd / s.n_head, kv = hd * s.n_head_kv;
        std::vector<GgufTensorInfo> infos = {{"token_embd.weight", mt, {s.n_embd, s.n_vocab}},
                                             {"output_norm.weight", TensorType::F32, {s.n_embd}},
                                             {"output.weight", mt, {s.n_embd, s.n_vocab}}};
        for (std::int64_t l = 0; l < s.n_layer; ++l) {
            const std::string p = "blk." + std::to_string(l) + ".";
            for (const auto& [n, ne0, ne1] : std::vector<std::tuple<std::string, std::int64_t, std::int64_t>>{
                     {"attn_q.weight", s.n_embd, s.n_embd}, {"attn_k.weight", s.n_embd, kv}, {"attn_v.weight", s.n_embd, kv},
                     {"attn_output.weight", s.n_embd, s.n_embd}, {"ffn_gate.weight", s.n_embd, s.n_ff},
                     {"ffn_up.weight", s.n_embd, s.n_ff}, {"ffn_down.weight", s.n_ff, s.n_embd}})
                infos.push_back({p + n, mt, {ne0, ne1}});
            infos.push_back({p + "attn_norm.weight", TensorType::F32, {s.n_embd}});
            infos.push_back({p + "ffn_norm.weight", TensorType::F32, {s.n_embd}});
        }
        GgufWriter w(out, m, infos);
        std::mt19937 rng(seed);
        for (const auto& t : infos) {
            const std::int64_t row = t.ne[0], rows = t.ne.size() > 1 ? t.ne[1] : 1;
            std::normal_distribution<float> dist(0.0f, t.ne.size() == 1 ? 0.0f : 1.0f / std::sqrt(static_cast<float>(row)));
            std::vector<float> x(static_cast<std::size_t>(row));
            std::vector<std::uint8_t> bytes(t.nbytes() / static_cast<std::size_t>(rows));
            for (std::int64_t r = 0; r < rows; ++r) {
                for (auto& v : x) v = t.ne.size() == 1 ? 1.0f : dist(rng);
                if (t.type == TensorType::Q8_0) quantize_row_q8_0(x.data(), reinterpret_cast<BlockQ8_0*>(bytes.data()), row);
                else convert_from_f32(t.type, x.data(), bytes.data(), x.size());
                w.write(bytes);
            }
        }
        w.finish();
        fmt::print("wrote {}\n", out);
    } catch (const Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
