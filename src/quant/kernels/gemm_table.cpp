#include <algorithm>
#include <array>
#include <deque>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/kernels/activations.h"
#include "quant/kernels/avx2/unpack_iq_avx2.h"
#include "quant/kernels/avx512/gemm_iq2_xs_avx512.h"
#include "quant/kernels/cpu_features.h"
#include "quant/kernels/gemm.h"
#include "quant/kernels/repack_panels.h"
#include "quant/kernels/repack_r16.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {

// The SIMD kernels (each file compiled for its ISA).
void gemm_r16_avx512(TensorType weight, const GemmTask& task);
void gemm_float_avx512(TensorType weight, const GemmTask& task);
void gemm_f32_tiles_avx512(const GemmTask& task);

namespace {

enum class Isa { Scalar, Avx2, Avx512 };

// The rows kernels: vec_dot of every original row with every token, four tokens per pass over a row.
template <Isa I>
void run_rows(const GemmTask& t) {
    constexpr std::int64_t kTokenTile = 16;  // tokens that stay in L1 while the thread's rows stream past
    for (std::int64_t t0 = 0; t0 < t.n_tokens; t0 += kTokenTile) {
        const std::int64_t t1 = std::min(t.n_tokens, t0 + kTokenTile);
        for (std::int64_t o = t.row_begin; o < t.row_end; ++o) {
            const std::uint8_t* row = t.weight + static_cast<std::size_t>(o) * t.weight_stride;
            std::int64_t k = t0;
            for (; k + 4 <= t1; k += 4) {
                const void* x[4];
                for (int j = 0; j < 4; ++j) x[j] = t.act + static_cast<std::size_t>(k + j) * t.act_stride;
                float r[4];
                if constexpr (I == Isa::Avx512) vec_dot_avx512_x4(t.type, row, x, t.n_in, r);
                else if constexpr (I == Isa::Avx2) vec_dot_avx2_x4(t.type, row, x, t.n_in, r);
                else for (int j = 0; j < 4; ++j) r[j] = vec_dot_scalar(t.type, row, x[j], t.n_in);
                for (int j = 0; j < 4; ++j) t.y[(k + j) * t.ldy + o] = r[j];
            }
            for (; k < t1; ++k) {
                const void* x = t.act + static_cast<std::size_t>(k) * t.act_stride;
                float r;
                if constexpr (I == Isa::Avx512) r = vec_dot_avx512(t.type, row, x, t.n_in);
                else if constexpr (I == Isa::Avx2) r = vec_dot_avx2(t.type, row, x, t.n_in);
                else r = vec_dot_scalar(t.type, row, x, t.n_in);
                t.y[k * t.ldy + o] = r;
            }
        }
    }
}

ActivationFormat rows_activation(TensorType w) {
    switch (activation_type(w)) {
        case TensorType::F16: return ActivationFormat::F16;
        case TensorType::BF16: return ActivationFormat::BF16;
        case TensorType::Q8_0: return ActivationFormat::Q8_0;
        case TensorType::Q8_1: return ActivationFormat::Q8_1;
        case TensorType::Q8_K: return ActivationFormat::Q8_K;
        default: return ActivationFormat::F32;
    }
}

template <TensorType W>
void run_r16(const GemmTask& t) { gemm_r16_avx512(W, t); }
template <TensorType W>
void run_float(const GemmTask& t) { gemm_float_avx512(W, t); }
template <TensorType W>
std::size_t r16_bytes(std::int64_t n_in) { return r16_group_bytes(W, n_in); }
template <TensorType W>
std::size_t panel_group_bytes(std::int64_t n_in) { return panel_bytes(W, n_in); }
template <TensorType W>
void panel_pack(const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out, std::int64_t n_in) {
    pack_panel(W, rows, row_bytes, n, out, n_in);
}
template <TensorType W>
void r16_pack(const std::uint8_t* rows, std::size_t row_bytes, std::int64_t n, std::uint8_t* out, std::int64_t n_in) {
    pack_r16(W, rows, row_bytes, n, out, n_in);
}

struct Table {
    std::vector<GemmKernel> rows;
    std::deque<std::string> names;  // storage for the layout names (stable addresses)
};

GemmKernel rows_kernel(TensorType w, Isa isa, std::string_view name) {
    void (*run)(const GemmTask&) = isa == Isa::Avx512 ? run_rows<Isa::Avx512> : isa == Isa::Avx2 ? run_rows<Isa::Avx2> : run_rows<Isa::Scalar>;
    return GemmKernel{w, GemmKernel::Kind::Rows, name, rows_activation(w), 1, nullptr, nullptr, run};
}

template <TensorType W>
GemmKernel r16_kernel(std::string_view name) {
    const ActivationFormat a = r16_block_columns(W) == 32 ? ActivationFormat::Q8_0_SUMS : ActivationFormat::Q8_K_SUMS;
    return GemmKernel{W, GemmKernel::Kind::Interleaved, name, a, 16, r16_bytes<W>, r16_pack<W>, run_r16<W>};
}

template <TensorType W>
GemmKernel float_kernel(std::string_view name) {
    const ActivationFormat a = W == TensorType::F16 ? ActivationFormat::F32_F16 : W == TensorType::BF16 ? ActivationFormat::F32_BF16 : ActivationFormat::F32;
    return GemmKernel{W, GemmKernel::Kind::Interleaved, name, a, kPanelRows, panel_group_bytes<W>, panel_pack<W>, run_float<W>};
}

bool cpu_runs_avx512_int() {
    const CpuFeatures& f = cpu_features();
    return cpu_has_avx512() && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni;
}

// One row per (type, kernel): the SIMD kernels this CPU can run first, then the rows kernels (widest first).
const Table& table() {
    static const Table t = [] {
        Table tab;
        auto name = [&](std::string s) -> std::string_view { tab.names.push_back(std::move(s)); return tab.names.back(); };
        const bool avx512 = cpu_has_avx512(), avx2 = cpu_has_avx2(), vnni = cpu_runs_avx512_int();
        if (avx512) {
            tab.rows.push_back(GemmKernel{TensorType::F32, GemmKernel::Kind::Tiles, name("f32 tiles (avx512)"), ActivationFormat::F32, 1,
                                          nullptr, nullptr, gemm_f32_tiles_avx512});
            tab.rows.push_back(float_kernel<TensorType::F32>(name("f32_p32 (avx512)")));
            tab.rows.push_back(float_kernel<TensorType::F16>(name("f16_p32 (avx512)")));
            tab.rows.push_back(float_kernel<TensorType::BF16>(name("bf16_p32 (avx512)")));
        }
        if (vnni) {
            tab.rows.push_back(r16_kernel<TensorType::Q8_0>(name("q8_0_r16 (avx512-vnni)")));
            tab.rows.push_back(r16_kernel<TensorType::Q4_0>(name("q4_0_r16 (avx512-vnni)")));
            tab.rows.push_back(r16_kernel<TensorType::IQ4_NL>(name("iq4_nl_r16 (avx512-vnni)")));
            tab.rows.push_back(r16_kernel<TensorType::Q4_K>(name("q4_K_r16 (avx512-vnni)")));
            tab.rows.push_back(r16_kernel<TensorType::Q5_K>(name("q5_K_r16 (avx512-vnni)")));
            tab.rows.push_back(r16_kernel<TensorType::Q6_K>(name("q6_K_r16 (avx512-vnni)")));
            tab.rows.push_back(r16_kernel<TensorType::IQ4_XS>(name("iq4_xs_r16 (avx512-vnni)")));
        }
        if (vnni)
            tab.rows.push_back(GemmKernel{TensorType::IQ2_XS, GemmKernel::Kind::Rows, name("iq2_xs rows (avx512-vnni)"),
                                          ActivationFormat::Q8_K, 1, nullptr, nullptr, gemm_rows_iq2_xs_avx512});
        if (avx2)
            tab.rows.push_back(GemmKernel{TensorType::IQ2_XS, GemmKernel::Kind::Rows, name("iq2_xs rows (avx2)"),
                                          ActivationFormat::Q8_K, 1, nullptr, nullptr, gemm_rows_iq2_xs_avx2});
        for (std::uint32_t id = 0; id < 64; ++id) {
            const auto tt = type_traits(id);
            if (!tt) continue;
            const auto w = static_cast<TensorType>(id);
            if (!has_vec_dot(w)) continue;
            if (avx512) tab.rows.push_back(rows_kernel(w, Isa::Avx512, name(std::string(type_name(w)) + " rows (avx512)")));
            if (avx2) tab.rows.push_back(rows_kernel(w, Isa::Avx2, name(std::string(type_name(w)) + " rows (avx2)")));
            tab.rows.push_back(rows_kernel(w, Isa::Scalar, name(std::string(type_name(w)) + " rows (scalar)")));
        }
        return tab;
    }();
    return t;
}

bool fits(const GemmKernel& k, std::int64_t n_in) {
    switch (k.kind) {
        case GemmKernel::Kind::Interleaved: return has_panel_layout(k.weight) || n_in % r16_block_columns(k.weight) == 0;
        case GemmKernel::Kind::Tiles: return n_in % 16 == 0;
        default: return true;
    }
}

bool allowed_by_isa(const GemmKernel& k) {
    // QFORGE_NO_AVX512 / QFORGE_NO_SIMD (read by vec_dot_isa) narrow every choice, not only vec_dot's
    const std::string_view isa = vec_dot_isa();
    const std::string_view layout = k.layout;
    if (isa == "scalar") return layout.find("(scalar)") != std::string_view::npos;
    if (isa == "avx2") return layout.find("(avx2)") != std::string_view::npos;
    return true;
}

}  // namespace

const GemmKernel& gemm_kernel_for(TensorType w, std::int64_t n_in, std::int64_t n_out, KernelChoice choice) {
    (void)n_out;
    if (!has_vec_dot(w)) fail("no matrix kernel for weight type {} yet", type_name(w));
    // the table lists llama.cpp's order first where a type has both; the fastest choice passes over it
    if (choice == KernelChoice::Fastest)
        for (const GemmKernel& k : table().rows)
            if (k.weight == w && k.kind != GemmKernel::Kind::Tiles && allowed_by_isa(k) && fits(k, n_in)) return k;
    for (const GemmKernel& k : table().rows)
        if (k.weight == w && allowed_by_isa(k) && fits(k, n_in)) return k;
    fail("no matrix kernel for weight type {} with rows of {}", type_name(w), n_in);
}

const GemmKernel& gemm_rows_kernel(TensorType w) {
    if (!has_vec_dot(w)) fail("no matrix kernel for weight type {} yet", type_name(w));
    for (const GemmKernel& k : table().rows)
        if (k.weight == w && k.kind == GemmKernel::Kind::Rows && allowed_by_isa(k)) return k;
    fail("no rows kernel for weight type {}", type_name(w));
}

std::size_t gemm_kernels_for_type(TensorType w, const GemmKernel** out, std::size_t capacity) {
    std::size_t n = 0;
    for (const GemmKernel& k : table().rows)
        if (k.weight == w && n < capacity) out[n++] = &k;
    return n;
}

}  // namespace qforge
