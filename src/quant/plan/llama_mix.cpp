#include "quant/plan/llama_mix.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

#include "core/error.h"

namespace qforge {
namespace {

using T = TensorType;

// llama_ftype ids (include/llama.h) and llama-quantize's default type per ftype.
const std::array<LlamaMix, 31> kMixes = {{
    {"F32", 0, T::F32}, {"F16", 1, T::F16}, {"BF16", 32, T::BF16}, {"Q4_0", 2, T::Q4_0}, {"Q4_1", 3, T::Q4_1},
    {"Q5_0", 8, T::Q5_0}, {"Q5_1", 9, T::Q5_1}, {"Q8_0", 7, T::Q8_0}, {"Q2_K", 10, T::Q2_K}, {"Q2_K_S", 21, T::Q2_K},
    {"Q3_K_S", 11, T::Q3_K}, {"Q3_K_M", 12, T::Q3_K}, {"Q3_K_L", 13, T::Q3_K}, {"Q4_K_S", 14, T::Q4_K},
    {"Q4_K_M", 15, T::Q4_K}, {"Q5_K_S", 16, T::Q5_K}, {"Q5_K_M", 17, T::Q5_K}, {"Q6_K", 18, T::Q6_K},
    {"IQ2_XXS", 19, T::IQ2_XXS}, {"IQ2_XS", 20, T::IQ2_XS}, {"IQ3_XS", 22, T::IQ3_S}, {"IQ3_XXS", 23, T::IQ3_XXS},
    {"IQ1_S", 24, T::IQ1_S}, {"IQ4_NL", 25, T::IQ4_NL}, {"IQ3_S", 26, T::IQ3_S}, {"IQ3_M", 27, T::IQ3_S},
    {"IQ2_S", 28, T::IQ2_XS}, {"IQ2_M", 29, T::IQ2_S}, {"IQ4_XS", 30, T::IQ4_XS}, {"IQ1_M", 31, T::IQ1_M},
    {"TQ1_0", 36, T::TQ1_0},
}};

bool is(const LlamaMix& mix, const char* name) { return mix.name == name; }
bool any(const LlamaMix& mix, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (mix.name == n) return true;
    return false;
}
bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

}  // namespace

std::optional<LlamaMix> find_llama_mix(const std::string& name) {
    std::string upper = name;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    for (const auto& m : kMixes)
        if (m.name == upper) return m;
    if (upper == "TQ2_0") return LlamaMix{"TQ2_0", 37, T::TQ2_0};
    return std::nullopt;
}

std::vector<std::string> llama_mix_names() {
    std::vector<std::string> names;
    for (const auto& m : kMixes) names.push_back(m.name);
    return names;
}

MixPlanner::MixPlanner(const LlamaMix& mix, const MixModelInfo& model, const MixUserTypes& user)
    : mix_(mix), m_(model), user_(user) {}

TensorType MixPlanner::choose(const std::string& name, std::int64_t ne0) {
    const LlamaMix& f = mix_;
    TensorType t = f.default_type;
    const std::int64_t n_gqa = m_.n_head_kv > 0 ? m_.n_head / m_.n_head_kv : 1;
    const bool falcon = m_.arch == "falcon";
    const bool is_70b = m_.arch == "llama" && m_.n_layer == 80 && m_.n_head != m_.n_head_kv;
    const int n_layer = static_cast<int>(m_.n_layer);
    auto layer_of = [&](int counter) {
        if (m_.n_expert > 1) {
            int layer = -1;
            if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1 || layer < 0 || layer >= n_layer)
                fail("cannot tell the layer of tensor '{}'", name);
            return layer;
        }
        return counter;
    };
    const bool iq_low = any(f, {"IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ2_S", "IQ2_M", "IQ1_M"});

    if (name == "output.weight" || (!m_.has_output && name == "token_embd.weight")) {
        if (user_.output) t = *user_.output;
        else if (falcon || ne0 % traits(t).block_size != 0) t = T::Q8_0;
        else if (any(f, {"IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ2_S", "IQ2_M", "IQ1_M"})) t = T::Q5_K;
        else if (t != T::Q8_0) t = T::Q6_K;
    } else if (name == "token_embd.weight") {
        if (user_.token_embedding) t = *user_.token_embedding;
        else if (any(f, {"IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ1_M"})) t = T::Q2_K;
        else if (any(f, {"IQ2_S", "IQ2_M", "IQ3_XXS"})) t = T::IQ3_S;
        else if (any(f, {"TQ1_0", "TQ2_0"})) t = T::Q4_K;
    } else if (iq_low) {
        if (contains(name, "attn_v.weight")) {
            if (n_gqa >= 4 || m_.n_expert >= 4) t = T::Q4_K;
            else t = any(f, {"IQ2_S", "IQ2_M"}) ? T::IQ3_S : T::Q2_K;
            ++i_attention_wv_;
        } else if (m_.n_expert == 8 && contains(name, "attn_k.weight")) {
            t = T::Q4_K;
        } else if (contains(name, "ffn_down")) {
            if (i_ffn_down_ < n_layer / 8) t = any(f, {"IQ2_S", "IQ2_M"}) ? T::IQ3_S : T::Q2_K;
            ++i_ffn_down_;
        } else if (contains(name, "attn_output.weight")) {
            if (m_.n_expert == 8) t = T::Q5_K;
            else if (any(f, {"IQ1_S", "IQ1_M"})) t = T::IQ2_XXS;
            else if (any(f, {"IQ2_S", "IQ2_M"})) t = T::IQ3_S;
        }
    } else if (contains(name, "attn_v.weight")) {
        if (is(f, "Q2_K")) t = n_gqa >= 4 ? T::Q4_K : T::Q3_K;
        else if (is(f, "Q2_K_S") && n_gqa >= 4) t = T::Q4_K;
        else if (is(f, "IQ3_XXS")) t = n_gqa >= 4 ? T::Q4_K : !m_.has_imatrix ? T::IQ3_S : T::IQ3_XXS;
        else if (any(f, {"IQ3_XS", "IQ3_S"}) && n_gqa >= 4) t = T::Q4_K;
        else if (is(f, "IQ3_M")) t = T::Q4_K;
        else if (is(f, "Q3_K_M")) t = i_attention_wv_ < 2 ? T::Q5_K : T::Q4_K;
        else if (is(f, "Q3_K_L")) t = T::Q5_K;
        else if (any(f, {"IQ4_NL", "IQ4_XS"}) && n_gqa >= 4) t = T::Q5_K;
        else if (any(f, {"Q4_K_M", "Q5_K_M"}) && use_more_bits(i_attention_wv_, m_.n_attention_wv)) t = T::Q6_K;
        else if (is(f, "Q4_K_S") && i_attention_wv_ < 4) t = T::Q5_K;
        if (is_70b && (t == T::Q3_K || t == T::Q4_K)) t = T::Q5_K;
        if (m_.n_expert == 8) t = T::Q8_0;
        ++i_attention_wv_;
    } else if (contains(name, "attn_k.weight")) {
        if (m_.n_expert == 8) t = T::Q8_0;
        else if (is(f, "IQ3_XS")) t = T::IQ3_XXS;
        else if (is(f, "IQ3_XXS")) t = T::IQ2_S;
    } else if (contains(name, "attn_q.weight")) {
        if (is(f, "IQ3_XS")) t = T::IQ3_XXS;
        else if (is(f, "IQ3_XXS")) t = T::IQ2_S;
    } else if (contains(name, "ffn_down")) {
        const int i = layer_of(i_ffn_down_), n = n_layer;
        if (is(f, "Q2_K")) t = T::Q3_K;
        else if (is(f, "Q2_K_S")) {
            if (i < n / 8) t = T::Q4_K;
        } else if (is(f, "IQ3_XXS") && !m_.has_imatrix) t = i < n / 8 ? T::Q4_K : T::Q3_K;
        else if (is(f, "Q3_K_M")) t = i < n / 16 ? T::Q5_K : !falcon || use_more_bits(i, n) ? T::Q4_K : T::Q3_K;
        else if (is(f, "IQ3_M") && (i < n / 8 || (m_.n_expert == 8 && use_more_bits(i, n)))) t = T::Q4_K;
        else if (is(f, "Q3_K_L")) t = falcon ? T::Q4_K : T::Q5_K;
        else if (is(f, "Q4_K_M")) {
            if (falcon) t = i < n / 16 ? T::Q6_K : use_more_bits(i, n) ? T::Q5_K : T::Q4_K;
            else if (use_more_bits(i, n)) t = T::Q6_K;
        } else if (i < n / 8 && any(f, {"IQ4_NL", "IQ4_XS"}) && !m_.has_imatrix) t = T::Q5_K;
        else if (is(f, "Q5_K_M") && use_more_bits(i, n)) t = T::Q6_K;
        else if (is(f, "Q4_K_S") && !falcon && i < n / 8) t = T::Q5_K;
        else if (any(f, {"Q4_0", "Q5_0"}) && m_.has_imatrix && i < n / 8) t = is(f, "Q4_0") ? T::Q4_1 : T::Q5_1;
        ++i_ffn_down_;
    } else if (contains(name, "attn_output.weight")) {
        if (!falcon) {
            if (m_.n_expert == 8) {
                if (any(f, {"Q2_K", "IQ3_XS", "IQ3_XXS", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S", "Q4_K_M", "IQ3_S",
                            "IQ3_M", "IQ4_XS"}))
                    t = T::Q5_K;
            } else {
                if (is(f, "Q2_K")) t = T::Q3_K;
                else if (is(f, "IQ3_XXS")) t = T::IQ3_S;
                else if (is(f, "Q3_K_M")) t = T::Q4_K;
                else if (is(f, "Q3_K_L")) t = T::Q5_K;
                else if (is(f, "IQ3_M")) t = T::Q4_K;
            }
        } else if (is(f, "Q3_K_L")) {
            t = T::Q4_K;
        }
    } else if (contains(name, "attn_qkv.weight")) {
        if (any(f, {"Q3_K_M", "Q3_K_L", "IQ3_M"})) t = T::Q4_K;
        else if (is(f, "Q4_K_M")) t = T::Q5_K;
        else if (is(f, "Q5_K_M")) t = T::Q6_K;
    } else if (contains(name, "ffn_gate")) {
        const int i = layer_of(i_ffn_gate_);
        if (is(f, "IQ3_XS") && i >= n_layer / 8 && i < 7 * n_layer / 8) t = T::IQ3_XXS;
        ++i_ffn_gate_;
    } else if (contains(name, "ffn_up")) {
        const int i = layer_of(i_ffn_up_);
        if (is(f, "IQ3_XS") && i >= n_layer / 8 && i < 7 * n_layer / 8) t = T::IQ3_XXS;
        ++i_ffn_up_;
    }

    if (ne0 % traits(t).block_size != 0) {  // llama.cpp's fallbacks for rows that do not fill blocks
        switch (t) {
            case T::TQ1_0: case T::TQ2_0: t = T::Q4_0; break;
            case T::IQ2_XXS: case T::IQ2_XS: case T::IQ2_S: case T::IQ3_XXS: case T::IQ3_S: case T::IQ1_S:
            case T::IQ1_M: case T::Q2_K: case T::Q3_K: case T::IQ4_XS: t = T::IQ4_NL; break;
            case T::Q4_K: t = T::Q5_0; break;
            case T::Q5_K: t = T::Q5_1; break;
            case T::Q6_K: t = T::Q8_0; break;
            default: fail("tensor '{}': rows of {} fit no block type", name, ne0);
        }
        if (ne0 % traits(t).block_size != 0) t = T::F16;
        ++n_fallback_;
    }
    return t;
}

}  // namespace qforge
