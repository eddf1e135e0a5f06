// CTranslate2's model.bin: the writer gives the words its loader reads (built by hand from src/models/model.cc's
// reader and the Python writer in specs/model_spec.py), the reader takes them back, bad files are refused with
// errors naming the field; and the int8 rows its converter computes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "convert/ctranslate2_export.h"
#include "core/error.h"
#include "formats/ctranslate2/ct2_model_bin.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

std::vector<std::uint8_t> bytes_of(std::initializer_list<float> v) {
    std::vector<std::uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), std::data(v), b.size());
    return b;
}

TEST(Ct2ModelBin, WriterGivesTheWordsTheLoaderReads) {
    const test::TempDir dir;
    {
        Ct2ModelBinWriter w(dir.file("model.bin"), "TransformerDecoderSpec", 8,
                            {{"a/weight", {2, 2}, Ct2Dtype::F32}, {"a/flag", {}, Ct2Dtype::I8}});
        w.write(bytes_of({1.0f, -2.0f, 0.5f, 4.0f}));
        const std::uint8_t flag = 1;
        w.write({&flag, 1});
        w.finish({{"b/weight", "a/weight"}});
    }
    EXPECT_EQ(test::read_file_bytes(dir.file("model.bin")), test::valid_ct2_model_bin());
}

TEST(Ct2ModelBin, ReaderTakesTheVariablesAndAliasesBack) {
    const test::TempDir dir;
    dir.write("model.bin", test::valid_ct2_model_bin());
    const Ct2ModelBin bin(dir.file("model.bin"));
    EXPECT_EQ(bin.version(), 6u);
    EXPECT_EQ(bin.spec(), "TransformerDecoderSpec");
    EXPECT_EQ(bin.revision(), 8u);
    ASSERT_EQ(bin.variables().size(), 2u);
    const Ct2Variable& w = bin.variables()[0];
    EXPECT_EQ(w.info.name, "a/weight");
    EXPECT_EQ(w.info.shape, (std::vector<std::uint32_t>{2, 2}));
    EXPECT_EQ(w.info.dtype, Ct2Dtype::F32);
    float v[4];
    std::memcpy(v, w.data.data(), 16);
    EXPECT_EQ(v[1], -2.0f);
    EXPECT_TRUE(bin.variables()[1].info.shape.empty());  // a scalar
    EXPECT_EQ(bin.find("b/weight"), &w);                 // through the alias
    EXPECT_EQ(bin.find("c"), nullptr);
}

TEST(Ct2ModelBin, BadFilesRefusedNamingTheField) {
    const test::TempDir dir;
    test::expect_each_rejected(test::bad_ct2_model_bin_inputs(), dir, [](const std::string& p) { Ct2ModelBin bin(p); });
}

TEST(Ct2ModelBin, WriterRefusesWrongSizesAndCounts) {
    const test::TempDir dir;
    Ct2ModelBinWriter w(dir.file("model.bin"), "S", 1, {{"a", {3}, Ct2Dtype::F16}});
    const std::vector<std::uint8_t> four(4);
    EXPECT_THROW(w.write(four), Error);  // 3 float16 values are 6 bytes
    EXPECT_THROW(w.finish({}), Error);   // nothing written
}

// specs/model_spec.py: amax = max |w| per row (127 where it is 0, so a zero row's scale is 1), scale = 127 / amax in float32,
// q = rint(w * scale) (half to even).
TEST(Ct2Int8, RowsAsCTranslate2sConverter) {
    const float w[] = {0.5f, -1.0f, 0.25f, 0.0f};
    std::int8_t q[4];
    float s = 0;
    ct2_quantize_row_int8(w, 4, q, &s);
    EXPECT_EQ(s, 127.0f);
    EXPECT_EQ(q[0], 64);  // 63.5 rounds to even
    EXPECT_EQ(q[1], -127);
    EXPECT_EQ(q[2], 32);  // 31.75
    EXPECT_EQ(q[3], 0);
    const float zero[] = {0.0f, 0.0f};
    ct2_quantize_row_int8(zero, 2, q, &s);
    EXPECT_EQ(s, 1.0f);  // amax taken as 127
    EXPECT_EQ(q[0], 0);
    const float x[] = {3.0f, -0.75f};
    ct2_quantize_row_int8(x, 2, q, &s);
    EXPECT_EQ(s, 127.0f / 3.0f);
    EXPECT_EQ(q[0], 127);
    EXPECT_EQ(q[1], static_cast<std::int8_t>(std::nearbyint(-0.75f * (127.0f / 3.0f))));  // -31.75 -> -32
}

}  // namespace
}  // namespace qforge
