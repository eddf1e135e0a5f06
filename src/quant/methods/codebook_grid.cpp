#include "quant/methods/codebook_grid.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "quant/codecs/codec_table.h"
#include "quant/codecs/iq_dequant.h"
#include "quant/codecs/iq_grids.h"

namespace qforge {
namespace {

constexpr int kMaxLevels = 8;
constexpr float kIq1Delta = 0.125f;
// How much wider than the quantizer's choice GPTQ makes an IQ2 block's super-block scale d.
constexpr float kGptqScaleMargin = 1.06f;

// A codebook as levels: point p's coordinate j is value[level[p * dims + j]].
struct Codebook {
    int dims = 0, points = 0, n_values = 0;
    std::array<float, kMaxLevels> value{};
    std::vector<std::int8_t> level;
};

template <typename Entry, std::size_t N, std::size_t V>
Codebook make_codebook(const Entry (&grid)[N], const std::array<int, V>& values, bool signed_bytes) {
    Codebook c;
    c.dims = static_cast<int>(sizeof(Entry));
    c.points = static_cast<int>(N);
    c.n_values = static_cast<int>(V);
    for (std::size_t v = 0; v < V; ++v) c.value[v] = static_cast<float>(values[v]);
    c.level = iq_grids::levels_of(grid, values, signed_bytes);
    return c;
}

const Codebook& codebook(TensorType t) {
    using namespace iq_grids;
    static const Codebook iq2xxs = make_codebook(kIq2xxs, kIq2Values, false);
    static const Codebook iq2xs = make_codebook(kIq2xs, kIq2Values, false);
    static const Codebook iq2s = make_codebook(kIq2s, kIq2Values, false);
    static const Codebook iq3xxs = make_codebook(kIq3xxs, kIq3xxsValues, false);
    static const Codebook iq3s = make_codebook(kIq3s, kIq3sValues, false);
    static const Codebook iq1 = make_codebook(kIq1s, kIq1Values, true);
    switch (t) {
        case TensorType::IQ2_XXS: return iq2xxs;
        case TensorType::IQ2_XS: return iq2xs;
        case TensorType::IQ2_S: return iq2s;
        case TensorType::IQ3_XXS: return iq3xxs;
        case TensorType::IQ3_S: return iq3s;
        default: return iq1;
    }
}

// The cheapest points for `dims` coordinates under the per-coordinate weights, kept best first: without changing
// any sign, and (signed types) with the sign of one coordinate against its value's, which is what an even sign
// count costs when the values' signs are odd (flipping a coordinate costs (m + q)^2 - (m - q)^2 = 4 m q).
// Among equal costs the lower index comes first.
constexpr int kKept = 8;
struct Ranked {
    int count = 0;
    float cost[kKept];
    int point[kKept], flip[kKept];
    void offer(float c, int p, int f) {
        if (count == kKept && !(c < cost[kKept - 1])) return;
        int at = count < kKept ? count++ : kKept - 1;
        for (; at > 0 && c < cost[at - 1]; --at) {
            cost[at] = cost[at - 1];
            point[at] = point[at - 1];
            flip[at] = flip[at - 1];
        }
        cost[at] = c;
        point[at] = p;
        flip[at] = f;
    }
};
struct Ranking {
    Ranked plain, flipped;
};

// Magnitudes m (signed types) or values x (IQ1: offset is the shift every value carries) at scale s; the lists
// asked for (flipped: signed types only). Every cost term is >= 0, so a point whose first half already costs as
// much as the last kept entry of every list asked for cannot enter one: it is passed over, and what is kept is
// what scoring every point in full keeps.
Ranking rank_points(const Codebook& cb, const float* m, const float* w, float s, float offset, bool plain, bool flipped) {
    float cost[8][kMaxLevels], flip[8][kMaxLevels];
    for (int i = 0; i < cb.dims; ++i)
        for (int l = 0; l < cb.n_values; ++l) {
            const float q = s * (cb.value[static_cast<std::size_t>(l)] + offset);
            cost[i][l] = w[i] * (m[i] - q) * (m[i] - q);
            flip[i][l] = 4 * w[i] * m[i] * q;
        }
    Ranking r;
    auto last_kept = [](const Ranked& list) { return list.count < kKept ? INFINITY : list.cost[kKept - 1]; };
    const int half = cb.dims / 2;
    const std::int8_t* lv = cb.level.data();
    for (int p = 0; p < cb.points; ++p, lv += cb.dims) {
        float sum = 0;
        for (int i = 0; i < half; ++i) sum += cost[i][lv[i]];
        const float bound = std::max(plain ? last_kept(r.plain) : -INFINITY, flipped ? last_kept(r.flipped) : -INFINITY);
        if (bound < INFINITY && sum >= bound) continue;
        for (int i = half; i < cb.dims; ++i) sum += cost[i][lv[i]];
        if (plain) r.plain.offer(sum, p, -1);
        if (!flipped) continue;
        int at = 0;
        float least = flip[0][lv[0]];
        for (int i = 1; i < cb.dims; ++i)
            if (flip[i][lv[i]] < least) {
                least = flip[i][lv[i]];
                at = i;
            }
        r.flipped.offer(sum + least, p, at);
    }
    return r;
}

// Sign bits of 8 values (bit j: x[j] < 0) and their magnitudes.
std::uint8_t sign_bits(const float* x, float* m) {
    std::uint8_t s = 0;
    for (int j = 0; j < 8; ++j) {
        m[j] = std::fabs(x[j]);
        if (x[j] < 0) s |= static_cast<std::uint8_t>(1 << j);
    }
    return s;
}

bool odd(std::uint8_t s) { return (__builtin_popcount(s) & 1) != 0; }

std::uint8_t grid_byte(std::uint64_t entry, int j) { return static_cast<std::uint8_t>(entry >> (8 * j)); }

// The values as the dequantizers compute them (iq_dequant): scale * grid value, negated by the sign bit.
void emit(float scale, std::uint64_t entry, std::uint8_t signs, int first_sign, int dims, float* y) {
    for (int j = 0; j < dims; ++j)
        y[j] = scale * static_cast<float>(grid_byte(entry, j)) * ((signs >> (first_sign + j)) & 1 ? -1.f : 1.f);
}
void emit_iq1(float scale, std::uint64_t entry, float delta, float* y) {
    for (int j = 0; j < 8; ++j) y[j] = scale * (static_cast<float>(static_cast<std::int8_t>(grid_byte(entry, j))) + delta);
}

// A storable group: its point(s), the 8 sign bits (or IQ1_M's shift) and what it decodes to.
struct Candidate {
    int index[2] = {0, 0};
    std::uint8_t signs = 0;
    bool negative = false;
    float values[8];
};

// The group's loss for the values q: with a metric (8 x 8 lower triangular L, row-major: the loss is |L (x - q)|^2,
// GPTQ's loss of committing the group with the columns after it left to compensate), else the weighted squares.
float group_loss(const float* x, const float* q, const float* weight, const float* metric) {
    float e[8];
    for (int i = 0; i < 8; ++i) e[i] = x[i] - q[i];
    float loss = 0;
    if (metric == nullptr) {
        for (int i = 0; i < 8; ++i) loss += weight[i] * e[i] * e[i];
        return loss;
    }
    for (int i = 0; i < 8; ++i) {
        float r = 0;
        for (int k = 0; k <= i; ++k) r += metric[i * 8 + k] * e[k];
        loss += r * r;
    }
    return loss;
}

// The candidates' best by group_loss (the first among equals).
template <typename Fn>
Candidate pick(const float* x, const float* weight, const float* metric, int count, Fn&& candidate) {
    Candidate best;
    float best_loss = INFINITY;
    for (int i = 0; i < count; ++i) {
        const Candidate c = candidate(i);
        const float loss = group_loss(x, c.values, weight, metric);
        if (i == 0 || loss < best_loss) {
            best = c;
            best_loss = loss;
        }
    }
    return best;
}

// One 8-coordinate point of a signed codebook: the ranked points with the values' signs (one flipped where the
// type stores an even sign count and the values' is odd).
template <typename Entry, std::size_t N>
Candidate choose8(const Codebook& cb, const Entry (&grid)[N], const float* x, const float* w, const float* metric, float s,
                  bool even_signs) {
    float m[8];
    const std::uint8_t signs = sign_bits(x, m);
    const bool flip = even_signs && odd(signs);
    const Ranking r = rank_points(cb, m, w, s, 0, !flip, flip);
    const Ranked& list = flip ? r.flipped : r.plain;
    return pick(x, w, metric, list.count, [&](int i) {
        Candidate c;
        c.index[0] = list.point[i];
        c.signs = flip ? static_cast<std::uint8_t>(signs ^ (1 << list.flip[i])) : signs;
        emit(s, grid[c.index[0]], c.signs, 0, 8, c.values);
        return c;
    });
}

// Two 4-coordinate points (IQ3) sharing 8 sign bits; with an even sign count stored and an odd one in the values,
// the flip goes to either half.
template <typename Entry, std::size_t N>
Candidate choose4x2(const Codebook& cb, const Entry (&grid)[N], const float* x, const float* w, const float* metric, float s,
                    bool even_signs) {
    float m[8];
    const std::uint8_t signs = sign_bits(x, m);
    const bool flip = even_signs && odd(signs);
    const Ranking a = rank_points(cb, m, w, s, 0, true, flip), b = rank_points(cb, m + 4, w + 4, s, 0, true, flip);
    // pairs (first half's i, second half's j): plain x plain; or flipped x plain, then plain x flipped
    const int n_plain = a.plain.count * b.plain.count;
    const int count = flip ? a.flipped.count * b.plain.count + a.plain.count * b.flipped.count : n_plain;
    return pick(x, w, metric, count, [&](int k) {
        const Ranked *first = &a.plain, *second = &b.plain;
        std::uint8_t sg = signs;
        if (flip) {
            const int n_first = a.flipped.count * b.plain.count;
            if (k < n_first) {
                first = &a.flipped;
            } else {
                second = &b.flipped;
                k -= n_first;
            }
        }
        const int i = k / second->count, j = k % second->count;
        if (first->flip[i] >= 0) sg = static_cast<std::uint8_t>(sg ^ (1 << first->flip[i]));
        if (second->flip[j] >= 0) sg = static_cast<std::uint8_t>(sg ^ (1 << (4 + second->flip[j])));
        Candidate c;
        c.index[0] = first->point[i];
        c.index[1] = second->point[j];
        c.signs = sg;
        emit(s, grid[c.index[0]], sg, 0, 4, c.values);
        emit(s, grid[c.index[1]], sg, 4, 4, c.values + 4);
        return c;
    });
}

// An IQ1 point at scale s under the given shifts (one, or both for IQ1_M).
Candidate choose_iq1(const float* x, const float* w, const float* metric, float s, std::initializer_list<float> deltas) {
    const Codebook& cb = codebook(TensorType::IQ1_S);
    Ranking r[2];
    int n = 0;
    for (float delta : deltas) r[n++] = rank_points(cb, x, w, s, delta, true, false);
    const float* shift = deltas.begin();
    return pick(x, w, metric, r[0].plain.count * n, [&](int k) {
        const int which = k / r[0].plain.count, i = k % r[0].plain.count;
        Candidate c;
        c.index[0] = r[which].plain.point[i];
        c.negative = shift[which] < 0;
        emit_iq1(s, iq_grids::kIq1s[c.index[0]], shift[which], c.values);
        return c;
    });
}

float iq2_scale(float d, int ls) { return d * (0.5f + static_cast<float>(ls)) * 0.25f; }

void round_iq2_xxs(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ2_XXS b;
    std::memcpy(&b, block, sizeof(b));
    const int ib = g / 4, l = g % 4;
    std::uint32_t aux[2];
    std::memcpy(aux, b.qs + 4 * ib, sizeof(aux));
    const float db = iq2_scale(fp16_to_fp32(b.d), static_cast<int>(aux[1] >> 28));
    const Candidate c = choose8(codebook(TensorType::IQ2_XXS), iq_grids::kIq2xxs, x, w, metric, db, true);
    aux[0] = (aux[0] & ~(0xFFu << (8 * l))) | (static_cast<std::uint32_t>(c.index[0]) << (8 * l));
    aux[1] = (aux[1] & ~(0x7Fu << (7 * l))) | (static_cast<std::uint32_t>(c.signs & 127) << (7 * l));
    std::memcpy(b.qs + 4 * ib, aux, sizeof(aux));
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

void round_iq2_xs(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ2_XS b;
    std::memcpy(&b, block, sizeof(b));
    const int ls = (b.scales[g / 4] >> (4 * ((g / 2) % 2))) & 0xF;
    const float db = iq2_scale(fp16_to_fp32(b.d), ls);
    const Candidate c = choose8(codebook(TensorType::IQ2_XS), iq_grids::kIq2xs, x, w, metric, db, true);
    b.qs[g] = static_cast<std::uint16_t>(c.index[0] | ((c.signs & 127) << 9));
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

void round_iq2_s(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ2_S b;
    std::memcpy(&b, block, sizeof(b));
    const int ls = (b.scales[g / 4] >> (4 * ((g / 2) % 2))) & 0xF;
    const float db = iq2_scale(fp16_to_fp32(b.d), ls);
    const Candidate c = choose8(codebook(TensorType::IQ2_S), iq_grids::kIq2s, x, w, metric, db, false);
    b.qs[g] = static_cast<std::uint8_t>(c.index[0] & 255);
    const int shift = 2 * (g % 4);
    b.qh[g / 4] = static_cast<std::uint8_t>((b.qh[g / 4] & ~(3 << shift)) | ((c.index[0] >> 8) << shift));
    b.qs[32 + g] = c.signs;
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

void round_iq3_xxs(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ3_XXS b;
    std::memcpy(&b, block, sizeof(b));
    const int ib = g / 4, l = g % 4;
    std::uint32_t aux;
    std::memcpy(&aux, b.qs + 64 + 4 * ib, sizeof(aux));
    const float db = fp16_to_fp32(b.d) * (0.5f + static_cast<float>(aux >> 28)) * 0.5f;
    const Candidate c = choose4x2(codebook(TensorType::IQ3_XXS), iq_grids::kIq3xxs, x, w, metric, db, true);
    b.qs[8 * ib + 2 * l] = static_cast<std::uint8_t>(c.index[0]);
    b.qs[8 * ib + 2 * l + 1] = static_cast<std::uint8_t>(c.index[1]);
    aux = (aux & ~(0x7Fu << (7 * l))) | (static_cast<std::uint32_t>(c.signs & 127) << (7 * l));
    std::memcpy(b.qs + 64 + 4 * ib, &aux, sizeof(aux));
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

void round_iq3_s(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ3_S b;
    std::memcpy(&b, block, sizeof(b));
    const int ib = g / 4, l = g % 4;
    const int sc = ib % 2 == 0 ? b.scales[ib / 2] & 0xf : b.scales[ib / 2] >> 4;
    const float db = fp16_to_fp32(b.d) * static_cast<float>(1 + 2 * sc);
    const Candidate c = choose4x2(codebook(TensorType::IQ3_S), iq_grids::kIq3s, x, w, metric, db, false);
    for (int h = 0; h < 2; ++h) {
        const int bit = 2 * l + h;
        b.qs[8 * ib + bit] = static_cast<std::uint8_t>(c.index[h] & 255);
        b.qh[ib] = static_cast<std::uint8_t>((b.qh[ib] & ~(1 << bit)) | ((c.index[h] >> 8) << bit));
    }
    b.signs[4 * ib + l] = c.signs;
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

void round_iq1_s(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ1_S b;
    std::memcpy(&b, block, sizeof(b));
    const int ib = g / 4, l = g % 4;
    const std::uint16_t qh = b.qh[ib];
    const float dl = fp16_to_fp32(b.d) * static_cast<float>(2 * ((qh >> 12) & 7) + 1);
    // IQ1_S's shift belongs to the 32 columns: the one the quantizer chose is kept
    const Candidate c = choose_iq1(x, w, metric, dl, {qh & 0x8000 ? -kIq1Delta : kIq1Delta});
    b.qs[4 * ib + l] = static_cast<std::uint8_t>(c.index[0] & 255);
    b.qh[ib] = static_cast<std::uint16_t>((qh & ~(7u << (3 * l))) | (static_cast<unsigned>(c.index[0] >> 8) << (3 * l)));
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

void round_iq1_m(std::uint8_t* block, int g, const float* x, const float* w, const float* metric, float* y) {
    BlockIQ1_M b;
    std::memcpy(&b, block, sizeof(b));
    std::uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof(sc));
    const auto scale_bits = static_cast<std::uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
    const int ib = g / 4, l = g % 4;
    const float dl = fp16_to_fp32(scale_bits) * static_cast<float>(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * (l / 2))) & 7) + 1);
    // IQ1_M stores each group's shift: both are tried
    const Candidate c = choose_iq1(x, w, metric, dl, {kIq1Delta, -kIq1Delta});
    b.qs[4 * ib + l] = static_cast<std::uint8_t>(c.index[0] & 255);
    std::uint8_t& qh = b.qh[2 * ib + l / 2];
    const int shift = 4 * (l % 2);
    qh = static_cast<std::uint8_t>((qh & ~(0xF << shift)) | (((c.index[0] >> 8) | (c.negative ? 8 : 0)) << shift));
    std::memcpy(block, &b, sizeof(b));
    std::memcpy(y, c.values, sizeof(c.values));
}

}  // namespace

bool CodebookGrid::supports(TensorType t) {
    switch (t) {
        case TensorType::IQ2_XXS:
        case TensorType::IQ2_XS:
        case TensorType::IQ2_S:
        case TensorType::IQ3_XXS:
        case TensorType::IQ3_S:
        case TensorType::IQ1_S:
        case TensorType::IQ1_M: return true;
        default: return false;
    }
}

CodebookGrid::CodebookGrid(TensorType t) : type_(t) {
    if (!supports(t)) fail("{} is not a codebook type", type_name(t));
}

void CodebookGrid::fix(const float* x, const float* importance, std::uint8_t* block) const {
    quantize_row(type_, x, block, traits(type_).block_size, importance);
    // The quantizer's scales are the best for rounding each value on its own, which shrinks them most on the
    // 4-level IQ2 grids; GPTQ feeds each group's error to the columns after it, so the values it rounds spread
    // wider and a wider grid serves them better there (README: d x 0.95 / 1 / 1.06 / 1.12 on pydoc6m's IQ2
    // mixes; on IQ3 and IQ1 grids widening measured no better).
    if (type_ != TensorType::IQ2_XXS && type_ != TensorType::IQ2_XS && type_ != TensorType::IQ2_S) return;
    std::uint16_t d;
    std::memcpy(&d, block, sizeof(d));
    d = fp32_to_fp16(fp16_to_fp32(d) * kGptqScaleMargin);
    std::memcpy(block, &d, sizeof(d));
}

void CodebookGrid::round_group(std::uint8_t* block, int group, const float* x, const float* weight, const float* metric,
                               float* values) const {
    if (group < 0 || group >= 32) fail("{}: group {} of a 256-column block", type_name(type_), group);
    switch (type_) {
        case TensorType::IQ2_XXS: return round_iq2_xxs(block, group, x, weight, metric, values);
        case TensorType::IQ2_XS: return round_iq2_xs(block, group, x, weight, metric, values);
        case TensorType::IQ2_S: return round_iq2_s(block, group, x, weight, metric, values);
        case TensorType::IQ3_XXS: return round_iq3_xxs(block, group, x, weight, metric, values);
        case TensorType::IQ3_S: return round_iq3_s(block, group, x, weight, metric, values);
        case TensorType::IQ1_S: return round_iq1_s(block, group, x, weight, metric, values);
        default: return round_iq1_m(block, group, x, weight, metric, values);
    }
}

}  // namespace qforge
