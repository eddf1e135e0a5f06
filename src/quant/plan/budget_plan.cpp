#include "quant/plan/budget_plan.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace qforge {

std::vector<BudgetCandidate> undominated(std::vector<BudgetCandidate> c) {
    std::sort(c.begin(), c.end(), [](const BudgetCandidate& a, const BudgetCandidate& b) {
        return a.bytes != b.bytes ? a.bytes < b.bytes : a.cost < b.cost;
    });
    std::vector<BudgetCandidate> kept;
    for (const BudgetCandidate& x : c)
        if (kept.empty() || x.cost < kept.back().cost) {
            if (!kept.empty() && kept.back().bytes == x.bytes) kept.pop_back();
            kept.push_back(x);
        }
    return kept;
}

BudgetAllocation allocate_to_budget(const std::vector<BudgetTensor>& tensors, std::uint64_t budget, const BudgetPlanOptions& o) {
    const std::size_t n = tensors.size();
    std::uint64_t smallest = 0;
    for (const BudgetTensor& t : tensors) {
        if (t.candidates.empty()) fail("budget plan: tensor '{}' has no candidate type", t.name);
        if (t.candidates.size() > 255) fail("budget plan: tensor '{}' has more than 255 candidate types", t.name);
        std::uint64_t m = std::numeric_limits<std::uint64_t>::max();
        for (const BudgetCandidate& c : t.candidates) m = std::min(m, c.bytes);
        smallest += m;
    }
    if (smallest > budget)
        fail("budget plan: {} bytes for the quantized tensors is below the smallest plan, {} bytes (every tensor in its "
             "smallest candidate type)", budget, smallest);

    const auto units = static_cast<std::uint64_t>(std::max<std::int64_t>(o.units, 1));
    const std::uint64_t unit = std::max<std::uint64_t>(1, (budget + units - 1) / units);
    const std::size_t cap = static_cast<std::size_t>(budget / unit);
    auto weight = [unit](std::uint64_t bytes) { return static_cast<std::size_t>((bytes + unit - 1) / unit); };

    // best[b]: the least cost of the tensors so far within b units; pick[i][b]: tensor i's candidate there
    constexpr double inf = std::numeric_limits<double>::infinity();
    std::vector<double> best(cap + 1, 0.0), next(cap + 1);
    std::vector<std::uint8_t> pick(n * (cap + 1), 0);
    for (std::size_t i = 0; i < n; ++i) {
        std::fill(next.begin(), next.end(), inf);
        std::uint8_t* row = pick.data() + i * (cap + 1);
        for (std::size_t k = 0; k < tensors[i].candidates.size(); ++k) {
            const BudgetCandidate& c = tensors[i].candidates[k];
            const std::size_t w = weight(c.bytes);
            for (std::size_t b = w; b <= cap; ++b) {
                const double v = best[b - w] + c.cost;
                if (v < next[b]) {
                    next[b] = v;
                    row[b] = static_cast<std::uint8_t>(k);
                }
            }
        }
        best.swap(next);
    }

    BudgetAllocation a;
    a.choice.assign(n, 0);
    if (best[cap] == inf) {
        // the rounding up to units left no room although the bytes fit: the smallest candidates, then upgrades
        for (std::size_t i = 0; i < n; ++i) {
            const auto& c = tensors[i].candidates;
            a.choice[i] = static_cast<std::size_t>(std::min_element(c.begin(), c.end(), [](const auto& x, const auto& y) { return x.bytes < y.bytes; }) - c.begin());
        }
    } else {
        std::size_t b = cap;
        for (std::size_t i = n; i-- > 0;) {
            const std::size_t k = pick[i * (cap + 1) + b];
            a.choice[i] = k;
            b -= weight(tensors[i].candidates[k].bytes);
        }
    }
    for (std::size_t i = 0; i < n; ++i) a.bytes += tensors[i].candidates[a.choice[i]].bytes;

    // spend what the rounding left on the upgrades that save the most cost per byte
    for (;;) {
        const std::uint64_t left = budget - a.bytes;
        double best_rate = 0.0;
        std::size_t bi = n, bk = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const BudgetCandidate& now = tensors[i].candidates[a.choice[i]];
            for (std::size_t k = 0; k < tensors[i].candidates.size(); ++k) {
                const BudgetCandidate& c = tensors[i].candidates[k];
                if (c.cost >= now.cost) continue;
                const double extra = static_cast<double>(c.bytes) - static_cast<double>(now.bytes);
                if (extra > static_cast<double>(left)) continue;
                const double rate = extra <= 0 ? inf : (now.cost - c.cost) / extra;
                if (rate > best_rate) {
                    best_rate = rate;
                    bi = i;
                    bk = k;
                }
            }
        }
        if (bi == n) break;
        a.bytes = a.bytes - tensors[bi].candidates[a.choice[bi]].bytes + tensors[bi].candidates[bk].bytes;
        a.choice[bi] = bk;
    }
    for (std::size_t i = 0; i < n; ++i) a.cost += tensors[i].candidates[a.choice[i]].cost;
    return a;
}

std::optional<std::uint64_t> parse_byte_size(const std::string& text) {
    std::size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double value = 0;
    try {
        std::size_t used = 0;
        value = std::stod(text.substr(0, i), &used);
        if (used != i) return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
    std::string unit = text.substr(i);
    while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
    for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    double scale = 0;
    if (unit.empty() || unit == "b") scale = 1;
    else if (unit == "k" || unit == "kib") scale = 1024.0;
    else if (unit == "m" || unit == "mib") scale = 1024.0 * 1024.0;
    else if (unit == "g" || unit == "gib") scale = 1024.0 * 1024.0 * 1024.0;
    else if (unit == "t" || unit == "tib") scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
    else if (unit == "kb") scale = 1e3;
    else if (unit == "mb") scale = 1e6;
    else if (unit == "gb") scale = 1e9;
    else if (unit == "tb") scale = 1e12;
    else return std::nullopt;
    const double bytes = std::floor(value * scale);
    if (!(bytes > 0) || bytes > 1.8e19) return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
}

}  // namespace qforge
