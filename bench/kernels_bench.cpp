// Google Benchmark micro-benchmarks of the dot-product kernels: 64 weight rows against one activation row,
// for every weight type the engine runs and every path this CPU has (scalar reference, AVX2, AVX-512), plus
// the four-rows-at-once kernel the matrix product uses. Reports weight bytes streamed per second.
//   build/bench/kernels_bench --benchmark_filter='q4_K'
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/tensor_type.h"
#include "quant/codecs/codec_table.h"
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

void register_all() {
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
