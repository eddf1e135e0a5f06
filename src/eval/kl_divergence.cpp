#include "eval/kl_divergence.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "model/llama_session.h"

namespace qforge {
namespace {

struct Sums {
    double nll = 0, nll2 = 0, nll_base = 0, nll_base2 = 0, nll_nll_base = 0, kld = 0, kld2 = 0;
    double p_diff = 0, p_diff2 = 0, p_diff4 = 0;
    std::size_t same_top = 0, count = 0;
};

// One scored token, computed in llama.cpp's mix of float and double so the figures agree.
void accumulate(const float* logits, std::int64_t n_vocab, const std::uint16_t* entry, std::int32_t tok, Sums& s,
                float& kld_out, float& p_diff_out) {
    float max_logit = logits[0];
    std::int64_t imax = 0;
    for (std::int64_t i = 1; i < n_vocab; ++i)
        if (logits[i] > max_logit) {
            max_logit = logits[i];
            imax = i;
        }
    double sum_exp = 0.0;
    for (std::int64_t i = 0; i < n_vocab; ++i) sum_exp += std::exp(logits[i] - max_logit);
    const float log_sum_exp = static_cast<float>(std::log(sum_exp));
    float scale, min_log_prob;
    std::memcpy(&scale, entry, 4);
    std::memcpy(&min_log_prob, entry + 2, 4);
    const std::uint16_t* q = entry + 4;

    const float nll = max_logit + log_sum_exp - logits[tok];
    s.nll += nll;
    s.nll2 += nll * nll;
    const float nll_base = -(scale * q[tok] + min_log_prob);
    s.nll_base += nll_base;
    s.nll_base2 += nll_base * nll_base;
    s.nll_nll_base += nll * nll_base;

    max_logit += log_sum_exp;
    double sum = 0;
    std::int64_t imax_base = -1;
    float p_log_base_max = 0;
    for (std::int64_t i = 0; i < n_vocab; ++i) {
        const float p_log_base = scale * q[i] + min_log_prob;
        if (i == 0 || p_log_base > p_log_base_max) {
            p_log_base_max = p_log_base;
            imax_base = i;
        }
        if (p_log_base > -16.f) sum += std::exp(p_log_base) * (p_log_base - logits[i] + max_logit);
    }
    s.kld += sum;
    s.kld2 += sum * sum;
    ++s.count;
    if (imax == imax_base) ++s.same_top;
    const float p_diff = std::exp(-nll) - std::exp(-nll_base);
    s.p_diff += p_diff;
    const double d2 = static_cast<double>(p_diff) * p_diff;
    s.p_diff2 += d2;
    s.p_diff4 += d2 * d2;
    kld_out = static_cast<float>(sum);
    p_diff_out = p_diff;
}

std::pair<double, double> mean_and_uncertainty(double sum, double sum2, std::size_t count) {
    if (count < 1) return {0., 0.};
    const double f = sum / static_cast<double>(count);
    double df = sum2 / static_cast<double>(count) - f * f;
    df = df > 0 && count > 10 ? std::sqrt(df / static_cast<double>(count - 1)) : 0.;
    return {f, df};
}

double covariance(double a, double b, double ab, std::size_t count) {
    if (count < 10) return 0.0;
    const double n = static_cast<double>(count);
    return (ab / n - (a / n) * (b / n)) / (n - 1);
}

float percentile(const std::vector<float>& v, float fraction) {
    if (fraction <= 0) return v.front();
    if (fraction >= 1) return v.back();
    float p = fraction * static_cast<float>(v.size() - 1);
    const std::size_t ip = static_cast<std::size_t>(p);
    p -= static_cast<float>(ip);
    return (1 - p) * v[ip] + p * v[std::min(ip + 1, v.size() - 1)];
}

float median(const std::vector<float>& v) {
    return v.size() % 2 == 0 ? 0.5f * (v[v.size() / 2] + v[v.size() / 2 - 1]) : v[v.size() / 2];
}

}  // namespace

KldSummary compute_kl_divergence(const LlamaModel& model, const Tokenizer& tokenizer, const LogitsFileReader& base,
                                 ThreadPool& pool, const std::function<void(const std::string&)>& out) {
    const std::int64_t n_vocab = model.hparams().n_vocab;
    if (base.n_vocab() != n_vocab)
        fail("KL-divergence: inconsistent vocabulary ({} in the base file, {} in the model)", base.n_vocab(), n_vocab);
    const std::int64_t n_ctx = base.n_ctx(), first = n_ctx / 2, n_scored = n_ctx - 1 - first;
    const std::int64_t words = logits_entry_words(n_vocab);
    std::vector<float> kld_values, p_diff_values;
    Sums s;
    LlamaSession session(model, n_ctx, pool);
    std::vector<float> logits;
    for (std::int32_t c = 0; c < base.n_chunk(); ++c) {
        std::vector<std::int32_t> chunk(base.tokens().begin() + c * n_ctx, base.tokens().begin() + (c + 1) * n_ctx);
        if (tokenizer.adds_bos()) chunk[0] = *tokenizer.bos();
        session.reset();
        session.decode(chunk, true, logits);
        const std::uint16_t* entries = base.chunk(c);
        for (std::int64_t i = 0; i < n_scored; ++i) {
            float k, d;
            accumulate(logits.data() + (first + i) * n_vocab, n_vocab, entries + i * words,
                       base.tokens()[static_cast<std::size_t>(c * n_ctx + first + i + 1)], s, k, d);
            kld_values.push_back(k);
            p_diff_values.push_back(d);
        }
        out("");
        out("chunk             PPL               ln(PPL(Q)/PPL(base))          KL Divergence              Δp RMS            Same top p");
        const auto log_ppl = mean_and_uncertainty(s.nll, s.nll2, s.count);
        const double ppl = std::exp(log_ppl.first);
        const auto log_ppl_base = mean_and_uncertainty(s.nll_base, s.nll_base2, s.count);
        const double cov = covariance(s.nll, s.nll_base, s.nll_nll_base, s.count);
        const double ratio_unc = std::sqrt(log_ppl.second * log_ppl.second + log_ppl_base.second * log_ppl_base.second - 2.0 * cov);
        const auto kl = mean_and_uncertainty(s.kld, s.kld2, s.count);
        const auto mse = mean_and_uncertainty(s.p_diff2, s.p_diff4, s.count);
        const double rms = std::sqrt(mse.first), rms_unc = 0.5 / rms * mse.second;
        const double top = static_cast<double>(s.same_top) / static_cast<double>(s.count);
        const double top_unc = std::sqrt(top * (1 - top) / static_cast<double>(s.count - 1));
        out(fmt::format("{:4d}    {:9.4f} ± {:9.4f}    {:10.5f} ± {:10.5f}    {:10.5f} ± {:10.5f}    {:6.3f} ± {:6.3f} %    {:6.3f} ± {:6.3f} %",
                        c + 1, ppl, ppl * log_ppl.second, log_ppl.first - log_ppl_base.first, ratio_unc, kl.first,
                        kl.second, 100.0 * rms, 100.0 * rms_unc, 100.0 * top, 100.0 * top_unc));
    }
    out("");

    KldSummary r;
    r.count = static_cast<std::int64_t>(s.count);
    const auto log_ppl = mean_and_uncertainty(s.nll, s.nll2, s.count);
    const auto log_ppl_base = mean_and_uncertainty(s.nll_base, s.nll_base2, s.count);
    const auto kl = mean_and_uncertainty(s.kld, s.kld2, s.count);
    const auto mse = mean_and_uncertainty(s.p_diff2, s.p_diff4, s.count);
    r.ppl = std::exp(log_ppl.first);
    r.ppl_error = r.ppl * log_ppl.second;
    r.ppl_base = std::exp(log_ppl_base.first);
    r.ppl_base_error = r.ppl_base * log_ppl_base.second;
    r.mean_kld = kl.first;
    r.mean_kld_error = kl.second;
    r.same_top = static_cast<double>(s.same_top) / static_cast<double>(s.count);
    r.rms_dp = std::sqrt(mse.first);
    if (s.count < 100) return r;  // llama.cpp prints no statistics on so few values

    std::sort(kld_values.begin(), kld_values.end());
    std::sort(p_diff_values.begin(), p_diff_values.end());
    r.max_kld = kld_values.back();
    const double cov = covariance(s.nll, s.nll_base, s.nll_nll_base, s.count);
    const double cor = cov / (log_ppl.second * log_ppl_base.second);
    const double ratio = log_ppl.first - log_ppl_base.first;
    const double ratio_unc = std::sqrt(log_ppl.second * log_ppl.second + log_ppl_base.second * log_ppl_base.second - 2.0 * cov);
    const double ppl_cov = r.ppl * r.ppl_base * cov;
    out("====== Perplexity statistics ======");
    out(fmt::format("Mean PPL(Q)                   : {:10.6f} ± {:10.6f}", r.ppl, r.ppl_error));
    out(fmt::format("Mean PPL(base)                : {:10.6f} ± {:10.6f}", r.ppl_base, r.ppl_base_error));
    out(fmt::format("Cor(ln(PPL(Q)), ln(PPL(base))): {:6.2f}%", 100.0 * cor));
    out(fmt::format("Mean ln(PPL(Q)/PPL(base))     : {:10.6f} ± {:10.6f}", ratio, ratio_unc));
    out(fmt::format("Mean PPL(Q)/PPL(base)         : {:10.6f} ± {:10.6f}", std::exp(ratio), std::exp(ratio) * ratio_unc));
    out(fmt::format("Mean PPL(Q)-PPL(base)         : {:10.6f} ± {:10.6f}", r.ppl - r.ppl_base,
                    std::sqrt(r.ppl_error * r.ppl_error + r.ppl_base_error * r.ppl_base_error - 2.0 * ppl_cov)));
    out("");
    out("====== KL divergence statistics ======");
    out(fmt::format("Mean    KLD: {:10.6f} ± {:10.6f}", kl.first, kl.second));
    out(fmt::format("Maximum KLD: {:10.6f}", kld_values.back()));
    out(fmt::format("99.9%   KLD: {:10.6f}", percentile(kld_values, 0.999f)));
    out(fmt::format("99.0%   KLD: {:10.6f}", percentile(kld_values, 0.990f)));
    out(fmt::format("99.0%   KLD: {:10.6f}", percentile(kld_values, 0.990f)));  // sic: llama.cpp prints this line twice
    out(fmt::format("Median  KLD: {:10.6f}", median(kld_values)));
    out(fmt::format("10.0%   KLD: {:10.6f}", percentile(kld_values, 0.100f)));
    out(fmt::format(" 5.0%   KLD: {:10.6f}", percentile(kld_values, 0.050f)));
    out(fmt::format(" 1.0%   KLD: {:10.6f}", percentile(kld_values, 0.010f)));
    out(fmt::format("Minimum KLD: {:10.6f}", kld_values.front()));
    out("");
    out("====== Token probability statistics ======");
    const auto pd = mean_and_uncertainty(s.p_diff, s.p_diff2, s.count);
    out(fmt::format("Mean    Δp: {:6.3f} ± {:5.3f} %", 100.0 * pd.first, 100.0 * pd.second));
    out(fmt::format("Maximum Δp: {:6.3f}%", 100.0 * p_diff_values.back()));
    const std::pair<const char*, float> pcts[] = {{"99.9%", 0.999f}, {"99.0%", 0.990f}, {"95.0%", 0.950f},
                                                  {"90.0%", 0.900f}, {"75.0%", 0.750f}};
    for (const auto& [label, f] : pcts) out(fmt::format("{}   Δp: {:6.3f}%", label, 100.0 * percentile(p_diff_values, f)));
    out(fmt::format("Median  Δp: {:6.3f}%", 100.0 * median(p_diff_values)));
    const std::pair<const char*, float> low[] = {{"25.0%", 0.250f}, {"10.0%", 0.100f}, {" 5.0%", 0.050f},
                                                 {" 1.0%", 0.010f}, {" 0.1%", 0.001f}};
    for (const auto& [label, f] : low) out(fmt::format("{}   Δp: {:6.3f}%", label, 100.0 * percentile(p_diff_values, f)));
    out(fmt::format("Minimum Δp: {:6.3f}%", 100.0 * p_diff_values.front()));
    out(fmt::format("RMS Δp    : {:6.3f} ± {:5.3f} %", 100.0 * r.rms_dp, 100.0 * 0.5 / r.rms_dp * mse.second));
    out(fmt::format("Same top p: {:6.3f} ± {:5.3f} %", 100.0 * r.same_top,
                    100.0 * std::sqrt(r.same_top * (1.0 - r.same_top) / static_cast<double>(s.count - 1))));
    return r;
}

}  // namespace qforge
