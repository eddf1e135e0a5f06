// The KV block pool's bookkeeping: tables grow a block at a time, full blocks of a prompt prefix are found
// again by a later sequence (only whole blocks, only with the same tokens before them), shared blocks are
// counted, and the least recently used remembered blocks are the ones a full pool gives back.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "core/error.h"
#include "runtime/kv_blocks.h"
#include "runtime/text_stream.h"

namespace qforge {
namespace {

std::vector<std::int32_t> iota(std::int32_t from, std::size_t n) {
    std::vector<std::int32_t> v(n);
    std::iota(v.begin(), v.end(), from);
    return v;
}

TEST(KvBlocks, TablesGrowABlockAtATimeAndComeBack) {
    KvBlocks b(8, 4);
    KvSequence s;
    EXPECT_TRUE(b.reserve(s, 1));
    EXPECT_EQ(s.blocks.size(), 1u);
    EXPECT_TRUE(b.reserve(s, 4));
    EXPECT_EQ(s.blocks.size(), 1u);
    EXPECT_TRUE(b.reserve(s, 5));
    EXPECT_EQ(s.blocks.size(), 2u);
    EXPECT_EQ(b.stats().in_use, 2);
    EXPECT_FALSE(b.reserve(s, 4 * 9));  // more than the pool: nothing taken
    EXPECT_EQ(s.blocks.size(), 2u);
    b.release(s);
    EXPECT_EQ(b.stats().free, 8);
    EXPECT_TRUE(s.blocks.empty());
}

TEST(KvBlocks, APromptPrefixIsFoundInWholeBlocksOnly) {
    KvBlocks b(16, 4);
    const auto tokens = iota(100, 10);  // two full blocks and a partial one
    KvSequence a;
    ASSERT_TRUE(b.reserve(a, 10));
    b.register_full_blocks(a, tokens);
    EXPECT_EQ(a.n_registered, 2);

    // the same start: the two full blocks, shared
    KvSequence c;
    EXPECT_EQ(b.attach_prefix(c, tokens, 9), 8);
    EXPECT_EQ(c.blocks, std::vector<std::int32_t>(a.blocks.begin(), a.blocks.begin() + 2));
    EXPECT_EQ(b.stats().in_use, 3);  // shared blocks count once
    // at most max_tokens positions: one block
    KvSequence d;
    EXPECT_EQ(b.attach_prefix(d, tokens, 7), 4);
    // a different first block: nothing, even with an equal second block
    auto other = tokens;
    other[0] = 7;
    KvSequence e;
    EXPECT_EQ(b.attach_prefix(e, other, 9), 0);
    EXPECT_TRUE(e.blocks.empty());
    b.release(c);
    b.release(d);
    b.release(a);
    // released, still remembered
    EXPECT_EQ(b.stats().cached, 2);
    KvSequence f;
    EXPECT_EQ(b.attach_prefix(f, tokens, 100), 8);
    EXPECT_EQ(b.stats().cached, 0);
    b.release(f);
    EXPECT_GE(b.stats().hits, 3);
}

TEST(KvBlocks, AFullPoolGivesBackTheLeastRecentlyUsedPrefixesTailFirst) {
    KvBlocks b(4, 2);
    const auto p1 = iota(0, 4), p2 = iota(50, 4);
    KvSequence s1, s2;
    ASSERT_TRUE(b.reserve(s1, 4));
    b.register_full_blocks(s1, p1);
    b.release(s1);
    ASSERT_TRUE(b.reserve(s2, 4));
    b.register_full_blocks(s2, p2);
    b.release(s2);
    EXPECT_EQ(b.stats().cached, 4);
    // one new block: p1's tail goes first; p1's first block and all of p2 stay findable
    KvSequence t;
    ASSERT_TRUE(b.reserve(t, 1));
    KvSequence q1, q2;
    EXPECT_EQ(b.attach_prefix(q1, p1, 4), 2);
    EXPECT_EQ(b.attach_prefix(q2, p2, 4), 4);
    b.release(q1);
    b.release(q2);
    b.release(t);
}

TEST(KvBlocks, TwoSequencesWithTheSamePromptKeepOneRememberedCopy) {
    KvBlocks b(8, 2);
    const auto p = iota(3, 4);
    KvSequence a, c;
    ASSERT_TRUE(b.reserve(a, 4));
    ASSERT_TRUE(b.reserve(c, 4));
    b.register_full_blocks(a, p);
    b.register_full_blocks(c, p);  // c's blocks stay private
    b.release(a);
    b.release(c);
    EXPECT_EQ(b.stats().cached, 2);
    EXPECT_EQ(b.stats().free, 6);
}

TEST(TextStream, IncompleteUtf8TailsWait) {
    EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
    EXPECT_EQ(incomplete_utf8_tail("a\xC3"), 1u);
    EXPECT_EQ(incomplete_utf8_tail("a\xC3\xA9"), 0u);
    EXPECT_EQ(incomplete_utf8_tail("\xE2\x82"), 2u);
    EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98"), 3u);
    EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98\x80"), 0u);
    EXPECT_EQ(incomplete_utf8_tail(""), 0u);
}

}  // namespace
}  // namespace qforge
