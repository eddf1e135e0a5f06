// Sharded GGUF (llama.cpp's gguf-split layout) written and read, held to llama.cpp (c392e509). llama.cpp's
// files are not stored; each case holds the SHA-256 of the shards it wrote, made in ../shared/fixtures/gguf (so
// the recorded imatrix path is the same), D a scratch folder:
//   F32 shards: llama-quantize pydoc6m-f32.gguf D/f32.gguf F32 &&
//               llama-gguf-split --split --split-max-tensors 20 D/f32.gguf D/f32  (D/f32-0000i-of-00003.gguf)
//   keep-split: llama-quantize --keep-split --imatrix pydoc6m.imatrix D/f32-00001-of-00003.gguf D/q4.gguf Q4_K_M
//   whole:      llama-quantize --imatrix pydoc6m.imatrix D/f32-00001-of-00003.gguf D/q4whole.gguf Q4_K_M
//   by size:    llama-quantize --imatrix pydoc6m.imatrix pydoc6m-f32.gguf D/q4k.gguf Q4_K_M &&
//               llama-gguf-split --split --split-max-size 1M D/q4k.gguf D/q4k
// then sha256sum of each output.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "convert/quantize_model.h"
#include "core/thread_pool.h"
#include "eval/perplexity.h"
#include "formats/gguf/gguf_file.h"
#include "formats/imatrix/imatrix_data.h"
#include "model/llama_model.h"
#include "support/fixtures.h"
#include "support/sha256.h"
#include "support/temp_dir.h"
#include "tokenizer/tokenizer.h"

namespace qforge {
namespace {

QuantizeOptions options(const std::string& type, bool with_imatrix) {
    QuantizeOptions o;
    o.type = type;
    o.progress = false;
    if (with_imatrix) {
        o.imatrix = std::make_shared<const Imatrix>(read_imatrix(test::fixture("gguf/pydoc6m.imatrix")));
        o.imatrix_path = "pydoc6m.imatrix";  // as llama-quantize records what it was given
    }
    return o;
}

std::vector<std::string> hashes(const std::vector<std::string>& files) {
    std::vector<std::string> h;
    for (const auto& f : files) h.push_back(test::sha256_file(f));
    return h;
}

// pydoc6m in F32, cut into three shards of at most 20 tensors as gguf-split cuts it.
std::vector<std::string> f32_shards(const test::TempDir& dir) {
    QuantizeOptions o = options("F32", false);
    o.split_limits = gguf::SplitLimits{.max_tensors = 20};
    return quantize_model(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("f32.gguf"), o, 2).outputs;
}

TEST(ShardedGguf, SplitOutputIsGgufSplitsLayout) {
    test::TempDir dir;
    const auto shards = f32_shards(dir);
    ASSERT_EQ(shards, (std::vector<std::string>{dir.file("f32-00001-of-00003.gguf"), dir.file("f32-00002-of-00003.gguf"),
                                                dir.file("f32-00003-of-00003.gguf")}));
    EXPECT_EQ(hashes(shards), (std::vector<std::string>{"9820713343e766a4ea8f414724f73e282979c54681a1894f2d1e42e5690f259f",
                                                "f133717cfd2964056e55677e503842b5bdf48a9505685848d43ed9421ae20474",
                                                "4944e431e57c2a630e98de0a2a6e86cb3cdd818d1840b656b609fda88c819f28"}));
    EXPECT_FALSE(std::filesystem::exists(dir.file("f32.gguf")));
}

TEST(ShardedGguf, KeepSplitIsByteIdenticalToLlamaQuantize) {
    test::TempDir dir;
    const auto in = f32_shards(dir);
    QuantizeOptions o = options("Q4_K_M", true);
    o.keep_split = true;
    const auto out = quantize_model(in.front(), dir.file("q4.gguf"), o, 2).outputs;
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out.front(), dir.file("q4-00001-of-00003.gguf"));
    EXPECT_EQ(hashes(out), (std::vector<std::string>{"26f3b9318a1492ebf3dc42939ee5739855a94a957879e6841dfc72b152d21092",
                                                "b8d5e16093d2095df0d1607df142e721dccb9c0acf1bfb360558246a9be0dd05",
                                                "d60601893360b9aa456dfe667e0bab50f6791ccee1c5e44f470081a6fc705c77"}));
}

TEST(ShardedGguf, AShardedInputQuantizesAsTheWholeFile) {
    test::TempDir dir;
    const auto in = f32_shards(dir);
    const auto out = quantize_model(in.front(), dir.file("q4.gguf"), options("Q4_K_M", true), 2).outputs;
    ASSERT_EQ(out, std::vector<std::string>{dir.file("q4.gguf")});
    // the same bytes as llama-quantize's from the whole file (the fixture pydoc6m-q4_k_m-imatrix.gguf)
    EXPECT_EQ(test::sha256_file(out.front()), "daa602442abc3f94b97b6ec752e9961c33050c43552395a268344330bfe39e30");
    // a lone input kept in its one "shard" is named as llama-quantize names it
    QuantizeOptions keep = options("Q8_0", false);
    keep.keep_split = true;
    const auto lone = quantize_model(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("q8.gguf"), keep, 2).outputs;
    EXPECT_EQ(lone, std::vector<std::string>{dir.file("q8-00001-of-00001.gguf")});
    EXPECT_TRUE(std::filesystem::exists(lone.front()));
}

TEST(ShardedGguf, SplitBySizeIsGgufSplitsCut) {
    test::TempDir dir;
    QuantizeOptions o = options("Q4_K_M", true);
    o.split_limits = gguf::SplitLimits{.max_bytes = 1'000'000};
    const auto out = quantize_model(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("q4k.gguf"), o, 2).outputs;
    EXPECT_EQ(hashes(out), (std::vector<std::string>{"49eaa9ef262727a8c871f893898434626edebd8c53d6cb7d9c5f60d4d4031bae",
                                                "8473b42a92d54195e3b32ace1e56c9f2d2b837425f3ceb1b351386f07146d1e1",
                                                "8aecc8ac43f689cc223be1f532487492ecc50060da160bfdb78371aaa51a6d02",
                                                "7148b3cb0517239d29aab136d3e768eee4db2861da2fe50e99178fef022c0aa8",
                                                "4a1fae635dcacb5f8e9aa064cb6f7a2e5adc7ae578a0eb891b722d726619d3cd"}));
}

TEST(ShardedGguf, TheEngineRunsAShardedModelAsTheWholeFile) {
    test::TempDir dir;
    const auto shards = f32_shards(dir);
    const std::string text = test::read_file_bytes(test::fixture("text/pydoc-test.txt"));
    ThreadPool pool(0);
    PerplexityOptions o;
    o.n_ctx = 128;
    o.n_chunks = 4;
    auto ppl = [&](const std::string& path) {
        const LlamaModel model(path);
        return compute_perplexity(model, Tokenizer::from_gguf(model.file().metadata(), path), text, o, pool).ppl;
    };
    EXPECT_EQ(ppl(shards.front()), ppl(test::fixture("gguf/pydoc6m-f32.gguf")));
}

}  // namespace
}  // namespace qforge
