#include <gtest/gtest.h>

#include "core/error.h"
#include "formats/hf/hf_checkpoint.h"
#include "formats/safetensors/safetensors_writer.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

void write_shard(const std::string& path, const std::vector<std::string>& names) {
    std::vector<SafetensorsEntry> entries;
    for (const auto& n : names) entries.push_back({n, TensorType::F32, {2}});
    SafetensorsWriter w(path, entries);
    const std::vector<std::uint8_t> bytes(8, 0);
    for (std::size_t i = 0; i < names.size(); ++i) w.write(bytes);
    w.finish();
}

struct ShardedDir {
    test::TempDir dir;
    ShardedDir(const std::string& index_json) {
        dir.write("config.json", R"({"architectures":["LlamaForCausalLM"]})");
        write_shard(dir.file("model-00001-of-00002.safetensors"), {"b", "a"});
        write_shard(dir.file("model-00002-of-00002.safetensors"), {"c"});
        dir.write("model.safetensors.index.json", index_json);
    }
};

TEST(HfCheckpoint, ReadsShardsInOrderThroughTheIndex) {
    ShardedDir d(R"({"metadata":{},"weight_map":{"c":"model-00002-of-00002.safetensors",
                   "a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors"}})");
    HfCheckpoint ck(d.dir.path());
    ASSERT_EQ(ck.tensors().size(), 3u);
    EXPECT_EQ(ck.tensors()[0].name, "a");
    EXPECT_EQ(ck.tensors()[1].name, "b");
    EXPECT_EQ(ck.tensors()[2].name, "c");
    EXPECT_EQ(ck.shard_paths().size(), 2u);
}

TEST(HfCheckpoint, RejectsAnIndexThatDisagreesWithTheShards) {
    ShardedDir missing(R"({"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00001-of-00002.safetensors",
                         "c":"model-00002-of-00002.safetensors","d":"model-00002-of-00002.safetensors"}})");
    EXPECT_THROW(HfCheckpoint{missing.dir.path()}, Error);
    ShardedDir unlisted(R"({"weight_map":{"a":"model-00001-of-00002.safetensors","c":"model-00002-of-00002.safetensors"}})");
    EXPECT_THROW(HfCheckpoint{unlisted.dir.path()}, Error);
    ShardedDir absent(R"({"weight_map":{"a":"model-00003-of-00003.safetensors"}})");
    EXPECT_THROW(HfCheckpoint{absent.dir.path()}, Error);
    ShardedDir escape(R"({"weight_map":{"a":"../x.safetensors"}})");
    EXPECT_THROW(HfCheckpoint{escape.dir.path()}, Error);
    ShardedDir not_json(R"({"weight_map":)");
    EXPECT_THROW(HfCheckpoint{not_json.dir.path()}, Error);
}

TEST(HfCheckpoint, ExplainsMissingWeights) {
    test::TempDir dir;
    dir.write("config.json", "{}");
    dir.write("pytorch_model.bin", "x");
    try {
        HfCheckpoint ck(dir.path());
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("safetensors"), std::string::npos);
    }
}

}  // namespace
}  // namespace qforge

namespace qforge {
namespace {

TEST(HfCheckpoint, EveryCraftedBadIndexFailsWithItsReason) {
    test::TempDir dir;
    dir.write("config.json", R"({"architectures":["LlamaForCausalLM"]})");
    write_shard(dir.file("model-00001-of-00001.safetensors"), {"a"});
    dir.write("model.safetensors.index.json", test::valid_hf_index());
    EXPECT_EQ(HfCheckpoint(dir.path()).tensors().size(), 1u);
    test::expect_each_rejected(test::bad_hf_index_inputs(), dir, [](const std::string& d) { HfCheckpoint ck(d); },
                               "model.safetensors.index.json");
}

}  // namespace
}  // namespace qforge
