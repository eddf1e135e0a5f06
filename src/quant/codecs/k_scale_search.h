#pragma once
// The scale searches behind ggml's k-quants (and the importance-weighted legacy quantizers): given a group of n
// values, find the scale (and for the "min" types the offset) whose rounded levels fit the values best under a
// weighting. The arithmetic follows ggml-quants.c operation for operation, because a different rounding of one
// float changes a level and the file is no longer byte-identical to llama-quantize's.
#include <cstdint>

namespace qforge::kquant {

// Symmetric levels in [-nmax, nmax-1], stored in L as l + nmax. rmse_type 0: scale from the extreme value
// only; 1: weighted least squares, weights qw or x^2 (2: 1, 3: |x|, other: sqrt|x|), refined over 18 trial
// scales; negative: one least-squares step, no trials. Returns the scale.


// Q3_K's symmetric search (weights x^2) with up to five passes of per-element level moves. With do_rmse,
// L receives l + nmax after the moves; without, the extreme-value scale.
float make_q3_quants(int n, int nmax, const float* x, std::int8_t* L, bool do_rmse);

// How the trial scales of make_qx_quants and make_qkx2/3_quants run: Auto takes 16 trials per AVX-512
// register where the CPU has it (QFORGE_NO_AVX512 turns that off), each lane doing the scalar loop's float
// operations in its order, so the levels are the same; Scalar forces the plain loop (tests hold the two to
// each other).
enum class SearchPath { Auto, Scalar };

// Symmetric levels in [-nmax, nmax-1], stored in L as l + nmax. rmse_type 0: scale from the extreme value
// only; 1: weighted least squares, weights qw or x^2 (2: 1, 3: |x|, other: sqrt|x|), refined over 18 trial
// scales; negative: one least-squares step, no trials. Returns the scale.
float make_qx_quants(int n, int nmax, const float* x, std::int8_t* L, int rmse_type, const float* qw,
                     SearchPath path = SearchPath::Auto);

// Levels in [0, nmax] with an offset: x ~ scale * L - the_min. Tries nstep+1 scales (nmax + rmin + rdelta*i
// over the range) and keeps the one with the least weighted |error| (use_mad) or squared error.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                       std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad, SearchPath path = SearchPath::Auto);
// The same with weights x^2 where weights is null and a zero-range guard of max <= min (the imatrix variant).
float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, std::uint8_t* L, float* the_min,
                       std::uint8_t* Laux, float rmin, float rdelta, int nstep, bool use_mad, SearchPath path = SearchPath::Auto);

// Non-negative levels in [0, nmax] for non-negative x (the sub-block scales themselves), weighted by
// quant_weights: a scale search over 9 trials followed by per-element level moves.
float make_qp_quants(int n, int nmax, const float* x, std::uint8_t* L, const float* quant_weights);

}  // namespace qforge::kquant
