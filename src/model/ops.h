#pragma once
// The element-wise and row operations of the llama forward pass, computed the way ggml's CPU backend
// computes them (sum of squares in double for RMSNorm, RoPE angles advanced by repeated multiplication,
// softmax sums in double), so results agree with llama.cpp to float rounding. Where ggml's code depends on the
// vector width (softmax, SiLU), the plain loops follow its AVX2 build: its vectorised expf (exp_ggml.h) on
// whole groups of eight, each group's sum in float.
//
// rms_norm and swiglu run an AVX-512 path where the CPU has one (vectorised exp as ggml's SiLU; the double
// sum of squares in eight lanes); softmax and swiglu an AVX2 one elsewhere (the same bits as the references);
// the *_reference functions are the plain loops they are tested against.
#include <cstdint>

namespace qforge {

// y = x / sqrt(mean(x^2) + eps) * weight
void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps);
void rms_norm_reference(const float* x, const float* weight, float* y, std::int64_t n, float eps);

// cos/sin of the n_rot/2 rotation angles at position `pos`, into cache[2*i], cache[2*i+1].
void rope_cache(float* cache, std::int64_t n_rot, std::int64_t pos, float base, float freq_scale,
                const float* freq_factors);
// Rotates the first n_rot values of one head: adjacent pairs (llama), or (i, i + n_rot/2) pairs (neox).
void rope_apply(float* head, const float* cache, std::int64_t n_rot, bool neox);

// In place over n values, leaves probabilities: ggml's softmax of a row as its AVX2 build computes it,
// e^(x - max) by exp_ggml in groups of eight from x[0] (libm's expf past the last whole group), each group's
// sum in float (sum_lanes8) added in double, then every value times the float of 1 / sum. Masked entries
// (-inf) come out as 0.
void softmax(float* x, std::int64_t n);
void softmax_reference(float* x, std::int64_t n);

// out[i] = silu(gate[i]) * up[i], silu(x) = x / (1 + e^-x) with exp_ggml (ggml's vectorised SiLU, which runs
// on every element of rows whose length is a multiple of eight)
void swiglu(const float* gate, const float* up, float* out, std::int64_t n);
void swiglu_reference(const float* gate, const float* up, float* out, std::int64_t n);

// out[i] = gelu(gate[i]) * up[i], GELU's tanh form as ggml's CPU backend computes it for f32: 0 at or below
// -10, x at or above 10, between them the f16 table of gelu at the input rounded to f16.
void geglu(const float* gate, const float* up, float* out, std::int64_t n);
float gelu_ggml(float x);

// x = c * tanh(x / c) over n values (Gemma 2's soft-capping of attention scores and logits), as ggml's scale,
// tanh, scale.
void soft_cap(float* x, std::int64_t n, float cap);

// y[i] += x[i]
void add_in_place(float* y, const float* x, std::int64_t n);

// The AVX2 paths (callers check the CPU): the references' bits.
void softmax_avx2(float* x, std::int64_t n);
void swiglu_avx2(const float* gate, const float* up, float* out, std::int64_t n);

// The AVX-512 paths (callers check the CPU).
void rms_norm_avx512(const float* x, const float* weight, float* y, std::int64_t n, float eps);
void swiglu_avx512(const float* gate, const float* up, float* out, std::int64_t n);

}  // namespace qforge
