// Google Benchmark micro-benchmarks of the dot-product kernels: one weight row against one activation row,
// scalar reference and AVX2, reporting weight bytes streamed per second.
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/tensor_type.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/vec_dot.h"

using namespace qforge;

namespace {

void BM_vec_dot(benchmark::State& state, TensorType type, bool simd) {
    const std::int64_t n = state.range(0);
    const std::int64_t rows = 64;
    std::mt19937 rng(1);
    std::normal_distribution<float> d;
    std::vector<float> x(static_cast<std::size_t>(n));
    for (auto& v : x) v = d(rng);
    const std::size_t row_bytes = activation_row_bytes(type, n);
    const std::size_t w_row = *bytes_for(type, static_cast<std::uint64_t>(n));
    std::vector<std::uint8_t> w(w_row * rows), a(row_bytes);
    for (std::int64_t r = 0; r < rows; ++r) quantize_row(type, x.data(), w.data() + r * w_row, n);
    prepare_activations(type, x.data(), a.data(), n);
    if (simd && !cpu_has_avx2()) {
        state.SkipWithError("no AVX2");
        return;
    }
    for (auto _ : state) {
        float s = 0;
        for (std::int64_t r = 0; r < rows; ++r)
            s += simd ? vec_dot_avx2(type, w.data() + r * w_row, a.data(), n)
                      : vec_dot_scalar(type, w.data() + r * w_row, a.data(), n);
        benchmark::DoNotOptimize(s);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(w.size()));
}

}  // namespace

BENCHMARK_CAPTURE(BM_vec_dot, f32_scalar, TensorType::F32, false)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, f32_avx2, TensorType::F32, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, f16_scalar, TensorType::F16, false)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, f16_avx2, TensorType::F16, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, bf16_scalar, TensorType::BF16, false)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, bf16_avx2, TensorType::BF16, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q8_0_scalar, TensorType::Q8_0, false)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q8_0_avx2, TensorType::Q8_0, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q4_0_scalar, TensorType::Q4_0, false)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q4_0_avx2, TensorType::Q4_0, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q4_1_avx2, TensorType::Q4_1, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q5_0_avx2, TensorType::Q5_0, true)->Arg(4096);
BENCHMARK_CAPTURE(BM_vec_dot, q5_1_avx2, TensorType::Q5_1, true)->Arg(4096);

BENCHMARK_MAIN();
