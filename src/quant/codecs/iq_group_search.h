#pragma once
// The scale search the IQ2 and IQ3 quantizers share (ggml-quants.c): for trial scales around the group's
// largest magnitude, round each value to a lattice level, move off-codebook points to their best neighbour, and
// keep the trial whose least-squares scale explains the group best; then requantize at that scale.
#include <cstdint>
#include <bit>
#include <cmath>
#include <cstring>

#include "quant/codecs/iq_lattice.h"
#include "quant/codecs/rounding.h"

namespace qforge::iq_search {

inline float max_of(float a, float b) { return a > b ? a : b; }  // ggml's MAX, NaN order included

// The block statistics the codebook quantizers weight with: sigma2 = factor * sum(x^2) / 256 over the
// super-block, and per element importance * sqrt(sigma2 + x^2), or x^2 where there is no importance.
inline float block_sigma2(const float* xbl, float factor) {
    float sumx2 = 0;
    for (int i = 0; i < 256; ++i) sumx2 += xbl[i] * xbl[i];
    return factor * sumx2 / 256;
}
inline void element_weights(const float* xb, const float* importance, float sigma2, int n, float* weight) {
    if (importance != nullptr) {
        for (int i = 0; i < n; ++i) weight[i] = importance[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
    } else {
        for (int i = 0; i < n; ++i) weight[i] = xb[i] * xb[i];
    }
}

// A sub-block scale as stored: nearest_int((id * scale - 1) / 2) clamped to [0, top].
inline int scale_level(float id, float scale, int top) {
    const int l = nearest_int(0.5f * (id * scale - 1));
    return l < 0 ? 0 : l > top ? top : l;
}

// Four lanes: the x86-64 baseline's SSE registers (the codecs are built without wider extensions).
using Float4 = float __attribute__((vector_size(16)));
inline Float4 splat(float x) { return Float4{x, x, x, x}; }
inline Float4 load4(const float* p) {
    Float4 v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

// Longest neighbour list of any lattice, rounded up to 8 (IqLattice checks its lists against it).
constexpr int kMaxNeighbours = IqLattice::kMaxNeighbours;

// The first neighbour with the smallest score (strictly smaller wins, as ggml's loop), -1 if none is finite.
inline int first_smallest(const float* d2, int count) {
    float best = 3.40282347e38f;
    int at = -1;
    for (int j = 0; j < count; ++j) {
        if (d2[j] < best) {
            best = d2[j];
            at = j;
        }
    }
    return at;
}

// The neighbour of off-grid levels (`entry`, their lattice entry) nearest to xval/scale under weight: writes
// its levels, returns its index. Four neighbours are scored at a time, each lane running ggml's loop
// (d2 += w * diff * diff over the coordinates in order, diff = scale * (2l + 1) - x), so every score is ggml's.
template <int Dims>
int best_neighbour(const IqLattice& lat, int entry, const float* xval, const float* weight, float scale, std::int8_t* levels) {
    const IqLattice::Block b = lat.neighbour_block(entry);
    alignas(32) float d2[kMaxNeighbours];
    const Float4 vscale = splat(scale), one = splat(1.f), two = splat(2.f);
    for (int j0 = 0; j0 < b.stride; j0 += 4) {
        Float4 acc = splat(0.f);
        for (int i = 0; i < Dims; ++i) {
            const Float4 q = load4(b.level + i * b.stride + j0) * two + one;
            const Float4 diff = vscale * q - splat(xval[i]);
            acc += splat(weight[i]) * diff * diff;
        }
        std::memcpy(d2 + j0, &acc, sizeof(acc));
    }
    int at = first_smallest(d2, b.count);
    if (at < 0) at = 0;  // only when every distance is NaN or infinite
    const int best = b.index[at];
    const std::int8_t* p = lat.point(best);
    for (int i = 0; i < Dims; ++i) levels[i] = static_cast<std::int8_t>((p[i] - 1) / 2);
    return best;
}

// Levels of the values at inverse scale id, clamped to [0, kmax - 1].
template <int Dims>
void round_levels(const float* xval, float id, int kmax, std::int8_t* levels) {
    for (int i = 0; i < Dims; ++i) {
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

// n values (n <= 32) in groups of Dims (lat.dims()); scale: the starting scale (returned when no trial fits);
// L: the levels chosen (kept from the caller when nothing is chosen, as ggml's buffers are).
template <int Dims>
float search(const IqLattice& lat, int n, int kmax, const float* xval, const float* weight, const float* waux,
             float base, float scale, const Trials& t, std::int8_t* L) {
    const int groups = n / Dims;
    std::int8_t Laux[32];
    bool on_grid[8], on_grid_aux[8];
    for (int k = 0; k < groups; ++k) on_grid[k] = t.start_on_grid;
    float best = 0;
    for (int is = t.first; is <= t.last; ++is) {
        const float id = (2 * kmax - 1 + is * t.step) / base;
        const float this_scale = 1 / id;
        for (int k = 0; k < groups; ++k) {
            round_levels<Dims>(xval + Dims * k, id, kmax, Laux + Dims * k);
            const int entry = lat.find(Laux + Dims * k);
            on_grid_aux[k] = entry >= 0;
            if (entry < 0) best_neighbour<Dims>(lat, entry, xval + Dims * k, waux + Dims * k, this_scale, Laux + Dims * k);
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
            round_levels<Dims>(xval + Dims * k, id, kmax, L + Dims * k);
            const int entry = lat.find(L + Dims * k);
            if (entry < 0) best_neighbour<Dims>(lat, entry, xval + Dims * k, waux + Dims * k, scale, L + Dims * k);
        }
        float sumqx, sumq2;
        fit(xval, weight, L, n, sumqx, sumq2);
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

// Splits a group of 8 into magnitudes xval and its sign bits (all eight stored: IQ2_S, IQ3_S).
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

// The same with an even number of minus signs (7 stored bits): when the count is odd, the element with the
// least weight * x^2 keeps its sign and enters the search negated.
inline std::uint8_t even_signs(const float* xb, const float* weight, float* xval) {
    std::uint8_t s = all_signs(xb, xval);
    if (std::popcount(s) % 2) {
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

}  // namespace qforge::iq_search
