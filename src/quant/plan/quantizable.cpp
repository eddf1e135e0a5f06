#include "quant/plan/quantizable.h"

#include <array>
#include <utility>

namespace qforge {

bool is_quantizable_tensor(const std::string& name, std::size_t n_dims, bool quantize_output) {
    if (!name.ends_with("weight") || n_dims < 2) return false;
    if (!quantize_output && name == "output.weight") return false;
    for (const char* skip : {"_norm.weight", "ffn_gate_inp.weight", "ssm_conv1d.weight", "time_mix_first.weight",
                             "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_decay_w1.weight",
                             "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight", "attn_rel_b.weight"})
        if (name.find(skip) != std::string::npos) return false;
    return name != "position_embd.weight" && name != "token_types.weight";
}

std::optional<std::uint32_t> llama_ftype_for(TensorType type) {
    static constexpr std::array<std::pair<TensorType, std::uint32_t>, 10> kFtypes = {{
        {TensorType::F32, 0}, {TensorType::F16, 1}, {TensorType::Q4_0, 2}, {TensorType::Q4_1, 3},
        {TensorType::Q8_0, 7}, {TensorType::Q5_0, 8}, {TensorType::Q5_1, 9}, {TensorType::BF16, 32},
        {TensorType::IQ4_NL, 25}, {TensorType::IQ4_XS, 30},
    }};
    for (const auto& [t, id] : kFtypes)
        if (t == type) return id;
    return std::nullopt;
}

}  // namespace qforge
