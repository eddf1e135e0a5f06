// Writes a Llama-shaped GGUF with random weights, so engine speed can be measured on models of real shapes
// without downloading one, in qforge and in llama.cpp alike (the file carries a SentencePiece-style vocabulary
// of the requested size, which llama.cpp's loader needs):
//   make_synthetic_model OUT.gguf [--shape tinyllama|llama-8b|wide-1b] [--params 1B]
//                        [--n-embd N --n-layer N --n-head N --n-head-kv N --n-ff N --n-vocab N]
//                        [--type f32|f16|bf16|q8_0] [--seed N]
// --shape takes a known model's dimensions (TinyLlama 1.1B: 2048/5632/22 layers/32 heads/4 kv; Llama 3 8B:
// 4096/14336/32/32/8 with 128256 tokens; wide-1b: the 1.09B shape of qforge's first side-by-side table,
// 2560/7168/13/20/5); --params picks Llama proportions near a size; explicit dimensions override either.
// Tensors are generated and written one at a time.
//   make_synthetic_model OUT_DIR --format hf --arch llama|qwen2|qwen3 --tokenizer DIR [dimensions] [--head-dim N]
// writes a Hugging Face checkpoint of a registered family instead (model/synthetic_checkpoint.h), with the
// tokenizer files of the checkpoint in DIR (e.g. ../shared/fixtures/models/pydoc6m: --n-vocab 4096).
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/error.h"
#include "core/float_convert.h"
#include "formats/gguf/gguf_writer.h"
#include "model/model_family.h"
#include "model/synthetic_checkpoint.h"
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

std::optional<Shape> named_shape(const std::string& name) {
    if (name == "tinyllama") return Shape{2048, 22, 32, 4, 5632, 32000};
    if (name == "llama-8b") return Shape{4096, 32, 32, 8, 14336, 128256};
    if (name == "wide-1b") return Shape{2560, 13, 20, 5, 7168, 32000};
    return std::nullopt;
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

// A SentencePiece ("llama") vocabulary of n tokens: <unk>, <s>, </s>, the 256 byte tokens, then distinct
// word pieces, so llama.cpp's loader (which looks up the newline byte token) and qforge's tokenizer accept it.
void add_vocabulary(GgufMetadata& m, std::int64_t n) {
    if (n < 259 + 1) fail("a vocabulary needs at least 260 tokens, not {}", n);
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<float> scores = {0.0f, 0.0f, 0.0f};
    std::vector<std::int32_t> types = {2, 3, 3};  // unknown, control, control
    for (int b = 0; b < 256; ++b) {
        tokens.push_back(fmt::format("<0x{:02X}>", b));
        scores.push_back(0.0f);
        types.push_back(6);  // byte
    }
    const std::string letters = "abcdefghijklmnopqrstuvwxyz";
    for (std::int64_t i = 0; static_cast<std::int64_t>(tokens.size()) < n; ++i) {
        std::string piece = "\xe2\x96\x81";  // ▁, SentencePiece's word boundary
        for (std::int64_t v = i;; v = v / 26 - 1) {
            piece += letters[static_cast<std::size_t>(v % 26)];
            if (v < 26) break;
        }
        tokens.push_back(piece);
        scores.push_back(-static_cast<float>(i));
        types.push_back(1);  // normal
    }
    m.set("tokenizer.ggml.model", GgufValue::make<std::string>("llama"));
    m.set("tokenizer.ggml.tokens", GgufValue::make(GgufArray::of_strings(std::move(tokens))));
    m.set("tokenizer.ggml.scores", GgufValue::make(GgufArray::of_f32(scores)));
    m.set("tokenizer.ggml.token_type", GgufValue::make(GgufArray::of_i32(types)));
    m.set("tokenizer.ggml.bos_token_id", GgufValue::make(static_cast<std::uint32_t>(1)));
    m.set("tokenizer.ggml.eos_token_id", GgufValue::make(static_cast<std::uint32_t>(2)));
    m.set("tokenizer.ggml.unknown_token_id", GgufValue::make(static_cast<std::uint32_t>(0)));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Write a synthetic Llama-shaped GGUF with random weights"};
    std::string out, params = "1B", type = "f16", shape_name, format = "gguf", arch = "llama", tokenizer;
    std::int64_t n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_vocab = 0, head_dim = 0;
    unsigned seed = 1;
    app.add_option("out", out, "Output .gguf")->required();
    app.add_option("--shape", shape_name, "Dimensions of a known model")->check(CLI::IsMember({"tinyllama", "llama-8b", "wide-1b"}));
    app.add_option("--params", params, "Approximate parameter count with Llama proportions (e.g. 125M, 1B, 7B)");
    app.add_option("--n-embd", n_embd, "Hidden size")->check(CLI::Range(64, 65536));
    app.add_option("--n-layer", n_layer, "Layers")->check(CLI::Range(1, 1024));
    app.add_option("--n-head", n_head, "Attention heads")->check(CLI::Range(1, 1024));
    app.add_option("--n-head-kv", n_head_kv, "Key/value heads")->check(CLI::Range(1, 1024));
    app.add_option("--n-ff", n_ff, "Feed-forward size")->check(CLI::Range(64, 1 << 20));
    app.add_option("--n-vocab", n_vocab, "Vocabulary size")->check(CLI::Range(260, 1 << 22));
    app.add_option("--type", type, "Matrix type: f32, f16, bf16 or q8_0")->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0"}));
    app.add_option("--seed", seed, "Random seed");
    app.add_option("--format", format, "gguf (llama only) or hf (a Hugging Face checkpoint directory)")->check(CLI::IsMember({"gguf", "hf"}));
    app.add_option("--arch", arch, "Model family (" + supported_architectures() + ")");
    app.add_option("--tokenizer", tokenizer, "Checkpoint directory whose tokenizer files an hf checkpoint takes");
    app.add_option("--head-dim", head_dim, "Head size, when not n_embd / n_head")->check(CLI::Range(8, 1024));
    std::int64_t n_expert = 0, n_expert_used = 2, n_ff_exp = 0;
    std::string hf_class;
    app.add_option("--n-expert", n_expert, "Routed experts per layer (hf: mixtral-style llama, qwen3moe)")->check(CLI::Range(0, 4096));
    app.add_option("--n-expert-used", n_expert_used, "Experts each token uses")->check(CLI::Range(1, 4096));
    app.add_option("--n-ff-exp", n_ff_exp, "An expert's feed-forward size (default: --n-ff)")->check(CLI::Range(16, 1 << 20));
    app.add_option("--hf-class", hf_class, "config.json's architecture, one of the family's (default: its first, of those with experts when --n-expert is given)");
    std::int64_t sliding_window = 0, n_ctx = 0, n_ctx_orig = 0;
    app.add_option("--sliding-window", sliding_window, "Sliding-window attention over this many positions (hf: config.json's sliding_window)")
        ->check(CLI::Range(1, 1 << 24));
    app.add_option("--n-ctx", n_ctx, "Training context (hf: max_position_embeddings; default 1024)")->check(CLI::Range(16, 1 << 24));
    app.add_option("--n-ctx-orig", n_ctx_orig, "Context before extension (hf, phi3: original_max_position_embeddings, with LongRoPE factors when below --n-ctx)")
        ->check(CLI::Range(16, 1 << 24));
    CLI11_PARSE(app, argc, argv);
    try {
        Shape s = shape_name.empty() ? shape_for(parse_count(params)) : *named_shape(shape_name);
        if (n_embd) s.n_embd = n_embd;
        if (n_layer) s.n_layer = n_layer;
        if (n_head) s.n_head = n_head;
        if (n_head_kv) s.n_head_kv = n_head_kv;
        if (n_ff) s.n_ff = n_ff;
        if (n_vocab) s.n_vocab = n_vocab;
        const ModelFamily* family = find_family(arch);
        if (family == nullptr) fail("--arch {}: not a known family (known: {})", arch, supported_architectures());
        if (format == "hf") {
            const TensorType dtype = *type_from_name(type);
            SyntheticShape shape{s.n_embd, s.n_layer, s.n_head, s.n_head_kv, s.n_ff, s.n_vocab, head_dim};
            if (n_expert > 0) {
                shape.n_expert = n_expert;
                shape.n_expert_used = n_expert_used;
                shape.n_ff_exp = n_ff_exp;
            }
            shape.sliding_window = sliding_window;
            if (n_ctx > 0) shape.n_ctx = n_ctx;
            shape.n_ctx_orig = n_ctx_orig;
            write_synthetic_checkpoint(*family, shape, {dtype, seed, tokenizer, hf_class}, out);
            fmt::print("wrote {} ({} checkpoint: n_embd {} n_layer {} n_head {} n_head_kv {} n_ff {} vocab {}, {})\n", out, arch,
                       s.n_embd, s.n_layer, s.n_head, s.n_head_kv, s.n_ff, s.n_vocab, type);
            return 0;
        }
        if (arch != "llama") fail("--arch {}: GGUF output is llama-shaped only (write --format hf and convert it)", arch);
        if (head_dim != 0) fail("--head-dim: GGUF output takes n_embd / n_head");
        if (s.n_embd % s.n_head != 0) fail("--n-embd {} is not a multiple of --n-head {}", s.n_embd, s.n_head);
        if (s.n_head % s.n_head_kv != 0) fail("--n-head {} is not a multiple of --n-head-kv {}", s.n_head, s.n_head_kv);
        const TensorType mt = *type_from_name(type);
        fmt::print("synthetic llama: n_embd {} n_layer {} n_head {} n_head_kv {} n_ff {} vocab {} = {:.3f}B parameters, {}\n",
                   s.n_embd, s.n_layer, s.n_head, s.n_head_kv, s.n_ff, s.n_vocab, static_cast<double>(s.params()) / 1e9, type);
        GgufMetadata m;
        auto u32 = [](std::int64_t v) { return GgufValue::make(static_cast<std::uint32_t>(v)); };
        const std::string name = shape_name.empty() ? "synthetic-" + params : "synthetic-" + shape_name;
        m.set("general.architecture", GgufValue::make<std::string>("llama"));
        m.set("general.name", GgufValue::make<std::string>(name));
        m.set("llama.block_count", u32(s.n_layer));
        m.set("llama.context_length", u32(4096));
        m.set("llama.embedding_length", u32(s.n_embd));
        m.set("llama.feed_forward_length", u32(s.n_ff));
        m.set("llama.attention.head_count", u32(s.n_head));
        m.set("llama.attention.head_count_kv", u32(s.n_head_kv));
        m.set("llama.rope.freq_base", GgufValue::make(10000.0f));
        m.set("llama.attention.layer_norm_rms_epsilon", GgufValue::make(1e-5f));
        m.set("general.file_type", u32(mt == TensorType::F32 ? 0 : mt == TensorType::F16 ? 1 : mt == TensorType::BF16 ? 32 : 7));
        m.set("general.quantization_version", u32(2));
        add_vocabulary(m, s.n_vocab);
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
