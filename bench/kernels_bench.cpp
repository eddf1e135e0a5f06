// Google Benchmark micro-benchmarks of the kernels on one core:
// - vec_dot: 64 weight rows against one activation row, for every weight type and every path this CPU has
//   (scalar reference, AVX2, AVX-512), plus the four-rows-at-once kernel; weight bytes streamed per second.
// - gemm: the matrix kernels of gemm.h (every row of the table this CPU runs) on a 256-row slice of a
//   TinyLlama-sized weight (2048 or 5632 columns) against 1 token (decode) or 256 tokens (a prompt), with
//   the weight repacked as the engine would; multiply-adds per second (MAC/s) and weight bytes per second.
//   build/bench/kernels_bench --benchmark_filter='gemm/q4_K'
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/aligned_buffer.h"
#include "core/tensor_type.h"
#include "quant/codecs/codec_table.h"
#include "quant/kernels/activations.h"
#include "quant/kernels/gemm.h"
#include "quant/kernels/vec_dot.h"

using namespace qforge;

namespace {

enum class Path { Scalar, Avx2, Avx512, Avx2x4 };

struct Rows {
    std::vector<std::uint8_t> w, a;
    std::size_t w_row = 0, a_row = 0;
};

Rows make_rows(TensorType type, std::int64_t n, std::int64_t rows, int n_act) {
    std::mt19937 rng(1);
    std::normal_distribution<float> d;
    std::vector<float> x(static_cast<std::size_t>(n));
    Rows r;
    r.w_row = *bytes_for(type, static_cast<std::uint64_t>(n));
    r.a_row = activation_row_bytes(type, n);
    r.w.resize(r.w_row * static_cast<std::size_t>(rows));
    r.a.resize(r.a_row * static_cast<std::size_t>(n_act));
    for (std::int64_t i = 0; i < rows; ++i) {
        for (auto& v : x) v = d(rng);
        quantize_row(type, x.data(), r.w.data() + i * r.w_row, n);
    }
    for (int k = 0; k < n_act; ++k) {
        for (auto& v : x) v = d(rng);
        prepare_activations(type, x.data(), r.a.data() + k * r.a_row, n);
    }
    return r;
}

void BM_vec_dot(benchmark::State& state, TensorType type, Path path) {
    const std::int64_t n = state.range(0), rows = 64;
    if ((path == Path::Avx2 || path == Path::Avx2x4) && !cpu_has_avx2()) return state.SkipWithError("no AVX2");
    if (path == Path::Avx512 && !cpu_has_avx512()) return state.SkipWithError("no AVX-512");
    const Rows r = make_rows(type, n, rows, 4);
    const void* acts[4];
    for (int k = 0; k < 4; ++k) acts[k] = r.a.data() + k * r.a_row;
    for (auto _ : state) {
        float s = 0;
        for (std::int64_t i = 0; i < rows; ++i) {
            const void* w = r.w.data() + i * r.w_row;
            switch (path) {
                case Path::Scalar: s += vec_dot_scalar(type, w, acts[0], n); break;
                case Path::Avx2: s += vec_dot_avx2(type, w, acts[0], n); break;
                case Path::Avx512: s += vec_dot_avx512(type, w, acts[0], n); break;
                case Path::Avx2x4: {
                    float out[4];
                    vec_dot_avx2_x4(type, w, acts, n, out);
                    s += out[0] + out[3];
                }
            }
        }
        benchmark::DoNotOptimize(s);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(r.w.size()));
}

void BM_gemm(benchmark::State& state, const GemmKernel* k) {
    const std::int64_t n_in = state.range(0), n_tokens = state.range(1), n_out = 256;
    const Rows r = make_rows(k->weight, n_in, n_out, 1);
    AlignedBuffer packed;
    const std::uint8_t* w = r.w.data();
    std::size_t stride = r.w_row;
    if (k->kind == GemmKernel::Kind::Interleaved) {
        stride = k->group_bytes(n_in);
        packed.reserve(stride * static_cast<std::size_t>(n_out / k->row_group));
        for (std::int64_t g = 0; g < n_out / k->row_group; ++g)
            k->pack(r.w.data() + static_cast<std::size_t>(g * k->row_group) * r.w_row, r.w_row, k->row_group,
                    packed.data() + static_cast<std::size_t>(g) * stride, n_in);
        w = packed.data();
    }
    std::mt19937 rng(2);
    std::normal_distribution<float> d;
    std::vector<float> x(static_cast<std::size_t>(n_in));
    const std::size_t act_stride = activation_row_stride(k->activation, n_in);
    const int tile = activation_tile_tokens(k->activation);
    AlignedBuffer act(activation_bytes(k->activation, n_in, n_tokens));
    for (std::int64_t t = 0; t < n_tokens; ++t) {
        for (auto& v : x) v = d(rng);
        convert_activation_row(k->activation, x.data(), n_in, act.data() + static_cast<std::size_t>(t / tile) * act_stride, static_cast<int>(t % tile));
    }
    std::vector<float> y(static_cast<std::size_t>(n_out * n_tokens));
    const GemmTask task{k->weight, w, stride, n_in, n_out, 0, n_out, act.data(), act_stride, n_tokens, y.data(), n_out};
    for (auto _ : state) {
        k->run(task);
        benchmark::DoNotOptimize(y.data());
    }
    const double macs = static_cast<double>(n_in) * static_cast<double>(n_out) * static_cast<double>(n_tokens);
    state.counters["MAC/s"] = benchmark::Counter(macs, benchmark::Counter::kIsIterationInvariantRate);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(r.w.size()));
}

void register_all() {
    for (TensorType t : {TensorType::F32, TensorType::F16, TensorType::BF16, TensorType::Q8_0, TensorType::Q4_0, TensorType::IQ4_NL,
                         TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS}) {
        const GemmKernel* kernels[16];
        const std::size_t n = gemm_kernels_for_type(t, kernels, 16);
        for (std::size_t i = 0; i < n; ++i) {
            const std::string layout(kernels[i]->layout);
            if (layout.find("(scalar)") != std::string::npos) continue;
            const std::string label = "gemm/" + layout;
            benchmark::RegisterBenchmark(label.c_str(), BM_gemm, kernels[i])->Args({2048, 1})->Args({2048, 256})->Args({5632, 256})->Args({256, 8})->Args({2048, 8});
        }
    }
    const TensorType types[] = {TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q8_0,
                                TensorType::Q4_0, TensorType::Q4_1, TensorType::Q5_0, TensorType::Q5_1,
                                TensorType::IQ4_NL, TensorType::Q2_K, TensorType::Q3_K, TensorType::Q4_K,
                                TensorType::Q5_K, TensorType::Q6_K, TensorType::IQ4_XS};
    const std::pair<Path, const char*> paths[] = {
        {Path::Scalar, "scalar"}, {Path::Avx2, "avx2"}, {Path::Avx2x4, "avx2_x4"}, {Path::Avx512, "avx512"}};
    for (TensorType t : types)
        for (const auto& [path, name] : paths) {
            if (path == Path::Avx512 && traits(t).quantized) continue;  // quantized types run the AVX2 kernels there
            const std::string label = "vec_dot/" + std::string(type_name(t)) + "/" + name;
            benchmark::RegisterBenchmark(label.c_str(), BM_vec_dot, t, path)->Arg(4096);
        }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
