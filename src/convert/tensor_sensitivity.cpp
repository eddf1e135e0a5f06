#include "convert/tensor_sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "model/ops.h"

namespace qforge {
namespace {

const float* f32(const TensorView* t) { return reinterpret_cast<const float*>(t->data.data()); }

// logits (v floats) into log-probabilities, in place
void log_softmax(float* logits, std::int64_t v) {
    float m = logits[0];
    for (std::int64_t i = 1; i < v; ++i) m = std::max(m, logits[i]);
    double s = 0.0;
    for (std::int64_t i = 0; i < v; ++i) s += std::exp(static_cast<double>(logits[i] - m));
    const float shift = m + static_cast<float>(std::log(s));
    for (std::int64_t i = 0; i < v; ++i) logits[i] -= shift;
}

std::int64_t common_length(const std::vector<std::vector<std::int32_t>>& samples) {
    if (samples.empty()) fail("sensitivity: no calibration samples");
    for (const auto& s : samples)
        if (s.size() != samples.front().size()) fail("sensitivity: calibration samples of different lengths");
    return static_cast<std::int64_t>(samples.front().size());
}

// The layer with `name` among its matrices, that matrix swapped for `replacement`; -1 when no layer has it. A
// fused tensor (Phi-3's attn_qkv, ffn_up) is swapped whole, its parts' views of the replacement kept in `parts`.
std::int64_t replace_in_layer(const LlamaHparams& hp, const LlamaWeights& w, const TensorView& replacement, LlamaLayer& out,
                              std::vector<TensorView>& parts) {
    const std::int64_t nq = hp.n_head * hp.head_dim, nkv = hp.n_head_kv * hp.head_dim;
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        LlamaLayer layer = w.layers[l];
        for (const TensorView** fused : {&layer.wqkv, &layer.gate_up}) {
            if (*fused == nullptr || (*fused)->name != replacement.name) continue;
            if ((*fused)->ne != replacement.ne) fail("sensitivity: '{}' replaced by a tensor of another shape", replacement.name);
            if (fused == &layer.wqkv) {
                parts = {row_slice(replacement, 0, nq), row_slice(replacement, nq, nkv), row_slice(replacement, nq + nkv, nkv)};
                layer.wq = &parts[0];
                layer.wk = &parts[1];
                layer.wv = &parts[2];
            } else {
                parts = {row_slice(replacement, 0, hp.n_ff), row_slice(replacement, hp.n_ff, hp.n_ff)};
                layer.gate = &parts[0];
                layer.up = &parts[1];
            }
            *fused = &replacement;
            out = layer;
            return static_cast<std::int64_t>(l);
        }
        for (const TensorView** m : {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.gate, &layer.up, &layer.down, &layer.gate_exps,
                                     &layer.up_exps, &layer.down_exps}) {
            if (*m == nullptr || (*m)->name != replacement.name) continue;
            if ((*m)->ne != replacement.ne) fail("sensitivity: '{}' replaced by a tensor of another shape", replacement.name);
            *m = &replacement;
            out = layer;
            return static_cast<std::int64_t>(l);
        }
    }
    return -1;
}

}  // namespace

TensorSensitivity::TensorSensitivity(const LlamaModel& model, const std::vector<std::vector<std::int32_t>>& samples, ThreadPool& pool,
                                     ImatrixCollector* collector)
    : model_(model), pool_(pool), samples_(samples), n_samples_(static_cast<std::int64_t>(samples.size())), T_(common_length(samples)),
      E_(model.hparams().n_embd), V_(model.hparams().n_vocab), batch_(0, T_),
      cache_(KvPool::contiguous(1, model.hparams().n_head_kv * model.hparams().head_dim, T_)), scratch_(model.hparams(), T_, T_, pool.size()) {
    const LlamaHparams& hp = model.hparams();
    const LlamaWeights& w = model.weights();
    rope_ = rope_table(hp, w.rope_factors(T_, hp.n_ctx_orig), batch_.layout().positions);
    const LinearWeight* out[] = {&model.output()};
    head_scratch_.reserve(out, T_);
    const auto te = static_cast<std::size_t>(T_ * E_);
    x_.resize(te);
    xn_.resize(te);
    logits_.resize(static_cast<std::size_t>(T_ * V_));
    inputs_.assign(static_cast<std::size_t>(hp.n_layer + 1), std::vector<float>(static_cast<std::size_t>(n_samples_) * te));
    base_logp_.resize(static_cast<std::size_t>(n_samples_ * T_ * V_));
    MatmulObserver observe;
    if (collector != nullptr)
        observe = [collector](const TensorView& weight, std::int64_t expert, const float* x, std::int64_t n) {
            collector->observe(weight.name, expert, expert >= 0 ? weight.ne[2] : 1, x, n, weight.ne[0]);
        };
    for (std::int64_t i = 0; i < n_samples_; ++i) {
        for (auto tok : samples[static_cast<std::size_t>(i)])
            if (tok < 0 || tok >= V_) fail("sensitivity: token id {} is outside the vocabulary ({})", tok, V_);
        embed_tokens(model.hparams(), *w.tok_embd, samples[static_cast<std::size_t>(i)], x_.data());
        for (std::int64_t l = 0; l < hp.n_layer; ++l) {
            std::memcpy(inputs_[static_cast<std::size_t>(l)].data() + static_cast<std::size_t>(i) * te, x_.data(), te * sizeof(float));
            forward_layer(hp, model.layer(l), cache_, 0, batch_.layout(), rope_.data(), x_.data(), pool_, scratch_, observe);
        }
        std::memcpy(inputs_.back().data() + static_cast<std::size_t>(i) * te, x_.data(), te * sizeof(float));
        for (std::int64_t t = 0; t < T_; ++t) rms_norm(x_.data() + t * E_, f32(w.output_norm), xn_.data() + t * E_, E_, hp.rms_eps);
        if (observe) observe(model.output().view(), -1, xn_.data(), T_);
        float* logp = base_logp_.data() + static_cast<std::size_t>(i * T_ * V_);
        matmul(model.output(), xn_.data(), T_, logp, pool_, head_scratch_);
        final_soft_cap(hp, logp, T_);
        pool_.parallel_for(T_, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t t = b; t < e; ++t) log_softmax(logp + t * V_, V_);
        });
    }
}

void TensorSensitivity::run_layers(std::int64_t first, float* x, const LayerWeights* replaced_layer) {
    const LlamaHparams& hp = model_.hparams();
    for (std::int64_t l = first; l < hp.n_layer; ++l)
        forward_layer(hp, l == first && replaced_layer != nullptr ? *replaced_layer : model_.layer(l), cache_, 0, batch_.layout(),
                      rope_.data(), x, pool_, scratch_);
}

double TensorSensitivity::head_kld(std::size_t sample, const float* x, const LinearWeight& output) {
    const LlamaHparams& hp = model_.hparams();
    for (std::int64_t t = 0; t < T_; ++t) rms_norm(x + t * E_, f32(model_.weights().output_norm), xn_.data() + t * E_, E_, hp.rms_eps);
    matmul(output, xn_.data(), T_, logits_.data(), pool_, head_scratch_);
    final_soft_cap(model_.hparams(), logits_.data(), T_);
    const float* base = base_logp_.data() + sample * static_cast<std::size_t>(T_ * V_);
    std::vector<double> sums(static_cast<std::size_t>(pool_.size()), 0.0);
    pool_.run([&](int thread, int threads) {
        double s = 0.0;
        for (std::int64_t t = thread; t < T_; t += threads) {
            float* q = logits_.data() + t * V_;
            log_softmax(q, V_);
            const float* p = base + t * V_;
            for (std::int64_t v = 0; v < V_; ++v) s += std::exp(static_cast<double>(p[v])) * (static_cast<double>(p[v]) - q[v]);
        }
        sums[static_cast<std::size_t>(thread)] = s;
    });
    double total = 0.0;
    for (double s : sums) total += s;
    return total;
}

double TensorSensitivity::kl_divergence(const TensorView& replacement) {
    const LlamaWeights& w = model_.weights();
    const auto te = static_cast<std::size_t>(T_ * E_);
    double total = 0.0;
    if (replacement.name == w.tok_embd->name || replacement.name == w.output->name) {
        if (replacement.ne != w.tok_embd->ne && replacement.name == w.tok_embd->name)
            fail("sensitivity: '{}' replaced by a tensor of another shape", replacement.name);
        const bool embedding = replacement.name == w.tok_embd->name;
        const bool head = replacement.name == w.output->name;  // both when the embeddings are tied
        LinearWeight probe_head;
        if (head) {
            probe_head = LinearWeight(replacement, &pool_, LinearWeight::Source::Memory);
            const LinearWeight* out[] = {&probe_head};
            head_scratch_.reserve(out, T_);
        }
        const LinearWeight& output = head ? probe_head : model_.output();
        for (std::int64_t i = 0; i < n_samples_; ++i) {
            if (embedding) {
                embed_tokens(model_.hparams(), replacement, samples_[static_cast<std::size_t>(i)], x_.data());
                run_layers(0, x_.data(), nullptr);
                total += head_kld(static_cast<std::size_t>(i), x_.data(), output);
            } else {
                total += head_kld(static_cast<std::size_t>(i), inputs_.back().data() + static_cast<std::size_t>(i) * te, output);
            }
        }
    } else {
        LlamaLayer layer{};
        std::vector<TensorView> parts;
        const std::int64_t l = replace_in_layer(model_.hparams(), w, replacement, layer, parts);
        if (l < 0) fail("sensitivity: the model has no matrix named '{}'", replacement.name);
        const LayerWeights probe = bind_layer(layer, &pool_, LinearWeight::Source::Memory);
        for (std::int64_t i = 0; i < n_samples_; ++i) {
            std::memcpy(x_.data(), inputs_[static_cast<std::size_t>(l)].data() + static_cast<std::size_t>(i) * te, te * sizeof(float));
            run_layers(l, x_.data(), &probe);
            total += head_kld(static_cast<std::size_t>(i), x_.data(), model_.output());
        }
    }
    return total / static_cast<double>(n_samples_ * T_);
}

}  // namespace qforge
