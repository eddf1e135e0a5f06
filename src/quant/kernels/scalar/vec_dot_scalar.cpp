// Reference dot products: plain loops, accumulation in float in element (or block) order, each term added
// with a fused multiply-add where the SIMD kernels add it so (float types; Q8_0/Q4_0/Q5_0/IQ4_NL blocks).
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/super_block.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {

float vec_dot_scalar(TensorType w, const void* a, const void* b, std::int64_t n) {
    float sum = 0.0f;
    switch (w) {
        case TensorType::F32: {
            const auto* x = static_cast<const float*>(a);
            const auto* y = static_cast<const float*>(b);
            for (std::int64_t i = 0; i < n; ++i) sum = std::fma(x[i], y[i], sum);
            return sum;
        }
        case TensorType::F16:
        case TensorType::BF16: {
            const auto* x = static_cast<const std::uint16_t*>(a);
            const auto* y = static_cast<const std::uint16_t*>(b);
            const bool half = w == TensorType::F16;
            for (std::int64_t i = 0; i < n; ++i)
                sum = half ? std::fma(fp16_to_fp32(x[i]), fp16_to_fp32(y[i]), sum) : std::fma(bf16_to_fp32(x[i]), bf16_to_fp32(y[i]), sum);
            return sum;
        }
        case TensorType::Q8_0: {
            const auto* x = static_cast<const BlockQ8_0*>(a);
            const auto* y = static_cast<const BlockQ8_0*>(b);
            for (std::int64_t blk = 0; blk < n / kQK8_0; ++blk) {
                int s = 0;
                for (int j = 0; j < kQK8_0; ++j) s += x[blk].qs[j] * y[blk].qs[j];
                sum = std::fma(static_cast<float>(s), fp16_to_fp32(x[blk].d) * fp16_to_fp32(y[blk].d), sum);
            }
            return sum;
        }
        case TensorType::Q4_0:
        case TensorType::Q5_0:
        case TensorType::IQ4_NL: {
            const auto* y = static_cast<const BlockQ8_0*>(b);
            for (std::int64_t blk = 0; blk < n / kQK4; ++blk) {
                std::int8_t q[kQK4];
                float d;
                if (w == TensorType::IQ4_NL) {
                    const auto& x = static_cast<const BlockIQ4_NL*>(a)[blk];
                    d = fp16_to_fp32(x.d);
                    for (int j = 0; j < kQK4 / 2; ++j) {
                        q[j] = kIQ4Values[x.qs[j] & 0x0F];
                        q[j + kQK4 / 2] = kIQ4Values[x.qs[j] >> 4];
                    }
                } else if (w == TensorType::Q4_0) {
                    const auto& x = static_cast<const BlockQ4_0*>(a)[blk];
                    d = fp16_to_fp32(x.d);
                    for (int j = 0; j < kQK4 / 2; ++j) {
                        q[j] = static_cast<std::int8_t>((x.qs[j] & 0x0F) - 8);
                        q[j + kQK4 / 2] = static_cast<std::int8_t>((x.qs[j] >> 4) - 8);
                    }
                } else {
                    const auto& x = static_cast<const BlockQ5_0*>(a)[blk];
                    d = fp16_to_fp32(x.d);
                    std::uint32_t qh;
                    std::memcpy(&qh, x.qh, 4);
                    for (int j = 0; j < kQK4 / 2; ++j) {
                        q[j] = static_cast<std::int8_t>(((x.qs[j] & 0x0F) | (((qh >> j) << 4) & 0x10)) - 16);
                        q[j + kQK4 / 2] = static_cast<std::int8_t>(((x.qs[j] >> 4) | ((qh >> (j + 12)) & 0x10)) - 16);
                    }
                }
                int s = 0;
                for (int j = 0; j < kQK4; ++j) s += q[j] * y[blk].qs[j];
                sum = std::fma(static_cast<float>(s), d * fp16_to_fp32(y[blk].d), sum);
            }
            return sum;
        }
        case TensorType::Q4_1:
        case TensorType::Q5_1: {
            const auto* y = static_cast<const BlockQ8_1*>(b);
            for (std::int64_t blk = 0; blk < n / kQK4; ++blk) {
                int q[kQK4];
                float d, m;
                if (w == TensorType::Q4_1) {
                    const auto& x = static_cast<const BlockQ4_1*>(a)[blk];
                    d = fp16_to_fp32(x.d);
                    m = fp16_to_fp32(x.m);
                    for (int j = 0; j < kQK4 / 2; ++j) {
                        q[j] = x.qs[j] & 0x0F;
                        q[j + kQK4 / 2] = x.qs[j] >> 4;
                    }
                } else {
                    const auto& x = static_cast<const BlockQ5_1*>(a)[blk];
                    d = fp16_to_fp32(x.d);
                    m = fp16_to_fp32(x.m);
                    std::uint32_t qh;
                    std::memcpy(&qh, x.qh, 4);
                    for (int j = 0; j < kQK4 / 2; ++j) {
                        q[j] = (x.qs[j] & 0x0F) | static_cast<int>(((qh >> j) << 4) & 0x10);
                        q[j + kQK4 / 2] = (x.qs[j] >> 4) | static_cast<int>((qh >> (j + 12)) & 0x10);
                    }
                }
                int s = 0;
                for (int j = 0; j < kQK4; ++j) s += q[j] * y[blk].qs[j];
                sum += (d * fp16_to_fp32(y[blk].d)) * static_cast<float>(s) + m * fp16_to_fp32(y[blk].s);
            }
            return sum;
        }
        case TensorType::Q2_K: case TensorType::Q3_K: case TensorType::Q4_K: case TensorType::Q5_K:
        case TensorType::Q6_K: case TensorType::IQ4_XS: case TensorType::IQ2_XXS: case TensorType::IQ2_XS:
        case TensorType::IQ2_S: case TensorType::IQ3_XXS: case TensorType::IQ3_S: case TensorType::IQ1_S:
        case TensorType::IQ1_M: {
            const auto* y = static_cast<const BlockQ8_K*>(b);
            SuperBlock s;
            for (std::int64_t i = 0; i < n / kQK_K; ++i) {
                unpack_super_block(w, a, i, s);
                int isum = 0, imin = 0;
                for (int g = 0; g < 16; ++g) {
                    int sg = 0;
                    for (int j = 0; j < 16; ++j) sg += s.q[16 * g + j] * y[i].qs[16 * g + j];
                    isum += s.scale[g] * sg;
                    imin += s.min[g] * y[i].bsums[g];
                }
                sum += super_block_sum(s, y[i], isum, imin);
            }
            return sum;
        }
        default:
            if (has_vec_dot(w) && activation_type(w) == TensorType::F32) {  // dequantize-only types
                std::vector<float> row(static_cast<std::size_t>(n));
                dequantize_row(w, a, row.data(), n);
                return vec_dot_scalar(TensorType::F32, row.data(), b, n);
            }
            fail("no dot product for weight type {}", type_name(w));
    }
}

}  // namespace qforge
