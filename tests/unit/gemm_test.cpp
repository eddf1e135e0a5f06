// Every matrix kernel this CPU runs, held to the scalar reference (vec_dot_scalar over the GGUF rows): the
// repacked kernels (VNNI r16 layouts, half-precision p32 panels) give its bits exactly, the F32 tiles give
// vec_dot_avx512's (llama.cpp's 16-lane order), the rows kernels stay within float reassociation of the
// reference; shapes with a partial last row group and token counts that do not fill a tile.
// Also the activation conversions, whose SIMD path must equal the reference byte for byte.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/activations.h"
#include "quant/kernels/cpu_features.h"
#include "quant/kernels/super_block_iq.h"
#include "quant/kernels/gemm.h"
#include "quant/kernels/super_block_iq.h"
#include "quant/kernels/linear_weight.h"
#include "quant/kernels/matmul.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

struct Problem {
    TensorType type;
    std::int64_t n_in, n_out, n_tokens;
    std::vector<std::uint8_t> weight;
    std::vector<float> x;
    TensorView view;
};

Problem make_problem(TensorType type, std::int64_t n_in, std::int64_t n_out, std::int64_t n_tokens, unsigned seed) {
    Problem p{type, n_in, n_out, n_tokens, {}, {}, {}};
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const std::size_t row_bytes = *bytes_for(type, static_cast<std::uint64_t>(n_in));
    p.weight.resize(row_bytes * static_cast<std::size_t>(n_out));
    std::vector<float> row(static_cast<std::size_t>(n_in));
    for (std::int64_t r = 0; r < n_out; ++r) {
        // rows of different magnitudes, some with outliers, so block scales differ
        const float scale = 0.02f * static_cast<float>(1 + r % 7);
        for (auto& v : row) v = dist(rng) * scale;
        if (r % 5 == 0) row[static_cast<std::size_t>(r) % row.size()] *= 40.0f;
        const std::vector<float> ones(row.size(), 1.f);  // the codebook types want importance data
        quantize_row(type, row.data(), p.weight.data() + static_cast<std::size_t>(r) * row_bytes, n_in,
                     is_iq_super_block_type(type) ? ones.data() : nullptr);
    }
    p.x.resize(static_cast<std::size_t>(n_in * n_tokens));
    for (std::size_t i = 0; i < p.x.size(); ++i) p.x[i] = dist(rng) * (i % 97 == 0 ? 30.0f : 1.0f);
    p.view = TensorView{"w", type, {n_in, n_out}, {p.weight.data(), p.weight.size()}};
    return p;
}

// The reference: vec_dot_scalar of every original row with llama.cpp's activation blocks.
std::vector<float> reference(const Problem& p) {
    const std::size_t row_bytes = p.weight.size() / static_cast<std::size_t>(p.n_out);
    const std::size_t act_bytes = activation_row_bytes(p.type, p.n_in);
    std::vector<std::uint8_t> act(act_bytes);
    std::vector<float> y(static_cast<std::size_t>(p.n_out * p.n_tokens));
    for (std::int64_t t = 0; t < p.n_tokens; ++t) {
        prepare_activations(p.type, p.x.data() + t * p.n_in, act.data(), p.n_in);
        for (std::int64_t o = 0; o < p.n_out; ++o)
            y[static_cast<std::size_t>(t * p.n_out + o)] =
                vec_dot_scalar(p.type, p.weight.data() + static_cast<std::size_t>(o) * row_bytes, act.data(), p.n_in);
    }
    return y;
}

// y from one kernel row: packed if the kernel has a layout, every token converted to its format.
std::vector<float> run_kernel(const GemmKernel& k, const Problem& p) {
    const std::size_t row_bytes = p.weight.size() / static_cast<std::size_t>(p.n_out);
    AlignedBuffer packed;
    const std::uint8_t* w = p.weight.data();
    std::size_t stride = row_bytes;
    if (k.kind == GemmKernel::Kind::Interleaved) {
        stride = k.group_bytes(p.n_in);
        const std::int64_t groups = (p.n_out + k.row_group - 1) / k.row_group;
        packed.reserve(stride * static_cast<std::size_t>(groups));
        for (std::int64_t g = 0; g < groups; ++g) {
            const std::int64_t r0 = g * k.row_group;
            k.pack(p.weight.data() + static_cast<std::size_t>(r0) * row_bytes, row_bytes, std::min(k.row_group, p.n_out - r0),
                   packed.data() + static_cast<std::size_t>(g) * stride, p.n_in);
        }
        w = packed.data();
    }
    const std::size_t act_stride = activation_row_stride(k.activation, p.n_in);
    const int tile = activation_tile_tokens(k.activation);
    AlignedBuffer act(activation_bytes(k.activation, p.n_in, p.n_tokens));
    for (std::int64_t t = 0; t < p.n_tokens; ++t)
        convert_activation_row(k.activation, p.x.data() + t * p.n_in, p.n_in, act.data() + static_cast<std::size_t>(t / tile) * act_stride,
                               static_cast<int>(t % tile));
    std::vector<float> y(static_cast<std::size_t>(p.n_out * p.n_tokens), -12345.0f);
    // two calls over row ranges split at a group boundary, as the threads split them
    const std::int64_t split = std::min(p.n_out, (p.n_out / 2 + 15) / 16 * 16);
    for (auto [b, e] : {std::pair{std::int64_t{0}, split}, std::pair{split, p.n_out}}) {
        if (b >= e) continue;
        GemmTask task{p.type, w, stride, p.n_in, p.n_out, b, e, act.data(), act_stride, p.n_tokens, y.data(), p.n_out};
        k.run(task);
    }
    return y;
}

double magnitude(const Problem& p, std::int64_t t, std::int64_t o) {
    std::vector<float> w(static_cast<std::size_t>(p.n_in));
    const std::size_t row_bytes = p.weight.size() / static_cast<std::size_t>(p.n_out);
    dequantize_row(p.type, p.weight.data() + static_cast<std::size_t>(o) * row_bytes, w.data(), p.n_in);
    double m = 0;
    for (std::int64_t i = 0; i < p.n_in; ++i) m += std::fabs(static_cast<double>(w[static_cast<std::size_t>(i)]) * p.x[static_cast<std::size_t>(t * p.n_in + i)]);
    return m;
}

class Gemm : public ::testing::TestWithParam<TensorType> {};

TEST_P(Gemm, EveryKernelMatchesTheReference) {
    const TensorType type = GetParam();
    const GemmKernel* kernels[16];
    const std::size_t n = gemm_kernels_for_type(type, kernels, 16);
    ASSERT_GT(n, 0u) << "no kernel at all for " << type_name(type);
    const std::int64_t block = traits(type).block_size;
    const std::int64_t n_in = block >= 256 ? 768 : 512;
    for (std::int64_t n_tokens : {1, 2, 3, 8, 11}) {
        const Problem p = make_problem(type, n_in, 37, n_tokens, static_cast<unsigned>(n_tokens) * 7 + 1);
        const std::vector<float> ref = reference(p);
        for (std::size_t i = 0; i < n; ++i) {
            const GemmKernel& k = *kernels[i];
            const std::vector<float> y = run_kernel(k, p);
            for (std::int64_t t = 0; t < n_tokens; ++t)
                for (std::int64_t o = 0; o < p.n_out; ++o) {
                    const std::size_t at = static_cast<std::size_t>(t * p.n_out + o);
                    const bool exact = k.kind == GemmKernel::Kind::Interleaved || k.layout.find("(scalar)") != std::string_view::npos ||
                                       (k.kind == GemmKernel::Kind::Rows && traits(type).block_size == 256 && activation_type(type) == TensorType::Q8_K);
                    if (exact) ASSERT_EQ(y[at], ref[at]) << k.layout << " token " << t << " row " << o;
                    else ASSERT_NEAR(y[at], ref[at], 1e-5 * magnitude(p, t, o) + 1e-6) << k.layout << " token " << t << " row " << o;
                    if (k.kind == GemmKernel::Kind::Tiles) {  // llama.cpp's 16-lane order: vec_dot_avx512's bits
                        std::vector<std::uint8_t> act(activation_row_bytes(type, p.n_in));
                        prepare_activations(type, p.x.data() + t * p.n_in, act.data(), p.n_in);
                        const std::size_t row_bytes = p.weight.size() / static_cast<std::size_t>(p.n_out);
                        ASSERT_EQ(y[at], vec_dot_avx512(type, p.weight.data() + static_cast<std::size_t>(o) * row_bytes, act.data(), p.n_in))
                            << k.layout << " token " << t << " row " << o;
                    }
                }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Types, Gemm,
                         ::testing::Values(TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0,
                                           TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1, TensorType::IQ4_NL, TensorType::Q2_K,
                                           TensorType::Q3_K, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS,
                                           TensorType::IQ2_XXS, TensorType::IQ2_XS, TensorType::IQ2_S, TensorType::IQ3_XXS,
                                           TensorType::IQ3_S, TensorType::IQ1_S, TensorType::IQ1_M, TensorType::TQ2_0),
                         [](const auto& info) { return std::string(type_name(info.param)); });

// The dispatcher: a product through LinearWeight (repacked over the pool) and matmul with two weights sharing an
// input equals the reference for the kernel gemm_kernel_for picks.
TEST(Matmul, SharedInputProductsEqualTheReference) {
    ThreadPool pool(2);
    for (TensorType type : {TensorType::Q4_K, TensorType::Q8_0, TensorType::F16, TensorType::Q6_K}) {
        const Problem a = make_problem(type, 512, 70, 13, 5), b = make_problem(type, 512, 33, 13, 6);
        Problem bx = b;
        bx.x = a.x;  // both read a's input
        bx.view.data = {bx.weight.data(), bx.weight.size()};
        const LinearWeight wa(a.view, &pool, LinearWeight::Source::Memory), wb(bx.view, &pool, LinearWeight::Source::Memory);
        std::vector<float> ya(static_cast<std::size_t>(70 * 13)), yb(static_cast<std::size_t>(33 * 13));
        MatmulScratch scratch;
        const LinearWeight* ws[] = {&wa, &wb};
        float* ys[] = {ya.data(), yb.data()};
        matmul(ws, a.x.data(), 13, ys, pool, scratch);
        const std::vector<float> ra = reference(a), rb = reference(bx);
        for (std::size_t i = 0; i < ra.size(); ++i) ASSERT_NEAR(ya[i], ra[i], 1e-4f * (1 + std::fabs(ra[i]))) << type_name(type) << " " << i;
        for (std::size_t i = 0; i < rb.size(); ++i) ASSERT_NEAR(yb[i], rb[i], 1e-4f * (1 + std::fabs(rb[i]))) << type_name(type) << " " << i;
    }
}

TEST(Activations, SimdConversionEqualsTheReferenceByteForByte) {
    const CpuFeatures& f = cpu_features();
    if (!(cpu_has_avx512() && f.avx512bw && f.avx512vl && f.avx512dq)) GTEST_SKIP() << "no AVX-512 BW/VL/DQ";
    std::mt19937 rng(17);
    std::normal_distribution<float> dist(0.0f, 3.0f);
    const std::int64_t n = 1024;
    std::vector<float> x(static_cast<std::size_t>(n));
    for (int trial = 0; trial < 6; ++trial) {
        for (auto& v : x) v = dist(rng);
        if (trial == 1) std::fill(x.begin(), x.begin() + 256, 0.0f);           // an all-zero block
        if (trial == 2) for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i % 9) - 4) * 0.5f;  // ties
        if (trial == 3) { x[5] = 7.0f; x[9] = -7.0f; }                           // equal magnitudes, first one wins in Q8_K
        if (trial == 4) { x[300] = -9.0f; x[301] = 9.0f; }
        for (ActivationFormat fmt : {ActivationFormat::F32_F16, ActivationFormat::F32_BF16, ActivationFormat::F16, ActivationFormat::BF16,
                                     ActivationFormat::Q8_0_SUMS, ActivationFormat::Q8_K_SUMS}) {
            const std::size_t bytes = activation_row_stride(fmt, n);
            std::vector<std::uint8_t> a(bytes, 0xAB), b(bytes, 0xAB);
            for (int slot = 0; slot < activation_tile_tokens(fmt); slot += 3) {
                convert_activation_row_reference(fmt, x.data(), n, a.data(), slot);
                convert_activation_row_avx512(fmt, x.data(), n, b.data(), slot);
            }
            ASSERT_EQ(0, std::memcmp(a.data(), b.data(), bytes)) << activation_format_name(fmt) << " trial " << trial;
        }
    }
}

}  // namespace
}  // namespace qforge
