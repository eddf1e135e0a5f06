// Reference dot products: plain loops. The float types and the 32-element block types accumulate in eight float
// lanes, as llama.cpp's AVX2 build (tinyBLAS, ggml's vec_dot) and our AVX2 kernels do, and sum the lanes in
// tinyBLAS's order: the reference then gives those kernels' bits on any CPU, so a machine without AVX2 computes
// llama.cpp's figures too. The super-block types sum integers exactly and finish each super-block in float.
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq4.h"
#include "quant/codecs/kquants.h"
#include "quant/codecs/legacy.h"
#include "quant/kernels/lane_sum.h"
#include "quant/kernels/super_block.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

constexpr int kLanes = kLanes8;

float sum_lanes(const float (&v)[kLanes]) { return sum_lanes8(v); }

// x . y for float elements: lane i % 8 takes every eighth product (fused), the lanes are summed, then the
// elements past the last whole group of eight are added in order.
template <typename Load>
float dot_in_lanes(std::int64_t n, Load load) {
    float lanes[kLanes] = {};
    std::int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
            const auto [x, y] = load(i + l);
            lanes[l] = std::fma(x, y, lanes[l]);
        }
    float tail = 0.0f;
    for (; i < n; ++i) {
        const auto [x, y] = load(i);
        tail = std::fma(x, y, tail);
    }
    return sum_lanes(lanes) + tail;
}

// One 32-element block of integer levels against Q8 activations: lane l holds the exact integer sum of
// elements 4l..4l+3 (as maddubs + madd leave it), scaled by d and added (fused) to the lane's float sum.
template <typename Level>
void add_block_in_lanes(float (&lanes)[kLanes], const Level* q, const std::int8_t* y, float d) {
    for (int l = 0; l < kLanes; ++l) {
        int s = 0;
        for (int j = 4 * l; j < 4 * l + 4; ++j) s += static_cast<int>(q[j]) * y[j];
        lanes[l] = std::fma(d, static_cast<float>(s), lanes[l]);
    }
}

}  // namespace


float vec_dot_scalar(TensorType w, const void* a, const void* b, std::int64_t n) {
    float sum = 0.0f;
    switch (w) {
        case TensorType::F32: {
            const auto* x = static_cast<const float*>(a);
            const auto* y = static_cast<const float*>(b);
            return dot_in_lanes(n, [&](std::int64_t i) { return std::pair{x[i], y[i]}; });
        }
        case TensorType::F16:
        case TensorType::BF16: {
            const auto* x = static_cast<const std::uint16_t*>(a);
            const auto* y = static_cast<const std::uint16_t*>(b);
            if (w == TensorType::F16) return dot_in_lanes(n, [&](std::int64_t i) { return std::pair{fp16_to_fp32(x[i]), fp16_to_fp32(y[i])}; });
            return dot_in_lanes(n, [&](std::int64_t i) { return std::pair{bf16_to_fp32(x[i]), bf16_to_fp32(y[i])}; });
        }
        case TensorType::Q8_0: {
            const auto* x = static_cast<const BlockQ8_0*>(a);
            const auto* y = static_cast<const BlockQ8_0*>(b);
            float lanes[kLanes] = {};
            for (std::int64_t blk = 0; blk < n / kQK8_0; ++blk)
                add_block_in_lanes(lanes, x[blk].qs, y[blk].qs, fp16_to_fp32(x[blk].d) * fp16_to_fp32(y[blk].d));
            return sum_lanes(lanes);
        }
        case TensorType::Q4_0:
        case TensorType::Q5_0:
        case TensorType::IQ4_NL: {
            const auto* y = static_cast<const BlockQ8_0*>(b);
            float lanes[kLanes] = {};
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
                add_block_in_lanes(lanes, q, y[blk].qs, d * fp16_to_fp32(y[blk].d));
            }
            return sum_lanes(lanes);
        }
        case TensorType::Q4_1:
        case TensorType::Q5_1: {
            const auto* y = static_cast<const BlockQ8_1*>(b);
            float lanes[kLanes] = {}, mins = 0.0f;
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
                mins += m * fp16_to_fp32(y[blk].s);
                add_block_in_lanes(lanes, q, y[blk].qs, d * fp16_to_fp32(y[blk].d));
            }
            return sum_lanes(lanes) + mins;
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
