#include "quant/kernels/activations.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/cpu_features.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

std::size_t round64(std::size_t n) { return (n + 63) / 64 * 64; }

void check_blocks(ActivationFormat f, std::int64_t n, std::int64_t block) {
    if (n % block != 0) fail("{} activations need rows of whole {}-value blocks, not {}", activation_format_name(f), block, n);
}

}  // namespace

Q8SumsLayout q8_0_sums_layout(std::int64_t n) {
    Q8SumsLayout l;
    const auto blocks = static_cast<std::size_t>(n / 32) * kActivationTile;  // (block, token) pairs
    l.d = round64(blocks * 32);
    l.minus8 = l.d + round64(blocks * sizeof(float));
    l.minus128 = l.minus8 + round64(blocks * sizeof(std::int32_t));
    l.stride = l.minus128 + round64(blocks * sizeof(std::int32_t));
    return l;
}

Q8SumsLayout q8_k_sums_layout(std::int64_t n) {
    Q8SumsLayout l;
    const auto blocks = static_cast<std::size_t>(n / 256) * kActivationTile;
    l.d = round64(blocks * 256);
    l.sums16 = l.d + round64(blocks * sizeof(float));
    l.sums32 = l.sums16 + round64(blocks * 16 * sizeof(std::int16_t));
    l.stride = l.sums32 + round64(blocks * 8 * sizeof(std::int16_t));
    return l;
}

int activation_tile_tokens(ActivationFormat f) {
    return f == ActivationFormat::Q8_0_SUMS || f == ActivationFormat::Q8_K_SUMS ? kActivationTile : 1;
}

std::size_t activation_bytes(ActivationFormat f, std::int64_t n, std::int64_t n_tokens) {
    const std::int64_t tile = activation_tile_tokens(f);
    return activation_row_stride(f, n) * static_cast<std::size_t>((n_tokens + tile - 1) / tile);
}

std::string_view activation_format_name(ActivationFormat f) {
    switch (f) {
        case ActivationFormat::F32: return "f32";
        case ActivationFormat::F32_F16: return "f16";
        case ActivationFormat::F32_BF16: return "bf16";
        case ActivationFormat::F16: return "f16 (16-bit)";
        case ActivationFormat::BF16: return "bf16 (16-bit)";
        case ActivationFormat::Q8_0: return "q8_0";
        case ActivationFormat::Q8_1: return "q8_1";
        case ActivationFormat::Q8_K: return "q8_K";
        case ActivationFormat::Q8_0_SUMS: return "q8_0+sums";
        case ActivationFormat::Q8_K_SUMS: return "q8_K+sums";
    }
    return "?";
}

std::size_t activation_row_stride(ActivationFormat f, std::int64_t n) {
    switch (f) {
        case ActivationFormat::F32:
        case ActivationFormat::F32_F16:
        case ActivationFormat::F32_BF16: return round64(static_cast<std::size_t>(n) * sizeof(float));
        case ActivationFormat::F16:
        case ActivationFormat::BF16: return round64(static_cast<std::size_t>(n) * sizeof(std::uint16_t));
        case ActivationFormat::Q8_0: return round64(static_cast<std::size_t>(n / 32) * sizeof(BlockQ8_0));
        case ActivationFormat::Q8_1: return round64(static_cast<std::size_t>(n / 32) * sizeof(BlockQ8_1));
        case ActivationFormat::Q8_K: return round64(static_cast<std::size_t>(n / 256) * sizeof(BlockQ8_K));
        case ActivationFormat::Q8_0_SUMS: return q8_0_sums_layout(n).stride;
        case ActivationFormat::Q8_K_SUMS: return q8_k_sums_layout(n).stride;
    }
    fail("unknown activation format");
}

void convert_activation_row_reference(ActivationFormat f, const float* x, std::int64_t n, std::uint8_t* out, int slot) {
    switch (f) {
        case ActivationFormat::F32:
            std::memcpy(out, x, static_cast<std::size_t>(n) * sizeof(float));
            return;
        case ActivationFormat::F32_F16: {
            auto* y = reinterpret_cast<float*>(out);
            for (std::int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
            return;
        }
        case ActivationFormat::F32_BF16: {
            auto* y = reinterpret_cast<float*>(out);
            for (std::int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
            return;
        }
        case ActivationFormat::F16:
            convert_from_f32(TensorType::F16, x, out, static_cast<std::size_t>(n));
            return;
        case ActivationFormat::BF16:
            convert_from_f32(TensorType::BF16, x, out, static_cast<std::size_t>(n));
            return;
        case ActivationFormat::Q8_0:
            check_blocks(f, n, 32);
            quantize_row_q8_0_activations(x, reinterpret_cast<BlockQ8_0*>(out), n);
            return;
        case ActivationFormat::Q8_1:
            check_blocks(f, n, 32);
            quantize_row_q8_1_activations(x, reinterpret_cast<BlockQ8_1*>(out), n);
            return;
        case ActivationFormat::Q8_K:
            check_blocks(f, n, 256);
            quantize_row_q8_k(x, reinterpret_cast<BlockQ8_K*>(out), n);
            return;
        case ActivationFormat::Q8_0_SUMS: {
            check_blocks(f, n, 32);
            const Q8SumsLayout l = q8_0_sums_layout(n);
            auto* qs = reinterpret_cast<std::int8_t*>(out + l.qs);
            auto* d = reinterpret_cast<float*>(out + l.d);
            auto* minus8 = reinterpret_cast<std::int32_t*>(out + l.minus8);
            auto* minus128 = reinterpret_cast<std::int32_t*>(out + l.minus128);
            BlockQ8_0 block;
            for (std::int64_t b = 0; b < n / 32; ++b) {
                const std::int64_t at = b * kActivationTile + slot;
                quantize_row_q8_0_activations(x + 32 * b, &block, 32);
                std::memcpy(qs + 32 * at, block.qs, 32);
                d[at] = fp16_to_fp32(block.d);
                int s = 0;
                for (int j = 0; j < 32; ++j) s += block.qs[j];
                minus8[at] = -8 * s;
                minus128[at] = -128 * s;
            }
            return;
        }
        case ActivationFormat::Q8_K_SUMS: {
            check_blocks(f, n, 256);
            const Q8SumsLayout l = q8_k_sums_layout(n);
            auto* qs = reinterpret_cast<std::int8_t*>(out + l.qs);
            auto* d = reinterpret_cast<float*>(out + l.d);
            auto* s16 = reinterpret_cast<std::int16_t*>(out + l.sums16);
            auto* s32 = reinterpret_cast<std::int16_t*>(out + l.sums32);
            BlockQ8_K block;
            for (std::int64_t b = 0; b < n / 256; ++b) {
                const std::int64_t at = b * kActivationTile + slot;
                quantize_row_q8_k(x + 256 * b, &block, 256);
                std::memcpy(qs + 256 * at, block.qs, 256);
                d[at] = block.d;
                for (int g = 0; g < 16; ++g) s16[16 * at + g] = block.bsums[g];
                for (int g = 0; g < 8; ++g)
                    s32[8 * at + g] = static_cast<std::int16_t>(block.bsums[2 * g] + block.bsums[2 * g + 1]);
            }
            return;
        }
    }
    fail("unknown activation format");
}

void convert_activation_row(ActivationFormat f, const float* x, std::int64_t n, std::uint8_t* out, int slot) {
    static const bool avx512 = [] {
        const CpuFeatures& c = cpu_features();
        return vec_dot_isa() == "avx512" && c.avx512bw && c.avx512vl && c.avx512dq;
    }();
    if (avx512) convert_activation_row_avx512(f, x, n, out, slot);
    else convert_activation_row_reference(f, x, n, out, slot);
}

}  // namespace qforge
