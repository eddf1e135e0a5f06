#include <gtest/gtest.h>

#include <filesystem>

#include "convert/tensor_plan.h"
#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "formats/gguf/gguf_split.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(GgufSplit, NamesShardsAsLlamaSplitPathDoes) {
    EXPECT_EQ(gguf::split_path("out/model", 0, 3), "out/model-00001-of-00003.gguf");
    EXPECT_EQ(gguf::split_path("m", 11, 12), "m-00012-of-00012.gguf");
    EXPECT_EQ(gguf::split_prefix("out/model-00002-of-00003.gguf", 1, 3), "out/model");
    EXPECT_FALSE(gguf::split_prefix("out/model-00002-of-00003.gguf", 0, 3));
    EXPECT_FALSE(gguf::split_prefix("-00001-of-00001.gguf", 0, 1));  // an empty prefix is no prefix
    EXPECT_EQ(gguf::output_split_prefix("x/q4.gguf"), "x/q4");
    EXPECT_EQ(gguf::output_split_prefix("x/q4"), "x/q4");
}

TEST(GgufSplit, CutsBySizeAndCountAsGgufSplitDoes) {
    // sizes are padded to 32 before they are summed; a shard is cut when the next tensor would pass the limit
    const std::vector<std::uint64_t> bytes = {100, 30, 60, 200, 10, 10};  // padded: 128 32 64 224 32 32
    EXPECT_EQ(gguf::assign_shards(bytes, {.max_bytes = 224}), (std::vector<int>{0, 0, 0, 1, 2, 2}));
    EXPECT_EQ(gguf::assign_shards(bytes, {.max_bytes = 1000}), (std::vector<int>{0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(gguf::assign_shards(bytes, {.max_tensors = 4}), (std::vector<int>{0, 0, 0, 0, 1, 1}));
    EXPECT_EQ(gguf::assign_shards(bytes, {.max_tensors = 2, .no_tensor_first_split = true}),
              (std::vector<int>{1, 1, 2, 2, 3, 3}));
    // a tensor over the limit gets a shard of its own, except first, where gguf-split finds an empty shard
    EXPECT_EQ(gguf::assign_shards(bytes, {.max_bytes = 200}), (std::vector<int>{0, 0, 1, 2, 3, 3}));
    const std::string e = error_of([&] { gguf::assign_shards(bytes, {.max_bytes = 100}); });
    EXPECT_NE(e.find("shard 1 would hold no tensors"), std::string::npos) << e;
    // split.count is 16-bit
    const std::vector<std::uint64_t> many(70000, 32);
    EXPECT_EQ(gguf::assign_shards(std::vector<std::uint64_t>(65535, 32), {.max_tensors = 1}).back(), 65534);
    EXPECT_THROW(gguf::assign_shards(many, {.max_tensors = 1}), Error);
}

TEST(GgufSplit, ReadsSizesInDecimalMegabytesAndGigabytes) {
    EXPECT_EQ(gguf::parse_split_size("500M"), 500'000'000ull);
    EXPECT_EQ(gguf::parse_split_size("4G"), 4'000'000'000ull);
    for (const char* bad : {"", "M", "4", "4K", "0M", "-1G", "1.5G", "99999999999G"})
        EXPECT_THROW(gguf::parse_split_size(bad), Error) << bad;
}

TEST(GgufSplit, ShardMetadataFollowsEachToolsKeyOrder) {
    GgufMetadata m;
    m.set("general.architecture", GgufValue::make<std::string>("llama"));
    m.set(gguf::kSplitCount, GgufValue::make<std::uint16_t>(7));  // a stale key from an earlier split goes
    m.set("general.name", GgufValue::make<std::string>("x"));
    auto keys = [](const GgufMetadata& md) {
        std::vector<std::string> k;
        for (const auto& [key, v] : md.items()) k.push_back(key);
        return k;
    };
    const auto first = gguf::shard_metadata(m, 0, 3, 9, gguf::SplitKeyOrder::GgufSplit);
    EXPECT_EQ(keys(first), (std::vector<std::string>{"general.architecture", "general.name", "split.no",
                                                     "split.tensors.count", "split.count"}));
    EXPECT_EQ(std::get<std::uint16_t>(first.get("split.count").v), 3);
    EXPECT_EQ(std::get<std::int32_t>(first.get("split.tensors.count").v), 9);
    const auto second = gguf::shard_metadata(m, 1, 3, 9, gguf::SplitKeyOrder::Quantize);
    EXPECT_EQ(keys(second), (std::vector<std::string>{"split.no", "split.count", "split.tensors.count"}));
    EXPECT_EQ(std::get<std::uint16_t>(second.get("split.no").v), 1);
}

// Three tensors written as shards by the plan writer, then opened by the first shard.
struct ShardedModel {
    test::TempDir dir;
    std::vector<std::vector<std::uint8_t>> bytes;
    std::vector<PlannedTensor> plan;

    explicit ShardedModel(std::vector<int> shard_of) {
        GgufMetadata m;
        m.set("general.architecture", GgufValue::make<std::string>("llama"));
        for (int i = 0; i < 3; ++i) {
            PlannedTensor p;
            p.out = {"t" + std::to_string(i) + ".weight", TensorType::F32, {8, i + 1}};
            for (std::uint64_t k = 0; k < p.out.nbytes(); ++k) p.generated.push_back(static_cast<std::uint8_t>(k * 3 + i));
            bytes.push_back(p.generated);
            plan.push_back(std::move(p));
        }
        const ShardedOutput shards{dir.file("m"), std::move(shard_of), gguf::SplitKeyOrder::GgufSplit};
        write_gguf_plan("", m, plan, false, 1, &shards);
    }
};

TEST(GgufSplit, AShardedModelOpensByItsFirstShard) {
    ShardedModel s({0, 1, 1});
    const GgufFile f(s.dir.file("m-00001-of-00002.gguf"));
    EXPECT_EQ(f.shard_count(), 2);
    ASSERT_EQ(f.tensors().size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(f.tensors()[i].name, "t" + std::to_string(i) + ".weight");
        EXPECT_EQ(f.shard_of(i), i == 0 ? 0 : 1);
        EXPECT_TRUE(std::equal(f.tensors()[i].data.begin(), f.tensors()[i].data.end(), s.bytes[i].begin(), s.bytes[i].end()));
    }
    EXPECT_EQ(f.metadata().get_string("general.architecture"), "llama");
    EXPECT_EQ(f.file_size(), std::filesystem::file_size(s.dir.file("m-00001-of-00002.gguf")) +
                                 std::filesystem::file_size(s.dir.file("m-00002-of-00002.gguf")));
    // one shard alone is still a file of its own
    EXPECT_EQ(GgufFile(s.dir.file("m-00001-of-00002.gguf"), GgufFile::SingleShard{}).tensors().size(), 1u);
}

TEST(GgufSplit, AFirstShardWithoutTensorsIsAllowed) {
    ShardedModel s({1, 1, 2});
    const GgufFile f(s.dir.file("m-00001-of-00003.gguf"));
    EXPECT_EQ(f.shard_count(), 3);
    EXPECT_EQ(f.tensors().size(), 3u);
    EXPECT_EQ(f.shard_of(2), 2);
}

TEST(GgufSplit, BrokenShardSetsFailNamingTheShard) {
    {
        ShardedModel s({0, 1, 2});
        std::string e = error_of([&] { GgufFile(s.dir.file("m-00002-of-00003.gguf")); });
        EXPECT_NE(e.find("shard 2 of 3"), std::string::npos) << e;
        EXPECT_NE(e.find("m-00001-of-00003.gguf"), std::string::npos) << e;
        std::filesystem::rename(s.dir.file("m-00001-of-00003.gguf"), s.dir.file("other.gguf"));
        e = error_of([&] { GgufFile(s.dir.file("other.gguf")); });
        EXPECT_NE(e.find("PREFIX-00001-of-00003.gguf"), std::string::npos) << e;
        std::filesystem::rename(s.dir.file("other.gguf"), s.dir.file("m-00001-of-00003.gguf"));
        std::filesystem::remove(s.dir.file("m-00003-of-00003.gguf"));
        e = error_of([&] { GgufFile(s.dir.file("m-00001-of-00003.gguf")); });
        EXPECT_NE(e.find("m-00003-of-00003.gguf"), std::string::npos) << e;
    }
    {
        // the second shard swapped for a copy of the third: its split.no says so
        ShardedModel s({0, 1, 2});
        std::filesystem::copy_file(s.dir.file("m-00003-of-00003.gguf"), s.dir.file("m-00002-of-00003.gguf"),
                                   std::filesystem::copy_options::overwrite_existing);
        const std::string e = error_of([&] { GgufFile(s.dir.file("m-00001-of-00003.gguf")); });
        EXPECT_NE(e.find("m-00002-of-00003.gguf: split.no is 2, expected 1"), std::string::npos) << e;
    }
}

}  // namespace
}  // namespace qforge
