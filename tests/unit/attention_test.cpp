// The AVX-512 attention and row operations held to their plain references: attention over grouped heads, a
// batch continuing a cache, head sizes 64 and 128; rms_norm and SwiGLU on rows that do not fill a vector.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/float_convert.h"
#include "core/thread_pool.h"
#include "model/attention.h"
#include "model/ops.h"
#include "quant/kernels/vec_dot.h"

namespace qforge {
namespace {

void check_attention(const AttentionShape& s, std::int64_t n_past, std::int64_t n_tokens) {
    std::mt19937 rng(static_cast<unsigned>(s.head_dim + n_past));
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const std::int64_t n_ctx = n_past + n_tokens + 5, row = s.n_head_kv * s.head_dim;
    KvPool cache = KvPool::contiguous(2, row, n_ctx);
    const SingleSequenceBatch batch(n_past, n_tokens);
    const KvTable table = batch.layout().tables[0];
    for (std::int64_t p = 0; p < n_past + n_tokens; ++p)
        for (std::int64_t i = 0; i < row; ++i) {
            cache.k_at(1, table, p)[i] = fp32_to_fp16(dist(rng) * 2.0f);
            cache.v_at(1, table, p)[i] = fp32_to_fp16(dist(rng));
        }
    std::vector<float> q(static_cast<std::size_t>(n_tokens * s.n_head * s.head_dim));
    for (auto& v : q) v = dist(rng);
    std::vector<float> fast(q.size()), ref(q.size());
    ThreadPool pool(2);
    AttentionScratch scratch(s, n_ctx, n_tokens, pool.size());
    attention(s, cache, 1, batch.layout(), q.data(), fast.data(), pool, scratch);
    attention_reference(s, cache, 1, table, n_past, 0, n_tokens, q.data(), ref.data());
    for (std::size_t i = 0; i < q.size(); ++i)
        ASSERT_NEAR(fast[i], ref[i], 2e-3) << "head_dim " << s.head_dim << " n_past " << n_past << " at " << i;
}

TEST(Attention, MatchesTheReference) {
    check_attention({8, 2, 64}, 0, 37);    // a prompt, grouped heads
    check_attention({8, 2, 64}, 50, 1);    // decode after it
    check_attention({4, 4, 128}, 17, 20);  // no grouping, a batch continuing the cache
    check_attention({6, 1, 32}, 3, 70);
    check_attention({2, 2, 8}, 5, 9);      // head size the SIMD path does not take
}

// Sliding windows (Phi-3, Mistral, Gemma's local layers): the SIMD path held to the reference where the window is
// shorter than the cache, crosses a batch, is one position, or is longer than everything.
TEST(Attention, SlidingWindowMatchesTheReference) {
    check_attention({8, 2, 64, 48}, 0, 130);   // a prompt longer than the window
    check_attention({8, 2, 64, 48}, 100, 1);   // decode far past it
    check_attention({4, 4, 128, 7}, 17, 20);   // a short window over a batch continuing the cache
    check_attention({6, 1, 32, 1}, 3, 40);     // a token sees itself only
    check_attention({8, 2, 64, 1000}, 10, 30); // a window beyond the context: no effect
    check_attention({2, 2, 8, 5}, 5, 9);       // the reference alone
}

// With a window of w, a token's result is what it gets from a cache holding only its last w positions: the
// keys before the window are masked out as llama.cpp's KQ_mask_swa does (p - key >= w).
TEST(Attention, SlidingWindowSeesOnlyTheLastPositions) {
    const AttentionShape full{4, 2, 64}, windowed{4, 2, 64, 6};
    const std::int64_t row = full.n_head_kv * full.head_dim, n = 20, qrow = full.n_head * full.head_dim;
    std::mt19937 rng(11);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    KvPool cache = KvPool::contiguous(1, row, n);
    const SingleSequenceBatch batch(0, n);
    const KvTable table = batch.layout().tables[0];
    for (std::int64_t p = 0; p < n; ++p)
        for (std::int64_t i = 0; i < row; ++i) {
            cache.k_at(0, table, p)[i] = fp32_to_fp16(dist(rng) * 2.0f);
            cache.v_at(0, table, p)[i] = fp32_to_fp16(dist(rng));
        }
    std::vector<float> q(static_cast<std::size_t>(n * qrow)), ref(q.size());
    for (auto& v : q) v = dist(rng);
    attention_reference(windowed, cache, 0, table, 0, 0, n, q.data(), ref.data());
    for (std::int64_t t = 0; t < n; ++t) {
        // the same keys and values from position first_key(t) on, in a cache of their own
        const std::int64_t first = windowed.first_key(t), len = t - first + 1;
        EXPECT_EQ(len, std::min<std::int64_t>(t + 1, 6));
        KvPool own = KvPool::contiguous(1, row, len);
        const SingleSequenceBatch b(0, len);
        const KvTable ot = b.layout().tables[0];
        for (std::int64_t j = 0; j < len; ++j)
            for (std::int64_t i = 0; i < row; ++i) {
                own.k_at(0, ot, j)[i] = cache.k_at(0, table, first + j)[i];
                own.v_at(0, ot, j)[i] = cache.v_at(0, table, first + j)[i];
            }
        std::vector<float> alone(static_cast<std::size_t>(qrow));
        attention_reference(full, own, 0, ot, len - 1, 0, 1, q.data() + t * qrow, alone.data());
        for (std::int64_t i = 0; i < qrow; ++i) ASSERT_EQ(ref[static_cast<std::size_t>(t * qrow + i)], alone[static_cast<std::size_t>(i)]) << "token " << t;
    }
}

// Three sequences in blocks of 8 positions scattered over one pool, their tokens interleaved in one batch (two
// decoding, one prefilling): every token's output is, bit for bit, what a batch of its sequence alone gives.
TEST(Attention, ATokenSeesItsOwnSequenceWhateverElseIsInTheBatch) {
    for (const AttentionShape s : {AttentionShape{8, 2, 64}, AttentionShape{2, 2, 8}}) {
        const std::int64_t row = s.n_head_kv * s.head_dim, bt = 8, qrow = s.n_head * s.head_dim;
        KvPool kv(1, row, 24, bt);
        const std::vector<std::vector<std::int32_t>> tables = {{5, 2, 9, 11}, {0, 7}, {3, 1, 4, 6, 8, 10}};
        const std::int64_t past[] = {20, 9, 0};  // cached positions before the batch
        std::mt19937 rng(9);
        std::normal_distribution<float> dist(0.0f, 1.0f);
        for (std::size_t q = 0; q < tables.size(); ++q)
            for (std::int64_t p = 0; p < static_cast<std::int64_t>(tables[q].size()) * bt; ++p)
                for (std::int64_t i = 0; i < row; ++i) {
                    kv.k_at(0, tables[q], p)[i] = fp32_to_fp16(dist(rng) * 2.0f);
                    kv.v_at(0, tables[q], p)[i] = fp32_to_fp16(dist(rng));
                }
        // batch: seq 0 one token, seq 2 a prompt of 40, seq 1 one token, seq 0 again (its next position)
        std::vector<std::int32_t> positions, seq;
        auto add = [&](std::int32_t q, std::int64_t pos0, std::int64_t n) {
            for (std::int64_t i = 0; i < n; ++i) {
                positions.push_back(static_cast<std::int32_t>(pos0 + i));
                seq.push_back(q);
            }
        };
        add(0, past[0], 1);
        add(2, past[2], 40);
        add(1, past[1], 1);
        add(0, past[0] + 1, 1);
        const std::vector<KvTable> spans(tables.begin(), tables.end());
        std::vector<AttentionRun> runs;
        plan_runs(positions, seq, spans, bt, runs);
        ASSERT_EQ(runs.size(), 4u);
        const BatchLayout batch{positions, seq, spans, runs};
        const std::int64_t T = batch.n_tokens();
        std::vector<float> q(static_cast<std::size_t>(T * qrow)), out(q.size());
        for (auto& v : q) v = dist(rng);
        ThreadPool pool(2);
        AttentionScratch scratch(s, 48, T, pool.size());
        attention(s, kv, 0, batch, q.data(), out.data(), pool, scratch);
        for (const AttentionRun& r : runs) {
            // the run alone
            const std::int64_t n = r.t1 - r.t0;
            std::vector<std::int32_t> p1, s1(static_cast<std::size_t>(n), 0);
            for (std::int64_t i = 0; i < n; ++i) p1.push_back(static_cast<std::int32_t>(r.pos0 + i));
            const KvTable one[] = {spans[static_cast<std::size_t>(r.seq)]};
            const AttentionRun r1[] = {{0, 0, n, r.pos0}};
            std::vector<float> alone(static_cast<std::size_t>(n * qrow));
            attention(s, kv, 0, BatchLayout{p1, s1, one, r1}, q.data() + r.t0 * qrow, alone.data(), pool, scratch);
            for (std::int64_t i = 0; i < n * qrow; ++i)
                ASSERT_EQ(out[static_cast<std::size_t>(r.t0 * qrow + i)], alone[static_cast<std::size_t>(i)]) << "run of seq " << r.seq << " at " << i;
            std::vector<float> ref(alone.size());
            attention_reference(s, kv, 0, one[0], r.pos0, 0, n, q.data() + r.t0 * qrow, ref.data());
            for (std::size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(alone[i], ref[i], 2e-3);
        }
    }
}

TEST(Attention, PlanRunsRejectsPositionsOutsideASequence) {
    const std::vector<std::int32_t> blocks = {0};
    const std::vector<KvTable> tables = {blocks};
    std::vector<AttentionRun> runs;
    const std::vector<std::int32_t> pos = {16}, seq = {0}, bad_seq = {1};
    EXPECT_THROW(plan_runs(pos, seq, tables, 16, runs), Error);
    const std::vector<std::int32_t> pos0 = {0};
    EXPECT_THROW(plan_runs(pos0, bad_seq, tables, 16, runs), Error);
    plan_runs(pos0, seq, tables, 16, runs);
    EXPECT_EQ(runs.size(), 1u);
}

TEST(Ops, RmsNormAndSwigluMatchTheirReferences) {
    std::mt19937 rng(4);
    std::normal_distribution<float> dist(0.0f, 2.0f);
    for (std::int64_t n : {7, 64, 333, 2048}) {
        std::vector<float> x(static_cast<std::size_t>(n)), w(x.size()), up(x.size()), a(x.size()), b(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = dist(rng) * (i % 50 == 0 ? 20.0f : 1.0f);
            w[i] = dist(rng);
            up[i] = dist(rng);
        }
        rms_norm(x.data(), w.data(), a.data(), n, 1e-5f);
        rms_norm_reference(x.data(), w.data(), b.data(), n, 1e-5f);
        for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6f * (1 + std::fabs(b[i]))) << "rms_norm n=" << n;
        swiglu(x.data(), up.data(), a.data(), n);
        swiglu_reference(x.data(), up.data(), b.data(), n);
        for (std::size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(a[i], b[i], 2e-6f * (1 + std::fabs(b[i]))) << "swiglu n=" << n << " x=" << x[i];
    }
}

}  // namespace
}  // namespace qforge
