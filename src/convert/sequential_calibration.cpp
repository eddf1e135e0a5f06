#include "convert/sequential_calibration.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>

#include "core/dense_linalg.h"
#include "core/error.h"
#include "core/progress.h"
#include "model/layer_forward.h"
#include "model/moe_forward.h"
#include "model/ops.h"
#include "quant/codecs/codec_table.h"
#include "quant/methods/gptq.h"

namespace qforge {
namespace {

// Adds the seconds of its scope to a total.
class Stopwatch {
public:
    explicit Stopwatch(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~Stopwatch() { total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

private:
    double& total_;
    std::chrono::steady_clock::time_point start_;
};

// A layer tensor held in float while its layer is being calibrated, with a view the forward pass reads.
struct FloatTensor {
    FloatTensor() = default;
    FloatTensor(const FloatTensor&) = delete;  // the view points into values
    FloatTensor& operator=(const FloatTensor&) = delete;
    std::string name;
    std::vector<std::int64_t> ne;
    std::vector<float> values;
    TensorView view;

    void load(const TensorView* src) {
        name = src->name;
        ne = src->ne;
        values = dequantize_tensor(*src);
        view = TensorView{name, TensorType::F32, ne,
                          {reinterpret_cast<const std::uint8_t*>(values.data()), values.size() * sizeof(float)}};
    }
    std::int64_t rows() const { return view.n_rows(); }
    std::int64_t cols() const { return ne[0]; }
};

// What the linears reading one input see: the Hessian of their inputs and the mean magnitude per channel.
struct InputStats {
    InputStats(std::int64_t cols, ThreadPool& pool, double& seconds)
        : hessian(cols), abs_sum(static_cast<std::size_t>(cols), 0.0), pool(pool), seconds(seconds) {}
    void add(const float* x, std::int64_t rows) {
        const Stopwatch watch(seconds);
        hessian.add(x, rows, &pool);
        const std::int64_t n = hessian.columns();
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < n; ++c) abs_sum[static_cast<std::size_t>(c)] += std::fabs(x[r * n + c]);
        count += rows;
    }
    std::vector<float> mean_abs() const {
        std::vector<float> m(abs_sum.size());
        for (std::size_t c = 0; c < m.size(); ++c) m[c] = static_cast<float>(abs_sum[c] / static_cast<double>(std::max<std::int64_t>(count, 1)));
        return m;
    }
    HessianAccumulator hessian;
    std::vector<double> abs_sum;
    std::int64_t count = 0;
    ThreadPool& pool;
    double& seconds;
};

// Rows [row0, row0 + n) of a tensor: a whole linear, or its part of a fused one (Phi-3's v rows of attn_qkv).
struct Rows {
    FloatTensor* t;
    std::int64_t row0, n;
};
Rows all_rows(FloatTensor& t) { return {&t, 0, t.rows()}; }

struct LayerTensors {
    FloatTensor attn_norm, wo, ffn_norm;
    // q, k, v as three tensors or one fused (wqkv); the dense block's gate and up as two or one (gate_up), and
    // down; or the experts' (router; matrices stacked along ne[2]); the family's optional ones
    std::unique_ptr<FloatTensor> wq, wk, wv, wqkv, gate, up, gate_up, down, gate_inp, gate_exps, up_exps, down_exps;
    std::unique_ptr<FloatTensor> bq, bk, bv, q_norm, k_norm, attn_post_norm, ffn_post_norm;
    std::vector<std::unique_ptr<TensorView>> parts;  // the forward pass's views of the fused tensors' parts
    LlamaLayer view{};

    explicit LayerTensors(const LlamaLayer& src, const LlamaHparams& hp) {
        for (auto [dst, s] : {std::pair{&attn_norm, src.attn_norm}, {&wo, src.wo}, {&ffn_norm, src.ffn_norm}}) dst->load(s);
        const bool fused_qkv = src.wqkv != nullptr, fused_ffn = src.gate_up != nullptr;
        for (auto [dst, s] : {std::pair{&wq, fused_qkv ? nullptr : src.wq}, {&wk, fused_qkv ? nullptr : src.wk}, {&wv, fused_qkv ? nullptr : src.wv},
                              {&wqkv, src.wqkv}, {&gate, fused_ffn ? nullptr : src.gate}, {&up, fused_ffn ? nullptr : src.up},
                              {&gate_up, src.gate_up}, {&down, src.down}, {&gate_inp, src.gate_inp},
                              {&gate_exps, src.gate_exps}, {&up_exps, src.up_exps}, {&down_exps, src.down_exps}, {&bq, src.bq},
                              {&bk, src.bk}, {&bv, src.bv}, {&q_norm, src.q_norm}, {&k_norm, src.k_norm},
                              {&attn_post_norm, src.attn_post_norm}, {&ffn_post_norm, src.ffn_post_norm}})
            if (s != nullptr) {
                *dst = std::make_unique<FloatTensor>();
                (*dst)->load(s);
            }
        auto opt = [](const std::unique_ptr<FloatTensor>& t) { return t ? &t->view : nullptr; };
        auto part = [&](Rows r) {
            parts.push_back(std::make_unique<TensorView>(row_slice(r.t->view, r.row0, r.n)));
            return parts.back().get();
        };
        view.attn_norm = &attn_norm.view;
        view.wo = &wo.view;
        view.ffn_norm = &ffn_norm.view;
        view.wqkv = opt(wqkv);
        view.gate_up = opt(gate_up);
        view.wq = fused_qkv ? part(q_rows(hp)) : opt(wq);
        view.wk = fused_qkv ? part(k_rows(hp)) : opt(wk);
        view.wv = fused_qkv ? part(v_rows(hp)) : opt(wv);
        view.gate = fused_ffn ? part({gate_up.get(), 0, hp.n_ff}) : opt(gate);
        view.up = fused_ffn ? part(up_rows(hp)) : opt(up);
        view.down = opt(down);
        view.bq = opt(bq);
        view.bk = opt(bk);
        view.bv = opt(bv);
        view.q_norm = opt(q_norm);
        view.k_norm = opt(k_norm);
        view.attn_post_norm = opt(attn_post_norm);
        view.ffn_post_norm = opt(ffn_post_norm);
        view.gate_inp = opt(gate_inp);
        view.gate_exps = opt(gate_exps);
        view.up_exps = opt(up_exps);
        view.down_exps = opt(down_exps);
        view.n_expert_used = src.n_expert_used;
        view.n_swa = src.n_swa;
        view.sliding_rope = src.sliding_rope;
    }
    bool has_experts() const { return gate_exps != nullptr; }
    // The tensors as stored that read the attention's input (q, k, v or the fused one) and the dense block's
    // (gate, up or the fused one), and the tensor an observer sees first for each input.
    std::vector<FloatTensor*> attn_in() const {
        if (wqkv) return {wqkv.get()};
        return {wq.get(), wk.get(), wv.get()};
    }
    std::vector<FloatTensor*> ffn_in() const {
        if (gate_up) return {gate_up.get()};
        return {gate.get(), up.get()};
    }
    const TensorView* attn_in_view() const { return wqkv ? &wqkv->view : &wq->view; }
    const TensorView* ffn_in_view() const { return gate_up ? &gate_up->view : gate ? &gate->view : nullptr; }
    Rows q_rows(const LlamaHparams& hp) const { return wqkv ? Rows{wqkv.get(), 0, hp.n_head * hp.head_dim} : all_rows(*wq); }
    Rows k_rows(const LlamaHparams& hp) const {
        const std::int64_t nq = hp.n_head * hp.head_dim, nkv = hp.n_head_kv * hp.head_dim;
        return wqkv ? Rows{wqkv.get(), nq, nkv} : all_rows(*wk);
    }
    Rows v_rows(const LlamaHparams& hp) const {
        const std::int64_t nq = hp.n_head * hp.head_dim, nkv = hp.n_head_kv * hp.head_dim;
        return wqkv ? Rows{wqkv.get(), nq + nkv, nkv} : all_rows(*wv);
    }
    Rows up_rows(const LlamaHparams& hp) const { return gate_up ? Rows{gate_up.get(), hp.n_ff, hp.n_ff} : all_rows(*up); }
    std::uint64_t bytes() const {
        std::uint64_t b = 0;
        for (const FloatTensor* t : {&attn_norm, &wo, &ffn_norm}) b += t->values.size() * sizeof(float);
        for (const auto* t : {&wq, &wk, &wv, &wqkv, &gate, &up, &gate_up, &down, &gate_inp, &gate_exps, &up_exps, &down_exps})
            if (*t) b += (*t)->values.size() * sizeof(float);
        return b;
    }
};

void divide(std::vector<float>& v, const std::vector<float>& s) {
    for (std::size_t i = 0; i < v.size(); ++i) v[i] /= s[i];
}

// Rows r of a rows x cols weight divided by s[r]: the linear producing a scaled group's inputs.
void divide_rows(Rows rows, const std::vector<float>& s) {
    FloatTensor& t = *rows.t;
    for (std::int64_t r = 0; r < rows.n; ++r)
        for (std::int64_t c = 0; c < t.cols(); ++c)
            t.values[static_cast<std::size_t>((rows.row0 + r) * t.cols() + c)] /= s[static_cast<std::size_t>(r)];
}

bool is_identity(const std::vector<float>& s) {
    for (float v : s)
        if (v != 1.0f) return false;
    return true;
}

// A matrix AWQ works on: a whole tensor, or one expert's of a stacked tensor.
struct Matrix {
    const std::string& name;
    float* values;
    std::int64_t rows, cols;
};
Matrix whole(FloatTensor& t) { return {t.name, t.values.data(), t.rows(), t.cols()}; }
Matrix matrix(Rows r) { return {r.t->name, r.t->values.data() + r.row0 * r.t->cols(), r.n, r.t->cols()}; }
Matrix expert(FloatTensor& t, std::int64_t e) { return {t.name, t.values.data() + e * t.ne[0] * t.ne[1], t.ne[1], t.ne[0]}; }

class LayerCalibrator {
public:
    LayerCalibrator(const SequentialOptions& o, const SequentialHooks& hooks, SequentialReport& report, ThreadPool& pool)
        : o_(o), hooks_(hooks), report_(report), pool_(pool) {}

    void scale_group(std::vector<FloatTensor*> weights, InputStats& stats, std::vector<double>& h,
                     const std::function<void(const std::vector<float>&)>& fold) {
        std::vector<Matrix> m;
        for (FloatTensor* t : weights) m.push_back(whole(*t));
        scale_group(m, stats.mean_abs(), h, fold);
    }
    void scale_group(const std::vector<Matrix>& weights, const std::vector<float>& mean_abs, std::vector<double>& h,
                     const std::function<void(const std::vector<float>&)>& fold) {
        std::vector<AwqWeight> group;
        const std::int64_t cols = weights.front().cols;
        for (const Matrix& t : weights) {
            FakeQuantizer q = hooks_.grid(t.name);
            if (!q) return;  // a float weight in the group: nothing to protect
            group.push_back({t.values, t.rows, std::move(q)});
        }
        const AwqScales s = awq_search_scales(group, cols, h, mean_abs, o_.awq_options, pool_);
        if (is_identity(s.scales)) return;
        for (const AwqWeight& w : group) awq_scale_columns(w, cols, s.scales);
        awq_scale_hessian(h, cols, s.scales);
        fold(s.scales);
        ++report_.scaled_groups;
    }

    void clip(FloatTensor& t, const std::vector<double>& h) { clip(whole(t), h); }
    void clip(Rows r, const std::vector<double>& h) { clip(matrix(r), h); }
    void clip(const Matrix& t, const std::vector<double>& h) {
        FakeQuantizer q = hooks_.grid(t.name);
        if (!q) return;
        report_.clipped_groups += awq_clip({t.values, t.rows, std::move(q)}, t.cols, h, hooks_.clip_columns(t.name), o_.awq_options, pool_);
    }

    void quantize(FloatTensor& t, const std::vector<double>& h, std::uint64_t hessian_id) {
        const Stopwatch watch(report_.quantize_seconds);
        const double n = static_cast<double>(t.cols());
        if (hessian_id != last_hessian_) report_.quantize_flops += 4.0 / 3.0 * n * n * n;
        last_hessian_ = hessian_id;
        report_.quantize_flops += static_cast<double>(t.rows()) * n * n;
        const std::vector<float> q = hooks_.quantize(t.name, -1, t.values, t.rows(), t.cols(), h, hessian_id);
        if (q.empty()) return;
        if (q.size() != t.values.size()) fail("calibration: '{}' quantized to {} values, not {}", t.name, q.size(), t.values.size());
        std::copy(q.begin(), q.end(), t.values.begin());  // in place: the layer's view points at this buffer
    }

    // Expert e's matrix of a stacked tensor (h empty: no token was routed to it).
    void quantize_expert(FloatTensor& t, std::int64_t e, const std::vector<double>& h, std::uint64_t hessian_id) {
        const Stopwatch watch(report_.quantize_seconds);
        const std::int64_t rows = t.ne[1], cols = t.ne[0];
        const auto first = t.values.begin() + static_cast<std::ptrdiff_t>(e * rows * cols);
        const std::vector<float> w(first, first + static_cast<std::ptrdiff_t>(rows * cols));
        if (!h.empty()) {
            const double n = static_cast<double>(cols);
            if (hessian_id != last_hessian_) report_.quantize_flops += 4.0 / 3.0 * n * n * n;
            last_hessian_ = hessian_id;
            report_.quantize_flops += static_cast<double>(rows) * n * n;
        }
        const std::vector<float> q = hooks_.quantize(t.name, e, w, rows, cols, h, hessian_id);
        if (q.empty()) return;
        if (q.size() != w.size()) fail("calibration: '{}' expert {} quantized to {} values, not {}", t.name, e, q.size(), w.size());
        std::copy(q.begin(), q.end(), first);
    }

private:
    const SequentialOptions& o_;
    const SequentialHooks& hooks_;
    SequentialReport& report_;
    ThreadPool& pool_;
    std::uint64_t last_hessian_ = ~std::uint64_t{0};
};

// The experts of one layer, one at a time, on the tokens the router sends them (ffn_x: the block's inputs of
// every sample, n_rows rows of n_embd).
// With AWQ, the experts' gate and up are scaled as one group on the statistics of every token (as AutoAWQ
// scales Mixtral's w1 and w3), folded into the block's norm and, so that routing is unchanged, into the router's
// columns; each expert's matrices are clipped on its own tokens. An expert's down is not scaled on its own: on
// the test models that made the files worse (mean KLD of Q4_K_M, Mixtral / Qwen3-MoE: 0.041531 / 0.085398 with
// it, 0.039805 / 0.081730 without), its few tokens giving noisy scales.
void calibrate_experts(LayerTensors& t, std::vector<float>& ffn_x, std::int64_t n_rows, std::int64_t layer, const SequentialOptions& o,
                       const SequentialHooks& hooks, LayerCalibrator& calibrator, SequentialReport& report, ThreadPool& pool) {
    const std::int64_t E = t.gate_exps->ne[0], F = t.gate_exps->ne[1], X = t.gate_exps->ne[2], K = t.view.n_expert_used;
    if (o.awq) {
        const Stopwatch awq_watch(report.awq_seconds);
        InputStats all(E, pool, report.statistics_seconds);
        all.add(ffn_x.data(), n_rows);
        std::vector<double> h = all.hessian.take();
        std::vector<Matrix> group;
        for (std::int64_t e = 0; e < X; ++e) {
            group.push_back(expert(*t.gate_exps, e));
            group.push_back(expert(*t.up_exps, e));
        }
        calibrator.scale_group(group, all.mean_abs(), h, [&](const std::vector<float>& s) {
            divide(t.ffn_norm.values, s);
            hooks.replace(t.ffn_norm.name, t.ffn_norm.values);
            for (std::int64_t r = 0; r < X; ++r)
                for (std::int64_t c = 0; c < E; ++c) t.gate_inp->values[static_cast<std::size_t>(r * E + c)] *= s[static_cast<std::size_t>(c)];
            hooks.replace(t.gate_inp->name, t.gate_inp->values);
            for (std::int64_t r = 0; r < n_rows; ++r)  // the inputs the folded norm now gives
                for (std::int64_t c = 0; c < E; ++c) ffn_x[static_cast<std::size_t>(r * E + c)] /= s[static_cast<std::size_t>(c)];
        });
    }
    std::vector<float> logits(static_cast<std::size_t>(n_rows * X)), weights(static_cast<std::size_t>(n_rows * K));
    std::vector<std::int32_t> selected(static_cast<std::size_t>(n_rows * K));
    matmul(t.gate_inp->view, ffn_x.data(), n_rows, logits.data(), pool);
    route_tokens(logits.data(), n_rows, X, K, selected.data(), weights.data());
    logits = {};
    std::vector<std::vector<std::int64_t>> routed(static_cast<std::size_t>(X));
    for (std::int64_t r = 0; r < n_rows; ++r)
        for (std::int64_t j = 0; j < K; ++j) routed[static_cast<std::size_t>(selected[static_cast<std::size_t>(r * K + j)])].push_back(r);
    const std::vector<TensorView> gate = expert_slices(t.gate_exps->view), up = expert_slices(t.up_exps->view);
    double& stat_s = report.statistics_seconds;
    for (std::int64_t e = 0; e < X; ++e) {
        const auto& rows = routed[static_cast<std::size_t>(e)];
        const std::int64_t n = static_cast<std::int64_t>(rows.size());
        // ids apart from the attention's (4 per layer): each expert's two Hessians
        const std::uint64_t id = (std::uint64_t{1} << 40) + 2 * static_cast<std::uint64_t>(layer * X + e);
        if (n == 0) {
            for (FloatTensor* w : {t.gate_exps.get(), t.up_exps.get(), t.down_exps.get()}) calibrator.quantize_expert(*w, e, {}, id);
            ++report.experts_without_tokens;
            continue;
        }
        std::vector<float> xe(static_cast<std::size_t>(n * E)), g(static_cast<std::size_t>(n * F)), u(g.size());
        for (std::int64_t i = 0; i < n; ++i)
            std::copy_n(ffn_x.data() + rows[static_cast<std::size_t>(i)] * E, E, xe.data() + i * E);
        InputStats in(E, pool, stat_s), mid(F, pool, stat_s);
        in.add(xe.data(), n);
        matmul(gate[static_cast<std::size_t>(e)], xe.data(), n, g.data(), pool);
        matmul(up[static_cast<std::size_t>(e)], xe.data(), n, u.data(), pool);
        swiglu(g.data(), u.data(), g.data(), n * F);
        mid.add(g.data(), n);
        const std::vector<double> h_in = in.hessian.take(), h_mid = mid.hessian.take();
        report.hessian_bytes = std::max<std::uint64_t>(report.hessian_bytes, 2 * sizeof(double) * (h_in.size() + h_mid.size()));
        if (o.awq && o.awq_clip) {
            const Stopwatch awq_watch(report.awq_seconds);
            calibrator.clip(expert(*t.gate_exps, e), h_in);
            calibrator.clip(expert(*t.up_exps, e), h_in);
            calibrator.clip(expert(*t.down_exps, e), h_mid);
        }
        for (FloatTensor* w : {t.gate_exps.get(), t.up_exps.get()}) calibrator.quantize_expert(*w, e, h_in, id);
        calibrator.quantize_expert(*t.down_exps, e, h_mid, id + 1);
        ++report.calibrated_experts;
    }
}

}  // namespace

SequentialReport run_sequential_calibration(const LlamaModel& model, const std::vector<std::vector<std::int32_t>>& samples,
                                            const SequentialOptions& o, const SequentialHooks& hooks, ThreadPool& pool) {
    if (samples.empty()) fail("calibration: no samples");
    set_dense_threads(pool.size());  // the solvers' matrix products use as many threads as the rest
    const LlamaHparams& hp = model.hparams();
    const auto& weights = model.weights();
    const std::int64_t T = static_cast<std::int64_t>(samples.front().size()), E = hp.n_embd;
    for (const auto& s : samples)
        if (static_cast<std::int64_t>(s.size()) != T) fail("calibration: samples of different lengths");
    SequentialReport report;
    // every sample's hidden states: the one layer's inputs held at a time
    std::vector<float> x(samples.size() * static_cast<std::size_t>(T * E));
    for (std::size_t i = 0; i < samples.size(); ++i) embed_tokens(hp, *weights.tok_embd, samples[i], x.data() + i * static_cast<std::size_t>(T * E));
    // (and as much again for the expert blocks' inputs, in a model with experts)
    report.activation_bytes = x.size() * sizeof(float) * (hp.n_expert > 0 ? 2 : 1);
    const SingleSequenceBatch batch(0, T);
    const std::vector<float> rope = rope_table(hp, weights.rope_factors(T, hp.n_ctx_orig), batch.layout().positions);
    KvPool cache = KvPool::contiguous(1, hp.n_head_kv * hp.head_dim, T);
    ForwardScratch forward_scratch(hp, T, T, pool.size());
    std::vector<float> scratch(static_cast<std::size_t>(T * E));
    LayerCalibrator calibrator(o, hooks, report, pool);

    Progress progress("calibrating", static_cast<std::uint64_t>(hp.n_layer), o.progress);
    for (std::int64_t l = 0; l < hp.n_layer; ++l) {
        const auto start = std::chrono::steady_clock::now();
        LayerTensors t(weights.layers[static_cast<std::size_t>(l)], hp);
        // t's floats as they are now, for the pass that collects statistics (a copy in the kernels' layout)
        std::optional<LayerWeights> layer(bind_layer(t.view, &pool, LinearWeight::Source::Memory, KernelChoice::Fastest));
        std::uint64_t copies = 0;  // bytes of the kernels' own copies of the layer (none for F32, read in place)
        for (const LinearWeight* w : layer->matrices())
            if (w->repacked()) copies += w->bytes();
        double& stat_s = report.statistics_seconds;
        const bool experts = t.has_experts();
        const std::int64_t ff = experts ? 1 : t.down->cols();  // (an expert block's statistics are gathered per expert)
        InputStats attn_in(E, pool, stat_s), attn_out(t.wo.cols(), pool, stat_s), ffn_in(experts ? 1 : E, pool, stat_s), ffn_mid(ff, pool, stat_s);
        std::vector<float> ffn_x(experts ? samples.size() * static_cast<std::size_t>(T * E) : 0);  // the expert block's inputs
        std::size_t sample = 0;
        const MatmulObserver observe = [&](const TensorView& w, std::int64_t, const float* in, std::int64_t n) {
            if (&w == t.attn_in_view()) attn_in.add(in, n);
            else if (&w == &t.wo.view) attn_out.add(in, n);
            else if (experts && &w == &t.gate_inp->view) std::copy_n(in, n * E, ffn_x.data() + sample * static_cast<std::size_t>(T * E));
            else if (!experts && &w == t.ffn_in_view()) ffn_in.add(in, n);
            else if (!experts && &w == &t.down->view) ffn_mid.add(in, n);
        };
        {
            const double stat_before = report.statistics_seconds;
            const auto t0 = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < samples.size(); ++i) {
                sample = i;
                std::memcpy(scratch.data(), x.data() + i * static_cast<std::size_t>(T * E), scratch.size() * sizeof(float));
                forward_layer(hp, *layer, cache, 0, batch.layout(), rope.data(), scratch.data(), pool, forward_scratch, observe);
            }
            layer.reset();
            // the observer's statistics ran inside the passes
            report.forward_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() -
                                      (report.statistics_seconds - stat_before);
        }
        std::vector<double> h_attn_in = attn_in.hessian.take(), h_attn_out = attn_out.hessian.take(),
                            h_ffn_in = ffn_in.hessian.take(), h_ffn_mid = ffn_mid.hessian.take();
        report.hessian_bytes = std::max<std::uint64_t>(report.hessian_bytes,
                                                       2 * sizeof(double) * (h_attn_in.size() + h_attn_out.size() + h_ffn_in.size() + h_ffn_mid.size()));
        // the layer in float, plus any copy its forward pass reads in the kernels' layout
        report.layer_weight_bytes = std::max(report.layer_weight_bytes, t.bytes() + copies);

        if (o.awq) {
            const Stopwatch awq_watch(report.awq_seconds);
            calibrator.scale_group(t.attn_in(), attn_in, h_attn_in, [&](const std::vector<float>& s) {
                divide(t.attn_norm.values, s);
                hooks.replace(t.attn_norm.name, t.attn_norm.values);
            });
            if (t.v_rows(hp).n == t.wo.cols())  // v feeds o channel for channel only without grouped-query attention
                calibrator.scale_group({&t.wo}, attn_out, h_attn_out, [&](const std::vector<float>& s) {
                    divide_rows(t.v_rows(hp), s);
                    if (t.bv) {
                        divide(t.bv->values, s);
                        hooks.replace(t.bv->name, t.bv->values);
                    }
                });
            if (!experts) {
                calibrator.scale_group(t.ffn_in(), ffn_in, h_ffn_in, [&](const std::vector<float>& s) {
                    divide(t.ffn_norm.values, s);
                    hooks.replace(t.ffn_norm.name, t.ffn_norm.values);
                });
                calibrator.scale_group({t.down.get()}, ffn_mid, h_ffn_mid, [&](const std::vector<float>& s) { divide_rows(t.up_rows(hp), s); });
            }
            if (o.awq_clip) {
                // q and k are left unclipped, as AutoAWQ does: attention scores are sensitive to their extremes (a
                // fused qkv too: its v rows alone are clipped)
                calibrator.clip(t.v_rows(hp), h_attn_in);
                calibrator.clip(t.wo, h_attn_out);
                if (!experts) {
                    for (FloatTensor* w : t.ffn_in()) calibrator.clip(*w, h_ffn_in);
                    calibrator.clip(*t.down, h_ffn_mid);
                }
            }
        }
        const std::uint64_t id = 4 * static_cast<std::uint64_t>(l);
        for (FloatTensor* w : t.attn_in()) calibrator.quantize(*w, h_attn_in, id);
        calibrator.quantize(t.wo, h_attn_out, id + 1);
        if (experts) {
            calibrate_experts(t, ffn_x, static_cast<std::int64_t>(samples.size()) * T, l, o, hooks, calibrator, report, pool);
        } else {
            for (FloatTensor* w : t.ffn_in()) calibrator.quantize(*w, h_ffn_in, id + 2);
            calibrator.quantize(*t.down, h_ffn_mid, id + 3);
        }

        // the quantized layer's outputs are the next layer's inputs
        {
            const Stopwatch watch(report.forward_seconds);
            const LayerWeights quantized = bind_layer(t.view, &pool, LinearWeight::Source::Memory, KernelChoice::Fastest);  // the values after quantizing
            for (std::size_t i = 0; i < samples.size(); ++i)
                forward_layer(hp, quantized, cache, 0, batch.layout(), rope.data(), x.data() + i * static_cast<std::size_t>(T * E), pool,
                              forward_scratch);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        report.layer_seconds.push_back(seconds);
        progress.advance(1, fmt::format("layer {} ({:.1f} s)", l, seconds));
    }
    progress.finish();

    if (o.include_output && weights.output != weights.tok_embd) {
        const std::vector<float> norm = dequantize_tensor(*weights.output_norm);
        InputStats final_in(E, pool, report.statistics_seconds);
        std::vector<float> xn(static_cast<std::size_t>(T * E));
        for (std::size_t i = 0; i < samples.size(); ++i) {
            for (std::int64_t tok = 0; tok < T; ++tok)
                rms_norm(x.data() + i * static_cast<std::size_t>(T * E) + tok * E, norm.data(), xn.data() + tok * E, E, hp.rms_eps);
            final_in.add(xn.data(), T);
        }
        x.clear();
        x.shrink_to_fit();
        FloatTensor out;
        out.load(weights.output);
        calibrator.quantize(out, final_in.hessian.matrix(), 4 * static_cast<std::uint64_t>(hp.n_layer));
    }
    return report;
}

}  // namespace qforge
