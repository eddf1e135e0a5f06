// qforge convert against files that llama.cpp's own converters wrote from the same inputs.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "convert/convert.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/gguf/gguf_file.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

ConvertOptions options(TensorType outtype) {
    ConvertOptions o;
    o.outtype = outtype;
    o.progress = false;
    return o;
}

// Same keys with the same types and values (order aside), same tensor infos, byte-identical tensor data.
void expect_same_model(const GgufFile& ours, const GgufFile& theirs, const std::vector<std::string>& skip_keys = {}) {
    for (const auto& [key, value] : theirs.metadata().items()) {
        if (std::find(skip_keys.begin(), skip_keys.end(), key) != skip_keys.end()) continue;
        const GgufValue* mine = ours.metadata().find(key);
        ASSERT_NE(mine, nullptr) << "missing key " << key;
        EXPECT_TRUE(*mine == value) << "key " << key << ": ours " << mine->to_display() << ", llama.cpp "
                                    << value.to_display();
    }
    for (const auto& [key, value] : ours.metadata().items())
        EXPECT_TRUE(theirs.metadata().contains(key) ||
                    std::find(skip_keys.begin(), skip_keys.end(), key) != skip_keys.end())
            << "extra key " << key;
    ASSERT_EQ(ours.tensors().size(), theirs.tensors().size());
    for (std::size_t i = 0; i < ours.tensors().size(); ++i) {
        const auto& a = ours.tensors()[i];
        const auto& b = theirs.tensors()[i];
        SCOPED_TRACE(b.name);
        EXPECT_EQ(a.name, b.name);
        EXPECT_EQ(a.type, b.type);
        EXPECT_EQ(a.ne, b.ne);
        ASSERT_EQ(a.data.size(), b.data.size());
        EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size()), 0) << "tensor data differs";
    }
}

class ConvertPydoc : public ::testing::TestWithParam<std::pair<TensorType, const char*>> {};

TEST_P(ConvertPydoc, MatchesLlamaCppsConverterByteForByte) {
    const auto [type, fixture] = GetParam();
    test::TempDir dir;
    const std::string out = dir.file("out.gguf");
    convert_to_gguf(test::fixture("models/pydoc6m"), out, options(type));
    GgufFile ours(out), theirs(test::fixture(fixture));
    expect_same_model(ours, theirs);
    // Everything lines up, so the whole file is identical, header included.
    EXPECT_TRUE(test::read_file_bytes(out) == test::read_file_bytes(test::fixture(fixture)));
}

INSTANTIATE_TEST_SUITE_P(Outtypes, ConvertPydoc,
                         ::testing::Values(std::pair{TensorType::F32, "gguf/pydoc6m-f32.gguf"},
                                           std::pair{TensorType::F16, "gguf/pydoc6m-f16.gguf"},
                                           std::pair{TensorType::BF16, "gguf/pydoc6m-bf16.gguf"}));

TEST(Convert, Bf16CheckpointGivesTheSameBf16Tensors) {
    test::TempDir dir;
    convert_to_gguf(test::fixture("models/pydoc6m-bf16"), dir.file("out.gguf"), options(TensorType::BF16));
    GgufFile ours(dir.file("out.gguf")), theirs(test::fixture("gguf/pydoc6m-bf16.gguf"));
    // The name comes from the directory ("Pydoc6M Bf16"). Norm vectors are F32 in both files, but llama.cpp's
    // come from the F32 checkpoint, so ours (from BF16) equal theirs rounded to BF16; matrices are identical.
    for (std::size_t i = 0; i < ours.tensors().size(); ++i) {
        const auto& a = ours.tensors()[i];
        const auto& b = theirs.tensors()[i];
        ASSERT_EQ(a.name, b.name);
        ASSERT_EQ(a.type, b.type);
        ASSERT_EQ(a.data.size(), b.data.size());
        if (a.ne.size() == 2) {
            EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size()), 0) << a.name;
            continue;
        }
        for (std::size_t k = 0; k < a.data.size(); k += 4) {
            float x, y;
            std::memcpy(&x, a.data.data() + k, 4);
            std::memcpy(&y, b.data.data() + k, 4);
            ASSERT_EQ(x, bf16_to_fp32(fp32_to_bf16(y))) << a.name;
        }
    }
    for (const auto& [key, value] : theirs.metadata().items())
        if (key != "general.name") EXPECT_TRUE(*ours.metadata().find(key) == value) << key;
    EXPECT_EQ(ours.metadata().get_string("general.name"), "Pydoc6M Bf16");
}

TEST(Convert, Stories260KFromLlama2cMatchesLlamaCppsConverter) {
    test::TempDir dir;
    convert_to_gguf(test::fixture("models/stories260K/stories260K.bin"), dir.file("out.gguf"), options(TensorType::F32));
    GgufFile ours(dir.file("out.gguf")), theirs(test::fixture("gguf/stories260K-f32.gguf"));
    // llama.cpp writes its hard-coded default context of 128; we write the checkpoint's seq_len.
    expect_same_model(ours, theirs, {"llama.context_length"});
    EXPECT_EQ(theirs.metadata().get_int("llama.context_length"), 128);
    EXPECT_EQ(ours.metadata().get_int("llama.context_length"), 512);
}

TEST(Convert, GgufRecastToF16MatchesLlamaCppsF16File) {
    test::TempDir dir;
    convert_to_gguf(test::fixture("gguf/pydoc6m-f32.gguf"), dir.file("out.gguf"), options(TensorType::F16));
    EXPECT_TRUE(test::read_file_bytes(dir.file("out.gguf")) == test::read_file_bytes(test::fixture("gguf/pydoc6m-f16.gguf")));
}

TEST(Convert, RefusesQuantizedGgufAndUnknownInputs) {
    test::TempDir dir;
    EXPECT_THROW(convert_to_gguf(test::fixture("gguf/pydoc6m-pure-q4_0.gguf"), dir.file("o.gguf"), options(TensorType::F16)), Error);
    EXPECT_THROW(convert_to_gguf(test::fixture("text/pydoc-test.txt"), dir.file("o.gguf"), options(TensorType::F16)), Error);
    EXPECT_THROW(convert_to_gguf(test::fixture("models/pydoc6m"), dir.file("o.gguf"), options(TensorType::Q4_0)), Error);
    EXPECT_FALSE(std::filesystem::exists(dir.file("o.gguf")));
}

}  // namespace
}  // namespace qforge
