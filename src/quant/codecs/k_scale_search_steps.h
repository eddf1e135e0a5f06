#pragma once
// The trial-scale loop shared by make_qkx2_quants and make_qkx3_quants (k_scale_search.cpp), split out so an
// AVX-512 version (avx512/k_scale_search_avx512.cpp) can run 16 trials at once with the same results.
#include <cstdint>

namespace qforge::kquant {

// One group's fixed inputs to the trials: its values, their weights, and the sums the trials share.
struct TrialScales {
    int n, nmax, nstep;
    const float* x;
    const float* w;  // the weight of every value (given, or x^2)
    float max, sum_w, sum_x, rmin, rdelta;
    bool use_mad;
};

// The first trial that beats best_mad and what it found.
struct TrialResult {
    float scale, min, mad;
    float iscale;  // the trial's inverse scale: its levels are clamp(nearest_int(iscale * (x - min)), 0, nmax), min the one it was given
};

// Runs trials first..nstep with the current minimum (trial is: iscale = (rmin + rdelta*is + nmax) / (max - min))
// and returns the first whose weighted error is below best_mad (filling out), or -1.
int first_better_step_avx512(const TrialScales& s, int first, float min, float best_mad, TrialResult* out);

}  // namespace qforge::kquant

namespace qforge::kquant {

// make_qx_quants' trials: the 19 inverse scales -(nmax + 0.1 is) / max for is = -9..9 (is = 0 is its first
// scale, -nmax / max, to the bit) and, for each, the sums over the group of w x l and w l l (wx[i] = w[i] *
// x[i]) with l the clamped nearest level in [-nmax, nmax-1]; the scalar loop then goes through them in order.
constexpr int kQxTrials = 19;
void qx_trial_sums_avx512(int n, int nmax, const float* x, const float* w, const float* wx, float max, float* iscale,
                          float* sumlx, float* suml2);

}  // namespace qforge::kquant
