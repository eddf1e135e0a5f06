#pragma once
// The scale search the IQ2 and IQ3 quantizers share (ggml-quants.c): for trial scales around the group's
// largest magnitude, round each value to a lattice level, move off-codebook points to their best neighbour, and
// keep the trial whose least-squares scale explains the group best; then requantize at that scale.
#include <cstdint>
#include <cstring>

#include "quant/codecs/iq_lattice.h"
#include "quant/codecs/rounding.h"

namespace qforge::iq_search {

inline float max_of(float a, float b) { return a > b ? a : b; }  // ggml's MAX, NaN order included

// The neighbour of off-grid `levels` nearest to xval/scale under weight; writes its levels, returns its index.
inline int best_neighbour(const IqLattice& lat, const float* xval, const float* weight, float scale, std::int8_t* levels) {
    const int dims = lat.dims();
    float best_d2 = 3.40282347e38f;
    int best = -1;
    for (const std::uint16_t g : lat.neighbours(levels)) {
        const std::int8_t* p = lat.point(g);
        float d2 = 0;
        for (int i = 0; i < dims; ++i) {
            const float q = p[i];
            const float diff = scale * q - xval[i];
            d2 += weight[i] * diff * diff;
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            best = g;
        }
    }
    if (best < 0) best = lat.neighbours(levels)[0];  // only when every distance is NaN or infinite
    const std::int8_t* p = lat.point(best);
    for (int i = 0; i < dims; ++i) levels[i] = static_cast<std::int8_t>((p[i] - 1) / 2);
    return best;
}

// Levels of the values at inverse scale id, clamped to [0, kmax - 1].
inline void round_levels(const float* xval, float id, int kmax, int dims, std::int8_t* levels) {
    for (int i = 0; i < dims; ++i) {
        const int l = nearest_int(0.5f * (id * xval[i] - 1));
        levels[i] = static_cast<std::int8_t>(l < 0 ? 0 : l > kmax - 1 ? kmax - 1 : l);
    }
}

// Weighted least-squares fit of xval by the odd values 2L+1.
inline void fit(const float* xval, const float* weight, const std::int8_t* L, int n, float& sumqx, float& sumq2) {
    sumqx = 0;
    sumq2 = 0;
    for (int i = 0; i < n; ++i) {
        const float w = weight[i];
        const float q = 2 * L[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
    }
}

// Which groups are rounded again at the chosen scale: all of them whenever the scale is positive (IQ2_XXS),
// those that were off the codebook when any was (IQ2_XS, IQ2_S, IQ3_XXS), or all of them when any was (IQ3_S).
enum class Refine { Always, OffGridOnly, AllWhenAnyOff };

struct Trials {
    int first, last;      // trial steps is = first..last
    float step;           // id = (2 kmax - 1 + is * step) / base
    Refine refine;
    bool start_on_grid;   // what the on-grid flags hold if no trial is taken
};

// n values (n <= 32) in groups of lat.dims(); scale: the starting scale (returned when no trial fits); L: the
// levels chosen (kept from the caller when nothing is chosen, as ggml's buffers are).
inline float search(const IqLattice& lat, int n, int kmax, const float* xval, const float* weight, const float* waux,
                    float base, float scale, const Trials& t, std::int8_t* L) {
    const int dims = lat.dims(), groups = n / dims;
    std::int8_t Laux[32];
    bool on_grid[8], on_grid_aux[8];
    for (int k = 0; k < groups; ++k) on_grid[k] = t.start_on_grid;
    float best = 0;
    for (int is = t.first; is <= t.last; ++is) {
        const float id = (2 * kmax - 1 + is * t.step) / base;
        const float this_scale = 1 / id;
        for (int k = 0; k < groups; ++k) {
            round_levels(xval + dims * k, id, kmax, dims, Laux + dims * k);
            on_grid_aux[k] = lat.find(Laux + dims * k) >= 0;
            if (!on_grid_aux[k]) best_neighbour(lat, xval + dims * k, waux + dims * k, this_scale, Laux + dims * k);
        }
        float sumqx, sumq2;
        fit(xval, weight, Laux, n, sumqx, sumq2);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            scale = sumqx / sumq2;
            best = scale * sumqx;
            std::memcpy(L, Laux, static_cast<std::size_t>(n));
            for (int k = 0; k < groups; ++k) on_grid[k] = on_grid_aux[k];
        }
    }
    bool any_off = false;
    for (int k = 0; k < groups; ++k) any_off = any_off || !on_grid[k];
    if ((t.refine == Refine::Always || any_off) && scale > 0) {
        const float id = 1 / scale;
        for (int k = 0; k < groups; ++k) {
            if (t.refine == Refine::OffGridOnly && on_grid[k]) continue;
            round_levels(xval + dims * k, id, kmax, dims, L + dims * k);
            if (lat.find(L + dims * k) < 0) best_neighbour(lat, xval + dims * k, waux + dims * k, scale, L + dims * k);
        }
        float sumqx, sumq2;
        fit(xval, weight, L, n, sumqx, sumq2);
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

// Splits a group of 8 into magnitudes and signs with an even number of minus signs (7 stored bits): when the
// count is odd, the element with the least weight * x^2 keeps its sign and enters the search negated.
inline std::uint8_t even_signs(const float* xb, const float* weight, float* xval) {
    int nflip = 0;
    std::uint8_t s = 0;
    for (int i = 0; i < 8; ++i) {
        if (xb[i] >= 0) {
            xval[i] = xb[i];
        } else {
            xval[i] = -xb[i];
            ++nflip;
            s |= static_cast<std::uint8_t>(1 << i);
        }
    }
    if (nflip % 2) {
        int imin = 0;
        float min = weight[0] * xb[0] * xb[0];
        for (int i = 1; i < 8; ++i) {
            const float ax = weight[i] * xb[i] * xb[i];
            if (ax < min) {
                min = ax;
                imin = i;
            }
        }
        xval[imin] = -xval[imin];
        s ^= static_cast<std::uint8_t>(1 << imin);
    }
    return s & 127;
}

// All eight signs stored (IQ2_S, IQ3_S).
inline std::uint8_t all_signs(const float* xb, float* xval) {
    std::uint8_t s = 0;
    for (int i = 0; i < 8; ++i) {
        if (xb[i] >= 0) {
            xval[i] = xb[i];
        } else {
            xval[i] = -xb[i];
            s |= static_cast<std::uint8_t>(1 << i);
        }
    }
    return s;
}

}  // namespace qforge::iq_search
